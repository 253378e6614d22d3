/**
 * The production entry (`node dist/index.js`, src/launch.ts) runs the bot's bundle with a V8 code
 * cache: the build's (compiled only), then the one its first start writes at exit (after a run);
 * never offered to another bundle; refused by V8 under other flags, and then written anew. Observed
 * from outside: each start's output and what it reports with NODE_DEBUG=code-cache.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bundleLaunched } from '../scripts/bundle';
import { codeCacheFile } from '../src/code-cache';

jest.setTimeout(60_000);

let outdir: string;

beforeAll(async () => {
  outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'code-cache-'));
  await bundleLaunched('test/fixtures/launched-bundle.ts', outdir);
});
afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

const caches = () => fs.readdirSync(outdir).filter((file) => file.endsWith('.v8cache'));

const launch = (nodeFlags: string[] = []) => spawnSync(process.execPath, [...nodeFlags, path.join(outdir, 'index.js')], {
  env: { ...process.env, NODE_DEBUG: 'code-cache' }, encoding: 'utf8',
});

/** A start of the launcher: what the bundle printed, and what became of the cache. */
function start(nodeFlags: string[] = []): { output: unknown; cache: string[] } {
  const run = launch(nodeFlags);
  expect(run.status).toBe(0);
  const cache = [...run.stderr.matchAll(/^CODE-CACHE \d+: (.+)$/gm)].map((match) => match[1]);
  return { output: JSON.parse(run.stdout), cache };
}

const AS_REQUIRE = { folder: expect.stringMatching(/^code-cache-/), file: 'bot.js', requires: 'function', moduleFile: 'bot.js' };

it('builds a cache with the bundle; the first start uses it and writes one after its run, which the next start uses', () => {
  expect(caches()).toEqual([expect.stringMatching(/^bot\.js\.\w+\.compiled\.v8cache$/)]);
  expect(start()).toEqual({ output: AS_REQUIRE, cache: ['used (compiled)', 'written'] });
  expect(start()).toEqual({ output: AS_REQUIRE, cache: ['used (run)'] });
  expect(caches()).toHaveLength(2);
});

it('under other V8 flags V8 refuses the cache: the bundle runs anyway, and the next start with those flags has one', () => {
  const flags = ['--max-old-space-size=512'];
  expect(start(flags)).toEqual({ output: AS_REQUIRE, cache: ['rejected (run)', 'written'] });
  expect(start(flags)).toEqual({ output: AS_REQUIRE, cache: ['used (run)'] });
});

it('never offers a cache to a bundle it was not made from (a new build), and makes one for it', () => {
  const bundle = path.join(outdir, 'bot.js');
  fs.appendFileSync(bundle, '\nconsole.error("the new build");\n');
  const before = caches();
  const run = launch();
  expect(run.stderr).toContain('the new build');
  expect(run.stderr).toMatch(/CODE-CACHE \d+: absent/);
  expect(caches().filter((file) => !before.includes(file))).toEqual([expect.stringMatching(/\.run\.v8cache$/)]);
  expect(start().cache).toEqual(['used (run)']);
});

it('a damaged cache is refused by V8 and replaced', () => {
  const bundle = path.join(outdir, 'bot.js');
  fs.writeFileSync(codeCacheFile(bundle, fs.readFileSync(bundle, 'utf8'), 'run'), crypto.randomBytes(4096));
  expect(start()).toEqual({ output: AS_REQUIRE, cache: ['rejected (run)', 'written'] });
  expect(start().cache).toEqual(['used (run)']);
});

it('the build removes the caches of earlier builds', async () => {
  expect(caches().length).toBeGreaterThan(1);
  await bundleLaunched('test/fixtures/launched-bundle.ts', outdir);
  expect(caches()).toHaveLength(1);
  expect(execFileSync(process.execPath, [path.join(outdir, 'index.js')], { encoding: 'utf8' })).toContain('"file":"bot.js"');
});
