/**
 * `node dist/index.js`: the production entry. It loads the bundled bot (`dist/bot.js`, from
 * src/index.ts) with its V8 code cache and starts it; `npm run build` makes the cache with
 * `--prepare-code-cache` (code-cache.ts).
 */
import path from 'node:path';
import { LAUNCHED_BUNDLE, loadWithCodeCache, prepareCodeCache } from './code-cache';

const bundle = path.join(__dirname, `${LAUNCHED_BUNDLE}.js`);
if (process.argv.includes('--prepare-code-cache')) {
  const outcome = prepareCodeCache(bundle);
  if (outcome === 'unwritable') console.error(`No code cache: ${path.dirname(bundle)} cannot be written to; the bot will start without one.`);
  // Loading the modules may have left timers or handles behind; nothing else is to run.
  process.exit(0);
} else {
  loadWithCodeCache(bundle).start();
}
