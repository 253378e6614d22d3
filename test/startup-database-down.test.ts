/**
 * The real entry point started while its PostgreSQL database is unreachable: it serves /healthz,
 * says on /readyz why it is not ready, keeps trying with backoff and becomes ready (migrations run
 * then) when the database is back. A database that refuses the bot (here: one that does not exist)
 * is still a clear start-up error. The database is taken away by cutting a TCP proxy in front of
 * the machine's PostgreSQL, which keeps running for everyone else.
 */
import crypto from 'node:crypto';
import { Client } from 'pg';
import { startTwin, type Twin } from '../src/twin';
import { eventually } from './support/bot-harness';
import { exitOf, freePort, startEntryPoint, waitUntilServing } from './support/entry-point';
import { dropSchema, POSTGRES_URL, uniqueSchema } from './support/notify-harness';
import { TcpProxy } from './support/tcp-proxy';

jest.setTimeout(120_000);

const schema = uniqueSchema('startup');
let twin: Twin;
let proxy: TcpProxy;

beforeAll(async () => {
  twin = await startTwin();
  const database = new URL(POSTGRES_URL);
  proxy = await TcpProxy.start({ host: database.hostname, port: Number(database.port || 5432) });
  const client = new Client({ connectionString: POSTGRES_URL });
  await client.connect();
  await client.query(`CREATE SCHEMA ${schema}`);
  await client.end();
});
afterAll(async () => {
  await proxy.close();
  await twin.close();
  await dropSchema(schema);
});

/** The database URL through the proxy, with the test's own schema. */
function databaseUrl(databaseName?: string): string {
  const url = new URL(POSTGRES_URL);
  url.host = `127.0.0.1:${proxy.port}`;
  if (databaseName) url.pathname = `/${databaseName}`;
  url.searchParams.set('options', `-c search_path=${schema}`);
  return url.toString();
}

function settings(url: string): Record<string, string> {
  return { CARD_SIGNING_SECRET: crypto.randomBytes(32).toString('base64url'), DATABASE_URL: url, NOTIFY_INTERVAL_SECONDS: '60' };
}

async function readiness(port: number): Promise<{ status: number; body: { ready: boolean; checks: Record<string, { ok: boolean; status?: string }> } }> {
  const response = await fetch(`http://127.0.0.1:${port}/readyz`);
  return { status: response.status, body: await response.json() as never };
}

it('starts with the database down, reports why it is not ready, and becomes ready when the database is back', async () => {
  await proxy.cut();
  const port = await freePort();
  const bot = startEntryPoint(twin, port, settings(databaseUrl()));
  try {
    await waitUntilServing(port);
    const notReady = await readiness(port);
    expect(notReady.status).toBe(503);
    // /readyz says which check fails, briefly; the reason is in the log (readiness leaks nothing upstream).
    expect(notReady.body.checks.storage).toEqual({ ok: false, status: 'failing' });
    expect(bot.output()).toMatch(/Cannot connect to PostgreSQL at 127\.0\.0\.1:\d+, database \\?"test\\?".*ECONNREFUSED.*retries with backoff/);
    expect(notReady.body.checks.appToken).toMatchObject({ ok: true });

    await proxy.restore();
    await eventually(async () => expect((await readiness(port)).status).toBe(200), 60_000);
    const client = new Client({ connectionString: POSTGRES_URL });
    await client.connect();
    const migrated = await client.query<{ applied: number }>(`SELECT count(*)::int AS applied FROM ${schema}.schema_migrations`);
    await client.end();
    expect(migrated.rows[0].applied).toBeGreaterThan(0);

    const lines = bot.output().split('\n');
    expect(lines.filter((line) => /is not reachable|Cannot connect to PostgreSQL/.test(line))).toHaveLength(1);
    expect(lines.filter((line) => /the database is open after [\d.]+ s/.test(line))).toHaveLength(1);
    expect(bot.child.exitCode).toBeNull();
  } finally {
    bot.child.kill('SIGTERM');
    await exitOf(bot.child);
  }
});

it('still refuses to start, saying why, when the database does not exist', async () => {
  await proxy.restore();
  const bot = startEntryPoint(twin, await freePort(), settings(databaseUrl(`missing_${crypto.randomBytes(4).toString('hex')}`)));
  expect(await exitOf(bot.child)).toBe(1);
  expect(bot.output()).not.toMatch(/Bot listening/);
  expect(bot.output()).toMatch(/The bot cannot start: could not open the PostgreSQL database in DATABASE_URL: .*database "missing_[0-9a-f]+" does not exist/);
});
