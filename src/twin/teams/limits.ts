import type { TwinClock } from '../clock';
import { SlidingWindowLimiter, type RateDecision, type RateWindow } from '../rate-limiter';

const SECOND = 1000;
const HOUR = 3600 * SECOND;

/** Teams' bot limits (reference teams-bot.md §4.1), per bot and thread, and per app and tenant. */
const THREAD_WRITE_WINDOWS: RateWindow[] = [
  { limit: 7, windowMs: SECOND }, { limit: 8, windowMs: 2 * SECOND }, { limit: 60, windowMs: 30 * SECOND },
  { limit: 1800, windowMs: HOUR },
];
const THREAD_READ_WINDOWS: RateWindow[] = [
  { limit: 14, windowMs: SECOND }, { limit: 16, windowMs: 2 * SECOND }, { limit: 120, windowMs: 30 * SECOND },
  { limit: 3600, windowMs: HOUR },
];
const TENANT_WINDOWS: RateWindow[] = [{ limit: 30, windowMs: SECOND }];

/** Which per-thread budget an operation draws on; `other` counts only against the tenant. */
export type OperationKind = 'write' | 'read' | 'other';

export class TeamsRateLimits {
  private readonly threadWrites: SlidingWindowLimiter;
  private readonly threadReads: SlidingWindowLimiter;
  private readonly tenant: SlidingWindowLimiter;

  /** `timeScale` < 1 shrinks every window (e.g. 0.01: "60 per 30 s" becomes 60 per 0.3 s) for benchmarks. */
  constructor(clock: TwinClock, timeScale = 1) {
    const scaled = (windows: RateWindow[]) =>
      windows.map(({ limit, windowMs }) => ({ limit, windowMs: Math.max(1, Math.round(windowMs * timeScale)) }));
    this.threadWrites = new SlidingWindowLimiter(scaled(THREAD_WRITE_WINDOWS), clock);
    this.threadReads = new SlidingWindowLimiter(scaled(THREAD_READ_WINDOWS), clock);
    this.tenant = new SlidingWindowLimiter(scaled(TENANT_WINDOWS), clock);
  }

  get enabled(): boolean {
    return this.tenant.enabled;
  }

  set enabled(on: boolean) {
    for (const limiter of [this.threadWrites, this.threadReads, this.tenant]) limiter.enabled = on;
  }

  reset(): void {
    for (const limiter of [this.threadWrites, this.threadReads, this.tenant]) limiter.reset();
  }

  take(kind: OperationKind, keys: { thread?: string; tenant: string }): RateDecision {
    const threadLimiter = kind === 'write' ? this.threadWrites : kind === 'read' ? this.threadReads : undefined;
    if (threadLimiter && keys.thread) {
      const decision = threadLimiter.take(keys.thread);
      if (!decision.allowed) return decision;
    }
    return this.tenant.take(keys.tenant);
  }
}

/** Teams' bot message size limit (reference §4.2): about 100 KB, counted in UTF-16. */
export class MessageSizeLimit {
  enabled = true;
  maxBytes = 100 * 1024;

  /** True when the activity's JSON is over the limit (and the limit is on). */
  exceeds(activity: unknown): boolean {
    return this.enabled && JSON.stringify(activity).length * 2 > this.maxBytes;
  }
}
