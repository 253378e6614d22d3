/**
 * Local mode (the embedded simulated tenant, unsigned activities) starts only when nothing
 * production-like is configured, listens on loopback only and answers only loopback serviceUrls.
 * The real entry point is started as an admin would start it.
 */
import { DEFAULT_DIGEST_SETTINGS } from '../src/notify/storm-digest';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createBotApp, type BotApp } from '../src/app';
import { CREDENTIAL_SETTINGS, DEFAULT_APPROVAL_POLICY, type LocalSettings, PRODUCTION_SETTINGS } from '../src/config';
import { startLocalMode, type LocalMode } from '../src/local-mode';
import { createLogger } from '../src/logging';
import { SqliteStore } from '../src/store/sqlite-store';
import type { Store } from '../src/store/store';
import { SEEDED_USERS } from '../src/twin/directory';
import { cardText } from './support/bot-harness';
import { eventually } from './support/eventually';

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

/** Local mode's defaults, on `port`, with the storyline off unless a test turns it on. */
function localSettings(port: number, overrides: Partial<LocalSettings> = {}): LocalSettings {
  return { port, logLevel: 'silent', actionPollIntervalMs: 2000, notifyIntervalMs: 15_000, storylineIntervalMs: 0, approval: DEFAULT_APPROVAL_POLICY, isolationReminder: '24h', digest: DEFAULT_DIGEST_SETTINGS, ...overrides };
}

describe('copying .env.example to .env unchanged', () => {
  it('starts local mode (empty values mean "not set": default port and log level)', async () => {
    const port = await freePort();
    const envFile = path.join(scratch, 'copied.env');
    fs.copyFileSync(path.join(PROJECT, '.env.example'), envFile);
    const run = await runBot(cleanEnv({ ENV_FILE: envFile, PORT: String(port) }), { until: /Bot listening/ });
    expect(run.stdout).toContain('LOCAL MODE');
    expect(run.stdout).toContain(`Bot listening on http://127.0.0.1:${port}/api/messages`);
    expect(run.stderr).not.toMatch(/must be included in custom levels/);
  });

  it('a wrong value next to the empty ones is named; the empty PORT is not', async () => {
    const envFile = path.join(scratch, 'copied-port.env');
    fs.copyFileSync(path.join(PROJECT, '.env.example'), envFile);
    // PORT empty and LOCAL_ALERT_SECONDS wrong: the start stops before listening, naming the setting, not the port.
    const run = await runBot(cleanEnv({ ENV_FILE: envFile, PORT: '', LOCAL_ALERT_SECONDS: 'soon' }));
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('LOCAL_ALERT_SECONDS (or "off") must be a whole number from 1 to 3600 (got "soon")');
    expect(run.stderr).not.toContain('PORT');
  });

  it.each([
    ['LOG_LEVEL', 'verbose', /LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent \(got "verbose"\)/],
    ['PORT', 'http', /PORT must be a whole number from 1 to 65535 \(got "http"\)/],
    ['NOTIFY_INTERVAL_SECONDS', '0', /NOTIFY_INTERVAL_SECONDS must be a whole number from 1 to 3600/],
    ['ACTION_POLL_SECONDS', '1.5', /ACTION_POLL_SECONDS must be a whole number from 1 to 300/],
  ])('a bad %s in local mode names the setting', async (name, value, message) => {
    const run = await runBot(cleanEnv({ ENV_FILE: emptyEnvFile, [name]: value }));
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(message);
    expect(run.stdout).not.toContain('LOCAL MODE');
  });
});

/**
 * The Agents Playground's side of the conversation: like the Playground, it takes the bot's posts
 * without a token (the Teams twin, rightly, refuses an anonymous bot) and keeps what it was sent.
 */
async function startPlaygroundChannel(): Promise<{ url: string; posted: { conversation: string; activity: { text?: string; attachments?: { content?: unknown }[] } }[]; close(): Promise<void> }> {
  const posted: { conversation: string; activity: { text?: string; attachments?: { content?: unknown }[] } }[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => { body += chunk.toString(); });
    req.on('end', () => {
      const match = /^\/v3\/conversations\/([^/]+)\/activities/.exec(req.url ?? '');
      if (match && body) posted.push({ conversation: decodeURIComponent(match[1]), activity: JSON.parse(body) });
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ id: `activity-${posted.length}` }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    posted,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe('the simulated tenant raises alerts', () => {
  let local: LocalMode;
  let app: BotApp;
  let store: Store;
  let playground: Awaited<ReturnType<typeof startPlaygroundChannel>>;

  beforeAll(async () => {
    const port = await freePort();
    playground = await startPlaygroundChannel();
    // The storyline's step and the notifier's poll scaled down from 45 s and 15 s.
    local = await startLocalMode(localSettings(port, { storylineIntervalMs: 300, notifyIntervalMs: 1000 }));
    store = await SqliteStore.open(':memory:');
    app = createBotApp(local.config, store, { inbound: local.inbound, logger: createLogger('silent') });
    await new Promise<void>((resolve) => app.server.listen(port, '127.0.0.1', resolve));
    app.notifier.start();
  });
  afterAll(async () => {
    await app.close();
    await store.close();
    await local.twin.close();
    await playground.close();
  });

  const textsIn = (conversation: string) => playground.posted
    .filter((post) => post.conversation === conversation)
    .map((post) => cardText(post.activity.attachments?.[0]?.content) || (post.activity.text ?? ''));

  it('a Playground chat subscribed with `subscribe low` gets the storyline\'s notifications', async () => {
    const { driver } = local.twin.teams;
    const chat = driver.personalChat(SEEDED_USERS.alice);
    const activity = { ...driver.messageActivity(SEEDED_USERS.alice, chat, 'subscribe low'), serviceUrl: playground.url };
    const response = await fetch(`http://127.0.0.1:${local.config.port}/api/messages`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(activity),
    });
    expect(response.status).toBe(200);
    await eventually(() => {
      if (!textsIn(chat.id).some((text) => /Subscribed/.test(text))) throw new Error(`not subscribed yet: ${JSON.stringify(textsIn(chat.id))}`);
    }, 15_000);
    const texts = await eventually(() => {
      const all = textsIn(chat.id);
      if (!all.some((text) => text.includes('Suspicious URL clicked')) || !all.some((text) => text.includes('Suspicious PowerShell command line'))) {
        throw new Error('no storyline notification yet');
      }
      return all;
    }, 20_000);
    expect(texts.join('\n')).toMatch(/Medium/);
  });

  it('the twin\'s loopback admin route plays the next step on demand', async () => {
    const response = await fetch(`${local.twin.defender.baseUrl}/twin/storyline/next`, { method: 'POST' });
    expect(response.status).toBe(200);
    const step = await response.json() as { kind: string; id: string; title: string };
    expect(['raised', 'changed']).toContain(step.kind);
    expect(local.twin.defender.data.alerts.some((alert) => alert.id === step.id)).toBe(true);
  });
});

describe('local mode answers only loopback serviceUrls', () => {
  let local: LocalMode;
  let app: BotApp;
  let store: Store;
  let endpoint: string;

  beforeAll(async () => {
    const port = await freePort();
    local = await startLocalMode(localSettings(port));
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
