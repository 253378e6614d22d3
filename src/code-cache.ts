import crypto from 'node:crypto';
import fs from 'node:fs';
import Module, { createRequire } from 'node:module';
import path from 'node:path';
import { debuglog } from 'node:util';
import vm from 'node:vm';

/** `NODE_DEBUG=code-cache` shows whether a start used the cache and whether one was written. */
const debug = debuglog('code-cache');

/**
 * Made after the bundle ran (at a process's exit: it holds every function compiled during the run)
 * or, by the build, after it was only compiled (its top-level code alone).
 */
export type CodeCacheKind = 'run' | 'compiled';

/**
 * The V8 code cache of a bundle, next to it: `<bundle>.<hash of Node's version, the CPU and the
 * bundle's contents>.<kind>.v8cache`. The name changes with any of them, so a cache is only ever
 * offered to the bundle it was made from; V8 itself refuses one made under other V8 flags. It lives
 * beside the bundle, never in a shared temporary directory: code read from it runs as the bot.
 */
export function codeCacheFile(bundleFile: string, source: string, kind: CodeCacheKind): string {
  const key = crypto.createHash('sha256').update(`${process.version}\n${process.arch}\n`).update(source).digest('hex').slice(0, 24);
  return `${bundleFile}.${key}.${kind}.v8cache`;
}

/**
 * Runs a bundled CommonJS file as `require` would, compiled with its code cache: compiling and
 * lazily compiling the 8 MB bundle is about 40 % of the bot's start-up (bench/RESULTS.md,
 * Footprint). The build's cache ('compiled') saves the compiling of its top-level code; a process
 * that started without a cache made after a run writes one when it exits, for the next start.
 */
export function runWithCodeCache(bundleFile: string): void {
  const source = fs.readFileSync(bundleFile, 'utf8');
  const afterRun = codeCacheFile(bundleFile, source, 'run');
  const offered = (['run', 'compiled'] as const)
    .map((kind) => ({ kind, data: readIfPresent(codeCacheFile(bundleFile, source, kind)) }))
    .find((cache) => cache.data !== undefined);
  const script = compile(bundleFile, source, offered?.data);
  const used = offered !== undefined && !script.cachedDataRejected;
  debug(used ? `used (${offered.kind})` : offered ? `rejected (${offered.kind})` : 'absent');
  if (!(used && offered.kind === 'run')) process.once('exit', () => debug(writeCodeCache(script, afterRun)));
  const bundle = new Module(bundleFile, module);
  bundle.filename = bundleFile;
  const wrapper = script.runInThisContext() as (...args: unknown[]) => void;
  wrapper.call(bundle.exports, bundle.exports, createRequire(bundleFile), bundle, bundleFile, path.dirname(bundleFile));
  bundle.loaded = true;
}

/** Compiles the bundle without running it and writes its cache (the build's step). */
export function prepareCodeCache(bundleFile: string): 'written' | 'unwritable' {
  const source = fs.readFileSync(bundleFile, 'utf8');
  return writeCodeCache(compile(bundleFile, source, undefined), codeCacheFile(bundleFile, source, 'compiled'));
}

function compile(bundleFile: string, source: string, cachedData: Buffer | undefined): vm.Script {
  return new vm.Script(Module.wrap(source), { filename: bundleFile, ...(cachedData ? { cachedData } : {}) });
}

function readIfPresent(file: string): Buffer | undefined {
  try {
    return fs.readFileSync(file);
  } catch {
    return undefined;
  }
}

/** Written whole or not at all (a rename), so a start that reads it meanwhile never sees half a cache. */
function writeCodeCache(script: vm.Script, cacheFile: string): 'written' | 'unwritable' {
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
