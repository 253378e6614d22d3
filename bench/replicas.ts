import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from 'pg';
import type { BotConfig } from '../src/config';
import type { Twin } from '../src/twin';
import { runConcurrently } from './load';
import { commandCpuMs } from './process-cpu';
import { BotProcess } from './spawn-bot';
import type { BenchUser } from './users';

export interface ReplicaCell {
  replicas: number;
  turns: number;
  throughputPerSecond: number;
  /** CPU of all bot processes together, per turn. */
  cpuMsPerTurn: number;
  /** CPU of the benchmark's own process per turn: the twins (TLS, JWT signing), the simulated users and the balancer. */
  parentCpuMsPerTurn: number;
  /** CPU of PostgreSQL's server processes per turn (Linux only). */
  postgresCpuMsPerTurn?: number;
  /** All of that over the cell's wall time: how many of the machine's cores were busy. */
  coresBusy: number;
  failures: number;
  firstFailure?: string;
}

export interface ReplicaResult {
  cells: ReplicaCell[];
  /** Throughput with two replicas divided by the throughput with one. */
  throughputRatio: number;
  users: number;
  /** On-behalf-of requests during this part (warm-ups included). */
  oboRequests: number;
  /** What the replicas logged (warnings and errors). */
  botLogs: string[];
}

export interface ReplicaSettings {
  users: number;
  turnsPerUser: number;
}

export const BENCH_DATABASE_URL = process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/**
 * `alerts` turns from concurrent users through a round-robin load balancer (on loopback) in front
 * of one, then two product bots sharing one PostgreSQL schema and the twin. Every user signs in to
 * every replica during the unmeasured warm-up.
 */
export async function measureReplicas(twin: Twin, config: BotConfig, users: readonly BenchUser[], settings: ReplicaSettings): Promise<ReplicaResult> {
  const schema = `bench_${crypto.randomBytes(6).toString('hex')}`;
  const shared: BotConfig = { ...config, storage: { ...config.storage, databaseUrl: BENCH_DATABASE_URL } };
  const cohort = users.slice(0, settings.users);
  const cells: ReplicaCell[] = [];
  const botLogs: string[] = [];
  const tokensBefore = twin.entra.tokenRequests.length;
  try {
    for (const replicas of [1, 2]) {
      const bots = await Promise.all(Array.from({ length: replicas }, () => BotProcess.start('product', shared, 'off', { BENCH_PG_SCHEMA: schema })));
      const balancer = await roundRobin(bots.map((bot) => bot.endpoint));
      try {
        twin.teams.setBotEndpoint(balancer.endpoint);
        const plan = (turns: number) => cohort.map((user) => ({ worker: user, items: Array.from({ length: turns }, () => 'alerts') }));
        const say = async (user: BenchUser, text: string) => {
          const said = await twin.teams.driver.say(user.oid, user.chat, text);
          if (said.status !== 200) throw new Error(`"${text}" answered ${said.status}`);
        };
        const warmup = await runConcurrently(plan(2 * replicas), say);
        if (warmup.failures.length > 0) throw new Error(`replica warm-up failed: ${warmup.failures[0]}`);
        await twin.teams.driver.settled();
        const cpuBefore = await totalCpuMs(bots);
        const parentBefore = process.cpuUsage();
        const postgresBefore = commandCpuMs('postgres');
        const result = await runConcurrently(plan(settings.turnsPerUser), say);
        const parent = process.cpuUsage(parentBefore);
        const postgresAfter = commandCpuMs('postgres');
        const cpuMs = (await totalCpuMs(bots)) - cpuBefore;
        const parentCpuMs = (parent.user + parent.system) / 1000;
        const postgresCpuMs = postgresBefore === undefined || postgresAfter === undefined ? undefined : postgresAfter - postgresBefore;
        const perTurn = (ms: number) => ms / Math.max(1, result.turns);
        cells.push({
          replicas,
          turns: result.turns,
          throughputPerSecond: result.turns / (result.elapsedMs / 1000),
          cpuMsPerTurn: perTurn(cpuMs),
          parentCpuMsPerTurn: perTurn(parentCpuMs),
          ...(postgresCpuMs === undefined ? {} : { postgresCpuMsPerTurn: perTurn(postgresCpuMs) }),
          coresBusy: (cpuMs + parentCpuMs + (postgresCpuMs ?? 0)) / result.elapsedMs,
          failures: result.failures.length,
          ...(result.failures[0] ? { firstFailure: result.failures[0] } : {}),
        });
      } finally {
        await balancer.close();
        botLogs.push(...bots.flatMap((bot) => bot.warnings()));
        await Promise.all(bots.map((bot) => bot.stop()));
      }
    }
  } finally {
    await dropSchema(schema);
  }
  const oboRequests = twin.entra.tokenRequests.slice(tokensBefore).filter((request) => request.grantType.endsWith('jwt-bearer')).length;
  return { cells, throughputRatio: cells[1].throughputPerSecond / cells[0].throughputPerSecond, users: cohort.length, oboRequests, botLogs };
}

async function totalCpuMs(bots: readonly BotProcess[]): Promise<number> {
  const each = await Promise.all(bots.map((bot) => bot.cpuMs()));
  return each.reduce((sum, value) => sum + value, 0);
}

/** A minimal HTTP load balancer: each request goes to the next endpoint in turn, as a layer-7 balancer would spread them. */
async function roundRobin(endpoints: readonly string[]): Promise<{ endpoint: string; close(): Promise<void> }> {
  let next = 0;
  // With a timeout the agent honours the bots' Keep-Alive hint (connector-connections.ts): no request on a connection the bot is closing.
  const agent = new http.Agent({ keepAlive: true, timeout: 30_000 });
  const server = http.createServer((req, res) => {
    const target = new URL(endpoints[next++ % endpoints.length]);
    const upstream = http.request({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers, agent }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/messages`,
    close: () => new Promise<void>((resolve) => {
      agent.destroy();
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

async function dropSchema(schema: string): Promise<void> {
  const client = new Client({ connectionString: BENCH_DATABASE_URL });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await client.end();
  }
}
