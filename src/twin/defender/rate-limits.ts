import type { TwinClock } from '../clock';
import { type RateDecision, type RateWindow, SlidingWindowLimiter } from '../rate-limiter';

/** 100 calls per minute and 1,500 per hour: the documented limit of every endpoint the twin serves (§6). */
export const DOCUMENTED_WINDOWS: readonly RateWindow[] = [
  { limit: 100, windowMs: 60_000 },
  { limit: 1500, windowMs: 3_600_000 },
];

export const PACKAGE_URI_ENDPOINT = 'machineActions.packageUri';

/** Endpoints documented with limits of their own: getPackageUri allows 2 calls a minute and 120 an hour (get-package-sas-uri.md). */
const DOCUMENTED_ENDPOINT_WINDOWS: Record<string, readonly RateWindow[]> = {
  [PACKAGE_URI_ENDPOINT]: [{ limit: 2, windowMs: 60_000 }, { limit: 120, windowMs: 3_600_000 }],
};

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
    for (const [endpoint, windows] of Object.entries(DOCUMENTED_ENDPOINT_WINDOWS)) this.setLimits(windows, endpoint);
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
