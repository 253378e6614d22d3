import type { TwinClock } from './clock';

export interface RateWindow {
  limit: number;
  windowMs: number;
}

export type RateDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/**
 * Sliding-window limits per key, each key under several windows at once (e.g. Teams' 7 per 1 s,
 * 8 per 2 s, 60 per 30 s, 1,800 per hour for one thread). A refused request is not counted, as the
 * real services do not count throttled calls against the quota.
 */
export class SlidingWindowLimiter {
  private readonly hits = new Map<string, number[]>();
  enabled = true;

  constructor(private readonly windows: readonly RateWindow[], private readonly clock: TwinClock) {}

  take(key: string): RateDecision {
    if (!this.enabled) return { allowed: true };
    const now = this.clock.now();
    const longest = Math.max(...this.windows.map((window) => window.windowMs));
    const times = (this.hits.get(key) ?? []).filter((time) => time > now - longest);
    let waitMs = 0;
    for (const { limit, windowMs } of this.windows) {
      const inWindow = times.filter((time) => time > now - windowMs);
      if (inWindow.length >= limit) {
        // The window frees a slot when its oldest counted request leaves it.
        const oldest = inWindow[inWindow.length - limit];
        waitMs = Math.max(waitMs, oldest + windowMs - now);
      }
    }
    if (waitMs > 0) {
      this.hits.set(key, times);
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) };
    }
    times.push(now);
    this.hits.set(key, times);
    return { allowed: true };
  }

  reset(): void {
    this.hits.clear();
  }
}
