/**
 * A bot in its own process, so that its CPU time is its own: the product bot (product-process.ts:
 * createBotApp, inbound auth on) or the echo baseline (echo-process.ts), configured by the parent
 * through BENCH_BOT_CONFIG; both log (JSON, the configured level) to the file BENCH_BOT_LOG. Each
 * entry is bundled as production bundles the bot (scripts/bundle.ts) and run by `node --expose-gc`
 * (the product through its launcher, `.bench-build/index.js`) with an IPC channel (see spawn-bot.ts).
 */
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import pino from 'pino';
import type restify from 'restify';
import type { BotApp } from '../src/app';
import type { BotConfig } from '../src/config';
import { createLogger, type Logger } from '../src/logging';
import type { Store } from '../src/store/store';
import { type RunningTelemetry, startTelemetry } from '../src/telemetry/start';
import type { BotKind, BotMessage, BotRequest, BotTelemetry, CpuTime, MemoryFigures } from './ipc';

function send(message: BotMessage): void {
  process.send?.(message);
}

/** Runs the bot that `build` makes until the parent disconnects; `kind` names it in errors. */
export function runBotProcess(kind: BotKind, build: BotFactory): void {
  serve(kind, build).catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}

async function serve(kind: BotKind, build: BotFactory): Promise<void> {
  const parsed = JSON.parse(process.env.BENCH_BOT_CONFIG ?? '') as Omit<BotConfig, 'tokenCacheKey'> & { tokenCacheKey: { data: number[] } };
  // JSON carries the key as Buffer's { type: 'Buffer', data } shape.
  const config: BotConfig = { ...parsed, tokenCacheKey: Buffer.from(parsed.tokenCacheKey.data) };
  // Each kind's bundle holds only its own modules, so the echo baseline's start-up and memory are its own.
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

export interface BuiltBot {
  server: restify.Server;
  product?: { app: BotApp; store: Store };
}

export type BotFactory = (config: BotConfig, logger: Logger) => Promise<BuiltBot>;

/**
 * Telemetry as production runs it (Prometheus on loopback); with `traces`, every span also goes to
 * an exporter that drops it, in batches as production's Azure Monitor exporter gets them.
 */
function startBenchTelemetry(mode: BotTelemetry): Promise<RunningTelemetry | undefined> {
  if (mode === 'off') return Promise.resolve(undefined);
  const dropSpans = { export: (_spans: unknown[], done: (result: { code: 0 }) => void) => done({ code: 0 }), shutdown: async () => undefined };
  return startTelemetry({ enabled: true, prometheus: { host: '127.0.0.1', port: 0 } }, mode === 'traces' ? { spanExporter: dropSpans, batchSpans: true } : {});
}
