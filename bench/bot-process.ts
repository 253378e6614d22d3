/**
 * A bot in its own process, so that its CPU time is its own: the product bot (createBotApp, inbound
 * auth on) or the echo baseline, configured by the parent through BENCH_BOT_KIND and BENCH_BOT_CONFIG;
 * both log (JSON, the configured level) to the file BENCH_BOT_LOG. The bot itself is the compiled
 * `dist/` (BENCH_BOT_MODULES); this harness is compiled by `tsconfig.bench.json` and run with
 * `node --expose-gc .bench-build/bench/bot-process.js` and an IPC channel (see spawn-bot.ts).
 */
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import pino from 'pino';
import type restify from 'restify';
import type { BotApp } from '../src/app';
import type { BotConfig } from '../src/config';
import type { Logger } from '../src/logging';
import type { Store } from '../src/store/store';
import type { RunningTelemetry } from '../src/telemetry/start';
import { botModule } from './bot-modules';
import { echoServerFactory } from './echo-bot';
import type { BotKind, BotMessage, BotRequest, BotTelemetry, CpuTime, MemoryFigures } from './ipc';

function send(message: BotMessage): void {
  process.send?.(message);
}

async function main(): Promise<void> {
  const kind = process.env.BENCH_BOT_KIND as BotKind;
  const parsed = JSON.parse(process.env.BENCH_BOT_CONFIG ?? '') as Omit<BotConfig, 'tokenCacheKey'> & { tokenCacheKey: { data: number[] } };
  // JSON carries the key as Buffer's { type: 'Buffer', data } shape.
  const config: BotConfig = { ...parsed, tokenCacheKey: Buffer.from(parsed.tokenCacheKey.data) };
  // Each kind loads only its own modules, so the echo baseline's start-up and memory are its own.
  const { createLogger } = botModule<typeof import('../src/logging')>('logging');
  const build = kind === 'product' ? productFactory() : echoFactory();
  const loadedMs = performance.now();
  const logger = createLogger(config.logLevel, pino.destination({ dest: process.env.BENCH_BOT_LOG ?? '/dev/null', sync: false }));
  const telemetry = await startBenchTelemetry((process.env.BENCH_BOT_TELEMETRY ?? 'off') as BotTelemetry);
  const { server, product } = await build(config, logger);

  const handlers: Record<BotRequest['op'], () => Promise<unknown> | unknown> = {
    cpu: (): CpuTime => {
      const { user, system } = process.cpuUsage();
      return { userMicros: user, systemMicros: system };
    },
    memory: (): MemoryFigures => {
      globalThis.gc?.();
      const { rss, heapUsed } = process.memoryUsage();
      return { rssBytes: rss, heapUsedBytes: heapUsed };
    },
    poll: () => requireProduct().app.notifier.poller.pollOnce(),
    startSender: () => requireProduct().app.notifier.sender.start(),
    pendingOutbox: () => requireProduct().store.pendingOutbox(),
    subscriptions: async () => (await requireProduct().app.notifier.subscriptions.enabledSubscriptions()).length,
  };
  const requireProduct = () => {
    if (!product) throw new Error(`the ${kind} bot has no notifier`);
    return product;
  };

  process.on('message', (request: BotRequest) => {
    void (async () => {
      try {
        send({ kind: 'reply', id: request.id, value: await handlers[request.op]() });
      } catch (error) {
        send({ kind: 'reply', id: request.id, error: error instanceof Error ? error.message : String(error) });
      }
    })();
  });
  process.on('disconnect', () => {
    const closed = product ? product.app.close().then(() => product?.store.close()) : new Promise<void>((resolve) => server.close(() => resolve()));
    void closed.finally(() => logger.flush(() => process.exit(0)));
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  send({ kind: 'ready', port: (server.address() as AddressInfo).port, loadedMs, readyMs: performance.now(), metricsUrl: telemetry?.metricsUrl });
}

interface BuiltBot {
  server: restify.Server;
  product?: { app: BotApp; store: Store };
}

type BotFactory = (config: BotConfig, logger: Logger) => Promise<BuiltBot>;

/** Telemetry as production runs it (Prometheus on loopback); with `traces`, every span also goes to an exporter that drops it. */
function startBenchTelemetry(mode: BotTelemetry): Promise<RunningTelemetry | undefined> {
  if (mode === 'off') return Promise.resolve(undefined);
  const { startTelemetry } = botModule<typeof import('../src/telemetry/start')>('telemetry/start');
  const dropSpans = { export: (_spans: unknown[], done: (result: { code: 0 }) => void) => done({ code: 0 }), shutdown: async () => undefined };
  return startTelemetry({ enabled: true, prometheus: { host: '127.0.0.1', port: 0 } }, mode === 'traces' ? { spanExporter: dropSpans } : {});
}

/** Its own SQLite file, or PostgreSQL in the schema BENCH_PG_SCHEMA when the config names a database (replicas). */
function productFactory(): BotFactory {
  const { createBotApp } = botModule<typeof import('../src/app')>('app');
  const { SqliteStore } = botModule<typeof import('../src/store/sqlite-store')>('store/sqlite-store');
  const { PostgresStore } = botModule<typeof import('../src/store/postgres-store')>('store/postgres-store');
  return async (config, logger) => {
    const { databaseUrl, sqlitePath } = config.storage;
    const store = databaseUrl ? await PostgresStore.open(databaseUrl, { schema: process.env.BENCH_PG_SCHEMA }) : await SqliteStore.open(sqlitePath);
    // The twin's Teams limits are off while turns are measured (they would throttle the synthetic load), so are the replies' here.
    const app = createBotApp(config, store, { inbound: 'botframework', logger, replyRateLimits: { perConversation: [], global: [] } });
    return { server: app.server, product: { app, store } };
  };
}

function echoFactory(): BotFactory {
  const create = echoServerFactory();
  return async (config, logger) => ({ server: create(config, logger).server });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
