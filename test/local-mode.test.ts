/**
 * Local mode (the embedded simulated tenant, unsigned activities) starts only when nothing
 * production-like is configured, listens on loopback only and answers only loopback serviceUrls.
 * The real entry point is started as an admin would start it.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createBotApp, type BotApp } from '../src/app';
import { CREDENTIAL_SETTINGS, PRODUCTION_SETTINGS } from '../src/config';
import { startLocalMode, type LocalMode } from '../src/local-mode';
import { createLogger } from '../src/logging';
import { SqliteStore } from '../src/store/sqlite-store';
import type { Store } from '../src/store/store';
import { SEEDED_USERS } from '../src/twin/directory';

jest.setTimeout(60_000);

const PROJECT = path.resolve(__dirname, '..');
let scratch: string;
/** An ENV_FILE with nothing in it, so that a developer's own .env in the project plays no part. */
let emptyEnvFile: string;

beforeAll(() => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'chatops-local-'));
  emptyEnvFile = path.join(scratch, 'empty.env');
  fs.writeFileSync(emptyEnvFile, '');
});
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** An environment with none of the bot's settings (the test runner's own variables kept). */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: 'development' };
  for (const name of [...CREDENTIAL_SETTINGS, ...PRODUCTION_SETTINGS, 'ENV_FILE']) delete env[name];
  return { ...env, ...extra };
}

/** Starts `src/index.ts` and waits for it to exit (or for `until` to show up in its output, then stops it). */
function runBot(env: NodeJS.ProcessEnv, options: { cwd?: string; until?: RegExp; meanwhile?: () => Promise<void> } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    // tsx by path: `--import tsx` would be resolved from the working directory.
    const tsx = pathToFileURL(path.join(PROJECT, 'node_modules/tsx/dist/loader.mjs')).href;
    const child = spawn(process.execPath, ['--import', tsx, path.join(PROJECT, 'src/index.ts')], {
      cwd: options.cwd ?? PROJECT, env, stdio: ['ignore', 'pipe', 'pipe'],
    });
    const run: Run = { code: null, stdout: '', stderr: '' };
    const timer = setTimeout(() => child.kill('SIGKILL'), 45_000);
    child.stdout.on('data', (data) => {
      run.stdout += String(data);
      if (options.until?.test(run.stdout)) {
        options.until = undefined;
        void (options.meanwhile?.() ?? Promise.resolve()).catch(reject).finally(() => child.kill('SIGTERM'));
      }
    });
    child.stderr.on('data', (data) => { run.stderr += String(data); });
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ ...run, code });
    });
  });
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('local mode only when nothing production-like is set', () => {
  it('the review: real settings but no MICROSOFT_APP_* is a start-up error naming the missing credentials', async () => {
    const run = await runBot(cleanEnv({
      ENV_FILE: emptyEnvFile,
      PORT: String(await freePort()),
      DEFENDER_REGION: 'eu',
      CARD_SIGNING_SECRET: 'x'.repeat(40),
      DATABASE_URL: 'postgres://bot@db.example:5432/chatops',
      ALLOWED_TENANTS: '7f3c1a52-9d4e-4b8a-a1c6-2e5f80d4b913',
    }));
    expect(run.code).toBe(1);
    for (const name of CREDENTIAL_SETTINGS) expect(run.stderr).toContain(`${name} is missing`);
    expect(run.stderr).toMatch(/DEFENDER_REGION, CARD_SIGNING_SECRET|CARD_SIGNING_SECRET, DEFENDER_REGION/);
    expect(run.stdout).not.toMatch(/LOCAL MODE/);
  });

  it('NODE_ENV=production alone is enough to refuse local mode', async () => {
    const run = await runBot(cleanEnv({ ENV_FILE: emptyEnvFile, NODE_ENV: 'production' }));
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('NODE_ENV=production');
    expect(run.stderr).toContain('MICROSOFT_APP_ID is missing');
  });

  it('.env is read from ENV_FILE (or the project), never from the working directory, and the bot says which file it read', async () => {
    const elsewhere = fs.mkdtempSync(path.join(scratch, 'cwd-'));
    fs.writeFileSync(path.join(elsewhere, '.env'), 'MICROSOFT_APP_ID=4a9d2c71-6e3b-4f05-b8d2-0c7e15a9f3e6\nMICROSOFT_APP_PASSWORD=x\nMICROSOFT_APP_TENANT_ID=7f3c1a52-9d4e-4b8a-a1c6-2e5f80d4b913\n');
    const envFile = path.join(scratch, 'chosen.env');
    fs.writeFileSync(envFile, `CARD_SIGNING_SECRET=${'y'.repeat(40)}\nDATABASE_URL=\n`);
    const run = await runBot(cleanEnv({ ENV_FILE: envFile }), { cwd: elsewhere });
    expect(run.stdout).toContain(`Settings: the environment, then ${envFile}.`);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('MICROSOFT_APP_ID is missing');
    expect(run.stderr).not.toContain('DATABASE_URL');
  });

  it('with nothing set, local mode listens on 127.0.0.1 only', async () => {
    const port = await freePort();
    const reachable: Record<string, boolean> = {};
    const otherAddress = Object.values(os.networkInterfaces()).flat().find((address) => address && !address.internal && address.family === 'IPv4')?.address;
    const run = await runBot(cleanEnv({ ENV_FILE: emptyEnvFile, PORT: String(port) }), {
      until: /Bot listening/,
      meanwhile: async () => {
        for (const host of ['127.0.0.1', otherAddress ?? '127.0.0.2']) reachable[host] = await connects(host, port);
      },
    });
    expect(run.stdout).toContain('LOCAL MODE');
    expect(run.stdout).toContain(`Bot listening on http://127.0.0.1:${port}/api/messages`);
    expect(Object.values(reachable)).toEqual([true, false]);
  });
});

/** Whether a TCP connection to host:port is accepted. */
function connects(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('local mode answers only loopback serviceUrls', () => {
  let local: LocalMode;
  let app: BotApp;
  let store: Store;
  let endpoint: string;

  beforeAll(async () => {
    const port = await freePort();
    local = await startLocalMode(port);
    store = await SqliteStore.open(':memory:');
    app = createBotApp(local.config, store, { inbound: local.inbound, logger: createLogger('silent') });
    await new Promise<void>((resolve) => app.server.listen(port, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${port}/api/messages`;
  });
  afterAll(async () => {
    await app.close();
    await store.close();
    await local.twin.close();
  });

  function playgroundMessage(serviceUrl: string) {
    const chat = local.twin.teams.driver.personalChat(SEEDED_USERS.alice);
    return { ...local.twin.teams.driver.messageActivity(SEEDED_USERS.alice, chat, 'help'), serviceUrl };
  }

  async function post(activity: object): Promise<number> {
    const response = await fetch(endpoint, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(activity) });
    return response.status;
  }

  it('an unsigned activity naming a serviceUrl off this machine is refused (403)', async () => {
    expect(await post(playgroundMessage('https://attacker.example/'))).toBe(403);
    expect(await post(playgroundMessage('http://10.0.0.5:8080/'))).toBe(403);
  });

  it('one naming a loopback serviceUrl (the Playground, the twin) is answered', async () => {
    expect(await post(playgroundMessage(local.twin.teams.serviceUrl))).toBe(200);
  });
});
