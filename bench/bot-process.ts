/**
 * A bot in its own process, so that its CPU time is its own: the product bot (createBotApp, inbound
 * auth on) or the echo baseline, configured by the parent through BENCH_BOT_KIND and BENCH_BOT_CONFIG;
 * both log (JSON, the configured level) to the file BENCH_BOT_LOG.
 * Run with `node --expose-gc --import tsx bench/bot-process.ts` and an IPC channel.
 */
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import pino from 'pino';
import type restify from 'restify';
import { createBotApp, type BotApp } from '../src/app';
import type { BotConfig } from '../src/config';
import { createLogger } from '../src/logging';
import { SqliteStore } from '../src/store/sqlite-store';
import type { Store } from '../src/store/store';
import { type RunningTelemetry, startTelemetry } from '../src/telemetry/start';
import { createEchoServer } from './echo-bot';
import type { BotKind, BotMessage, BotRequest, BotTelemetry, CpuTime, MemoryFigures } from './ipc';

const loadedMs = performance.now();

function send(message: BotMessage): void {
  process.send?.(message);
}

async function main(): Promise<void> {
  const kind = process.env.BENCH_BOT_KIND as BotKind;
  const parsed = JSON.parse(process.env.BENCH_BOT_CONFIG ?? '') as Omit<BotConfig, 'tokenCacheKey'> & { tokenCacheKey: { data: number[] } };
  // JSON carries the key as Buffer's { type: 'Buffer', data } shape.
  const config: BotConfig = { ...parsed, tokenCacheKey: Buffer.from(parsed.tokenCacheKey.data) };
  const logger = createLogger(config.logLevel, pino.destination({ dest: process.env.BENCH_BOT_LOG ?? '/dev/null', sync: false }));
  let server: restify.Server;
  let product: { app: BotApp; store: Store } | undefined;
  const telemetry = await startBenchTelemetry((process.env.BENCH_BOT_TELEMETRY ?? 'off') as BotTelemetry);
  if (kind === 'product') {
    const store = await SqliteStore.open(config.storage.sqlitePath);
    // The twin's Teams limits are off while turns are measured (they would throttle the synthetic load), so are the replies' here.
    const app = createBotApp(config, store, { inbound: 'botframework', logger, replyRateLimits: { perConversation: [], global: [] } });
    product = { app, store };
    server = app.server;
  } else {
    server = createEchoServer(config, logger).server;
  }

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

/** Telemetry as production runs it (Prometheus on loopback); with `traces`, every span also goes to an exporter that drops it. */
function startBenchTelemetry(mode: BotTelemetry): Promise<RunningTelemetry | undefined> {
  if (mode === 'off') return Promise.resolve(undefined);
  const dropSpans = { export: (_spans: unknown[], done: (result: { code: 0 }) => void) => done({ code: 0 }), shutdown: async () => undefined };
  return startTelemetry({ enabled: true, prometheus: { host: '127.0.0.1', port: 0 } }, mode === 'traces' ? { spanExporter: dropSpans } : {});
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
