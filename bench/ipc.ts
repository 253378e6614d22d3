/** The messages between the benchmark (parent) and a bot process it started (child). */

export type BotKind = 'product' | 'echo';

/** Telemetry in a product bot process: none, metrics (Prometheus), or metrics and traces (every span exported). */
export type BotTelemetry = 'off' | 'metrics' | 'traces';

/** What the parent may ask a bot process; `poll` and `startSender` only the product bot. */
export type BotRequestOp = 'cpu' | 'memory' | 'poll' | 'startSender' | 'pendingOutbox' | 'subscriptions';

export interface BotRequest {
  id: number;
  op: BotRequestOp;
}

export type BotMessage =
  /** Listening; `loadedMs`: the process's age when its modules were loaded, `readyMs`: when it listened. */
  | { kind: 'ready'; port: number; loadedMs: number; readyMs: number; metricsUrl?: string }
  | { kind: 'reply'; id: number; value?: unknown; error?: string };

export interface CpuTime {
  userMicros: number;
  systemMicros: number;
}

export interface MemoryFigures {
  rssBytes: number;
  heapUsedBytes: number;
}
