import type { TwinClock } from '../clock';
import { type RateDecision, type RateWindow, SlidingWindowLimiter } from '../rate-limiter';

/** 100 calls per minute and 1,500 per hour: the documented limit of every endpoint the twin serves (§6). */
export const DOCUMENTED_WINDOWS: readonly RateWindow[] = [
  { limit: 100, windowMs: 60_000 },
  { limit: 1500, windowMs: 3_600_000 },
];

/**
 * Defender's per-endpoint rate limits, counted per (tenant, app, endpoint) with sliding windows
 * (reference §6, simulator rule). Tests can switch them off or tighten them.
 */
export class DefenderRateLimits {
  enabled = true;
  private defaultLimiter: SlidingWindowLimiter;
  private readonly perEndpoint = new Map<string, SlidingWindowLimiter>();

  constructor(private readonly clock: TwinClock) {
    this.defaultLimiter = new SlidingWindowLimiter(DOCUMENTED_WINDOWS, clock);
  }

  /** Sets the windows of one endpoint, or (no endpoint) of every endpoint without windows of its own. */
  setLimits(windows: readonly RateWindow[], endpoint?: string): void {
    const limiter = new SlidingWindowLimiter(windows, this.clock);
    if (endpoint === undefined) this.defaultLimiter = limiter;
    else this.perEndpoint.set(endpoint, limiter);
  }

  take(caller: { tenantId: string; appId: string }, endpoint: string): RateDecision {
    if (!this.enabled) return { allowed: true };
    const limiter = this.perEndpoint.get(endpoint) ?? this.defaultLimiter;
    return limiter.take(`${caller.tenantId}|${caller.appId}|${endpoint}`);
  }

  /** Forgets every counted call (windows stay as set). */
  reset(): void {
    this.defaultLimiter.reset();
    for (const limiter of this.perEndpoint.values()) limiter.reset();
  }
}
