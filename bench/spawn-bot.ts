import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { BotConfig } from '../src/config';
import { bundleLaunched } from '../scripts/bundle';
import type { BotKind, BotMessage, BotRequestOp, BotTelemetry, CpuTime, MemoryFigures } from './ipc';

const ROOT = path.resolve(__dirname, '..');
/**
 * The bot processes, bundled as `npm run build` bundles the bot (scripts/bundle.ts): the product's
 * run by its launcher with its code cache (made for these flags), the echo bot's as a plain bundle.
 */
const BUILD = path.join(ROOT, '.bench-build');
const STARTED: Record<BotKind, string> = { product: 'index.js', echo: 'echo-process.js' };
const NODE_FLAGS = ['--expose-gc', '--no-deprecation'];
const READY_TIMEOUT_MS = 60_000;
const WARN = 40;

let bundled: Promise<void> | undefined;

/** Bundles both bot processes once per benchmark run. */
function bundleOnce(): Promise<void> {
  bundled ??= bundleLaunched('bench/product-process.ts', BUILD, { 'echo-process': 'bench/echo-process.ts' }, NODE_FLAGS);
  return bundled;
}

/** Start-up of a bot process as the parent saw it. */
export interface StartupFigures {
  /** From spawning the process to the bot listening. */
  spawnToReadyMs: number;
  /** The process's age when its modules (the compiled bot, botbuilder, msal) were loaded. */
  moduleLoadMs: number;
  /** From modules loaded to listening: building the app and opening the store. */
  compositionMs: number;
}

/** The parent's handle on a bot running in a child process. */
export class BotProcess {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();

  private constructor(
    readonly kind: BotKind,
    private readonly child: ChildProcess,
    readonly endpoint: string,
    readonly startup: StartupFigures,
    /** The bot's JSON log. */
    readonly logFile: string,
    /** Its Prometheus endpoint, when it runs with telemetry. */
    readonly metricsUrl?: string,
  ) {
    child.on('message', (message: BotMessage) => this.receive(message));
  }

  /** Starts the bot and resolves once it listens on loopback. */
  static async start(kind: BotKind, config: BotConfig, telemetry: BotTelemetry = 'off', env: Record<string, string> = {}): Promise<BotProcess> {
    await bundleOnce();
    const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-bot-'));
    const logFile = path.join(directory, `${kind}.log`);
    // A file of its own, as production's default store: an in-memory database would count the data in the bot's RSS.
    const ownStore: BotConfig = { ...config, storage: { ...config.storage, sqlitePath: path.join(directory, 'chatops.db') } };
    const spawnedAt = performance.now();
    // BENCH_CPU_PROF_DIR: a V8 CPU profile of each bot process's life, for finding where its time goes.
    const profile = process.env.BENCH_CPU_PROF_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF_DIR}`] : [];
    const child = spawn(process.execPath, [...NODE_FLAGS, ...profile, path.join(BUILD, STARTED[kind])], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      env: {
        ...process.env, BENCH_BOT_CONFIG: JSON.stringify(ownStore), BENCH_BOT_LOG: logFile,
        BENCH_BOT_TELEMETRY: telemetry, ...env,
      },
    });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => fail(new Error(`the ${kind} bot did not start within ${READY_TIMEOUT_MS} ms`)), READY_TIMEOUT_MS);
      const fail = (error: Error) => {
        clearTimeout(timer);
        child.kill();
        reject(error);
      };
      child.once('exit', (code) => fail(new Error(`the ${kind} bot exited with code ${code} before it was ready`)));
      child.on('message', function onReady(message: BotMessage) {
        if (message.kind !== 'ready') return;
        clearTimeout(timer);
        child.off('message', onReady);
        child.removeAllListeners('exit');
        resolve(new BotProcess(kind, child, `http://127.0.0.1:${message.port}/api/messages`, {
          spawnToReadyMs: performance.now() - spawnedAt,
          moduleLoadMs: message.loadedMs,
          compositionMs: message.readyMs - message.loadedMs,
        }, logFile, message.metricsUrl));
      });
    });
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** The warnings and errors the bot logged so far (their messages). */
  warnings(): string[] {
    if (!fs.existsSync(this.logFile)) return [];
    return fs.readFileSync(this.logFile, 'utf8').split('\n').filter(Boolean)
      .map((line) => JSON.parse(line) as { level: number; msg?: string; err?: { message?: string } })
      .filter((entry) => entry.level >= WARN)
      .map((entry) => [entry.msg, entry.err?.message].filter(Boolean).join(': '));
  }

  /** CPU time the bot process has used so far (user + system), in milliseconds. */
  async cpuMs(): Promise<number> {
    return (await this.cpuSplitMs()).totalMs;
  }

  /** CPU time used so far, in milliseconds: in all, and of that in the kernel (system time). */
  async cpuSplitMs(): Promise<{ totalMs: number; systemMs: number }> {
    const cpu = await this.request<CpuTime>('cpu');
    return { totalMs: (cpu.userMicros + cpu.systemMicros) / 1000, systemMs: cpu.systemMicros / 1000 };
  }

  /** Resident memory after a full garbage collection. */
  memory(): Promise<MemoryFigures> {
    return this.request<MemoryFigures>('memory');
  }

  request<T>(op: BotRequestOp): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.child.send({ id, op });
    });
  }

  /** Lets the bot shut down (closing its IPC channel), waits for it to exit and removes its log. */
  async stop(): Promise<void> {
    if (this.child.exitCode === null) {
      const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
      this.child.disconnect();
      const timer = setTimeout(() => this.child.kill(), 5_000);
      await exited;
      clearTimeout(timer);
    }
    if (process.env.BENCH_KEEP_LOGS) fs.copyFileSync(this.logFile, path.join(process.env.BENCH_KEEP_LOGS, `${this.kind}-${this.pid}.log`));
    fs.rmSync(path.dirname(this.logFile), { recursive: true, force: true });
  }

  private receive(message: BotMessage): void {
    if (message.kind !== 'reply') return;
    const waiting = this.pending.get(message.id);
    this.pending.delete(message.id);
    if (message.error !== undefined) waiting?.reject(new Error(message.error));
    else waiting?.resolve(message.value);
  }
}
