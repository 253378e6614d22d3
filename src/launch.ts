/**
 * `node dist/index.js`: the production entry. It runs the bundled bot (`dist/bot.js`, from
 * src/index.ts) with its V8 code cache; `npm run build` makes the cache with `--prepare-code-cache`.
 */
import path from 'node:path';
import { prepareCodeCache, runWithCodeCache } from './code-cache';

const bundle = path.join(__dirname, 'bot.js');
if (process.argv.includes('--prepare-code-cache')) {
  if (prepareCodeCache(bundle) === 'unwritable') {
    console.error(`No code cache: ${path.dirname(bundle)} cannot be written to; the bot starts without one.`);
  }
} else {
  runWithCodeCache(bundle);
}
