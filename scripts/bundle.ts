/**
 * `npm run build` bundles the bot (after type-checking it) into one file per entry in dist/, the way
 * production runs it. One file loads in about half the time of the compiled modules side by side: Node
 * resolves, reads and wraps each of some two thousand files on its own (bench/RESULTS.md, Footprint).
 * The bot's bundle gets a launcher (`index.js`, src/launch.ts) and a V8 code cache (src/code-cache.ts).
 * The benchmark bundles its bot processes with the same options, so it measures this code.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { build, type BuildOptions, type Plugin } from 'esbuild';
import { LAUNCHED_BUNDLE } from '../src/code-cache';

const ROOT = path.resolve(__dirname, '..');

/**
 * Loaded from node_modules at run time: native addons (better-sqlite3; the optional native builds of
 * pg and restify's dtrace), a file served as is (TeamsJS for the sign-in pages) and OpenTelemetry's
 * exporters, which load only when telemetry is on.
 */
const EXTERNAL = ['better-sqlite3', 'pg-native', 'dtrace-provider', '@microsoft/teams-js', '@opentelemetry/*', '@azure/monitor-opentelemetry-exporter'];

/**
 * The entries' own files stay apart: the bot loads local mode (and the twin) only when it runs without
 * configuration. A dynamic import of another entry is left to `require` it at run time.
 */
const entriesStayApart = (entries: Record<string, string>): Plugin => ({
  name: 'entries-stay-apart',
  setup(setup) {
    setup.onResolve({ filter: /^\.\// }, (args) => {
      const target = path.join(args.resolveDir, args.path).replace(/\.js$/, '');
      const entry = Object.entries(entries).find(([, source]) => path.join(ROOT, source).replace(/\.ts$/, '') === target);
      return args.kind === 'dynamic-import' && entry ? { path: `./${entry[0]}.js`, external: true } : undefined;
    });
  },
});

/** Bundles each entry (output name → a path from the project's root) into `outdir`. */
export async function bundle(entries: Record<string, string>, outdir: string): Promise<void> {
  const options: BuildOptions = {
    absWorkingDir: ROOT,
    entryPoints: Object.entries(entries).map(([out, source]) => ({ in: path.join(ROOT, source), out })),
    outdir,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    // Whitespace and syntax only: names stay, so stack traces and libraries that read a constructor's name work.
    minifyWhitespace: true,
    minifySyntax: true,
    sourcemap: 'linked',
    external: EXTERNAL,
    // import() of another entry becomes require(): the launcher runs the bot's bundle as a script, which has no module loader for import().
    supported: { 'dynamic-import': false },
    plugins: [entriesStayApart(entries)],
    logLevel: 'warning',
  };
  await build(options);
}

/**
 * Bundles `source` as the launched bundle with its launcher (`index.js`) and writes its code cache
 * for Node started with `nodeFlags` (V8 refuses a cache made under other V8 flags); earlier builds' caches go.
 */
export async function bundleLaunched(source: string, outdir: string, others: Record<string, string> = {}, nodeFlags: readonly string[] = []): Promise<void> {
  await bundle({ index: 'src/launch.ts', [LAUNCHED_BUNDLE]: source, ...others }, outdir);
  for (const file of fs.readdirSync(outdir)) if (file.endsWith('.v8cache')) fs.rmSync(path.join(outdir, file));
  execFileSync(process.execPath, [...nodeFlags, path.join(outdir, 'index.js'), '--prepare-code-cache'], { stdio: 'inherit' });
}

if (require.main === module) {
  bundleLaunched('src/index.ts', path.join(ROOT, 'dist'), { 'local-mode': 'src/local-mode.ts' }).catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
