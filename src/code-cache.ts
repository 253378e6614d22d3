import crypto from 'node:crypto';
import fs from 'node:fs';
import Module, { createRequire } from 'node:module';
import path from 'node:path';
import { debuglog } from 'node:util';
import vm from 'node:vm';

/** `NODE_DEBUG=code-cache` shows whether a start used the cache. */
const debug = debuglog('code-cache');

/** The bundle the launcher loads (`dist/bot.js`), beside it; scripts/bundle.ts names it so. */
export const LAUNCHED_BUNDLE = 'bot';

/**
 * What a launched bundle exports: loading it initializes its modules, `start()` runs it. (Run
 * directly, as `npm start` runs src/index.ts, it starts itself.)
 */
export interface LaunchedBundle {
  start(): void;
}

/**
 * The V8 code cache of a bundle, next to it: `<bundle>.<hash of Node's version, the CPU and the
 * bundle's contents>.v8cache`. The name changes with any of them, so a cache is only ever offered
 * to the bundle it was made from; V8 itself refuses one made under other V8 flags.
 */
export function codeCacheFile(bundleFile: string, source: Buffer): string {
  const key = crypto.createHash('sha256').update(`${process.version}\n${process.arch}\n`).update(source).digest('hex').slice(0, 24);
  return `${bundleFile}.${key}.v8cache`;
}

/**
 * Loads a bundled CommonJS file as `require` would, compiled with its code cache: without one, V8
 * compiles the 8 MB bundle and then, while its modules initialize, each function they call; that
 * is some 40 % of the bot's start-up (bench/RESULTS.md, Footprint). Without a usable cache (none,
 * another Node, other V8 flags) it compiles as usual.
 */
export function loadWithCodeCache(bundleFile: string): LaunchedBundle {
  const source = fs.readFileSync(bundleFile);
  const cachedData = readIfPresent(codeCacheFile(bundleFile, source));
  const script = compile(bundleFile, source, cachedData);
  debug(cachedData === undefined ? 'absent' : script.cachedDataRejected ? 'rejected' : 'used');
  return run(script, bundleFile) as LaunchedBundle;
}

/**
 * The build's step: loads the bundle (its modules initialize, nothing starts) and writes the cache
 * of everything compiled by then. A cache made before running would hold the top-level code alone.
 */
export function prepareCodeCache(bundleFile: string): 'written' | 'unwritable' {
  const source = fs.readFileSync(bundleFile);
  const script = compile(bundleFile, source, undefined);
  run(script, bundleFile);
  const cacheFile = codeCacheFile(bundleFile, source);
  const partial = `${cacheFile}.${process.pid}.partial`;
  try {
    fs.writeFileSync(partial, script.createCachedData());
    fs.renameSync(partial, cacheFile);
    return 'written';
  } catch {
    fs.rmSync(partial, { force: true });
    return 'unwritable';
  }
}

function compile(bundleFile: string, source: Buffer, cachedData: Buffer | undefined): vm.Script {
  return new vm.Script(Module.wrap(source.toString('utf8')), { filename: bundleFile, ...(cachedData ? { cachedData } : {}) });
}

/** Runs the compiled bundle as a CommonJS module of its own; its exports. */
function run(script: vm.Script, bundleFile: string): unknown {
  const bundle = new Module(bundleFile, module);
  bundle.filename = bundleFile;
  const wrapper = script.runInThisContext() as (...args: unknown[]) => void;
  wrapper.call(bundle.exports, bundle.exports, createRequire(bundleFile), bundle, bundleFile, path.dirname(bundleFile));
  bundle.loaded = true;
  return bundle.exports;
}

function readIfPresent(file: string): Buffer | undefined {
  try {
    return fs.readFileSync(file);
  } catch {
    return undefined;
  }
}
