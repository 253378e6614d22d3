/**
 * The production entry (`node dist/index.js`, src/launch.ts) loads the bot's bundle with the V8 code
 * cache that the build made (after loading the bundle, without starting it) and starts it. The cache
 * is never offered to another bundle, and V8 refuses it under other flags or when damaged: the bot
 * starts anyway. Observed from outside: each start's output and what it reports with NODE_DEBUG=code-cache.
 */
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bundleLaunched } from '../scripts/bundle';
import { codeCacheFile } from '../src/code-cache';

jest.setTimeout(60_000);

let outdir: string;
const build = () => bundleLaunched('test/fixtures/launched-bundle.ts', outdir);

beforeAll(async () => {
  outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'code-cache-'));
  await build();
});
afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

const caches = () => fs.readdirSync(outdir).filter((file) => file.endsWith('.v8cache'));
const bundleFile = () => path.join(outdir, 'bot.js');

/** A start of the launcher: what the bundle printed, and what became of the cache. */
function start(nodeFlags: string[] = []): { output: unknown; cache: string[] } {
  const run = spawnSync(process.execPath, [...nodeFlags, path.join(outdir, 'index.js')], {
    env: { ...process.env, NODE_DEBUG: 'code-cache' }, encoding: 'utf8',
  });
  expect(run.status).toBe(0);
  const cache = [...run.stderr.matchAll(/^CODE-CACHE \d+: (.+)$/gm)].map((match) => match[1]);
  return { output: JSON.parse(run.stdout), cache };
}

const AS_REQUIRE = { folder: expect.stringMatching(/^code-cache-/), file: 'bot.js', requires: 'function', moduleFile: 'bot.js' };

it('builds the cache without starting the bundle; a start uses it and runs the bundle as a CommonJS module', () => {
  expect(caches()).toEqual([path.basename(codeCacheFile(bundleFile(), fs.readFileSync(bundleFile())))]);
  expect(fs.existsSync(path.join(outdir, 'started'))).toBe(false);
  expect(start()).toEqual({ output: AS_REQUIRE, cache: ['used'] });
  expect(fs.existsSync(path.join(outdir, 'started'))).toBe(true);
});

it('under other V8 flags V8 refuses the cache, and the bundle runs anyway', () => {
  expect(start(['--max-old-space-size=512'])).toEqual({ output: AS_REQUIRE, cache: ['rejected'] });
  expect(start().cache).toEqual(['used']);
});

it('a damaged cache is refused by V8, and the bundle runs anyway', () => {
  const [cache] = caches();
  const good = fs.readFileSync(path.join(outdir, cache));
  fs.writeFileSync(path.join(outdir, cache), crypto.randomBytes(good.length));
  expect(start()).toEqual({ output: AS_REQUIRE, cache: ['rejected'] });
  fs.writeFileSync(path.join(outdir, cache), good);
});

it('never offers a cache to a bundle it was not made from; the next build replaces it', async () => {
  fs.appendFileSync(bundleFile(), '\nconsole.error("a changed bundle");\n');
  expect(start()).toEqual({ output: AS_REQUIRE, cache: ['absent'] });
  await build();
  expect(caches()).toHaveLength(1);
  expect(start().cache).toEqual(['used']);
});
