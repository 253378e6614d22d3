/**
 * `npm run build` bundles the bot (after type-checking it) into one file per entry in dist/, the way
 * production runs it. One file loads in about half the time of the compiled modules side by side: Node
 * resolves, reads and wraps each of some two thousand files on its own (bench/RESULTS.md, Footprint).
 * The benchmark bundles its bot processes with the same options, so it measures this code.
 */
import path from 'node:path';
import { build, type BuildOptions, type Plugin } from 'esbuild';

const ROOT = path.resolve(__dirname, '..');

/**
 * Loaded from node_modules at run time: native addons (better-sqlite3; the optional native builds of
 * pg and restify's dtrace), a file served as is (TeamsJS for the sign-in pages) and OpenTelemetry's
 * exporters, which load only when telemetry is on.
 */
const EXTERNAL = ['better-sqlite3', 'pg-native', 'dtrace-provider', '@microsoft/teams-js', '@opentelemetry/*', '@azure/monitor-opentelemetry-exporter'];

/** The entries' own files stay apart: the bot loads local mode (and the twin) only when it runs without configuration. */
const entriesStayApart = (entries: readonly string[]): Plugin => ({
  name: 'entries-stay-apart',
  setup(setup) {
    setup.onResolve({ filter: /^\.\// }, (args) => {
      const target = path.join(args.resolveDir, args.path).replace(/\.js$/, '');
      return args.kind === 'dynamic-import' && entries.some((entry) => path.join(ROOT, entry).replace(/\.ts$/, '') === target)
        ? { path: args.path, external: true }
        : undefined;
    });
  },
});

/** Bundles each entry (a path from the project's root) into `outdir`, named after its file. */
export async function bundle(entries: readonly string[], outdir: string): Promise<void> {
  const options: BuildOptions = {
    absWorkingDir: ROOT,
    entryPoints: entries.map((entry) => path.join(ROOT, entry)),
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
    plugins: [entriesStayApart(entries)],
    logLevel: 'warning',
  };
  await build(options);
}

if (require.main === module) {
  bundle(['src/index.ts', 'src/local-mode.ts'], path.join(ROOT, 'dist')).catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
