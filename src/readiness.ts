import { withDeadline } from './deadline';
import { StoreUnavailableError } from './store/store';

export interface ReadinessCheck {
  ok: boolean;
  /** Short and fixed: never an upstream message (AADSTS text carries app, trace and correlation ids). */
  status: 'ok' | 'failing' | 'timeout';
}

export interface ReadinessReport {
  ready: boolean;
  checks: Record<string, ReadinessCheck>;
}

const CHECK_TIMEOUT_MS = 3000;
/** /readyz is unauthenticated: however often it is called, each dependency is asked at most this often. */
export const READINESS_CACHE_MS = 10_000;

/** Runs one check within a deadline; what went wrong goes to `log` (the bot's scrubbing logger), not to the caller. */
export async function check(name: string, probe: () => Promise<void>, log: (line: string) => void): Promise<ReadinessCheck> {
  const timeout = `no answer within ${CHECK_TIMEOUT_MS} ms`;
  try {
    await withDeadline(probe(), CHECK_TIMEOUT_MS, timeout);
    return { ok: true, status: 'ok' };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    // A storage outage is logged once where it is noticed, not on every probe.
    if (!(error instanceof StoreUnavailableError)) log(`readiness: ${name} failed: ${message}`);
    return { ok: false, status: message === timeout ? 'timeout' : 'failing' };
  }
}

/** The report of the last `ttlMs` (callers arriving meanwhile share one run in flight). */
export function cachedFor(ttlMs: number, run: () => Promise<ReadinessReport>, now: () => number = Date.now): () => Promise<ReadinessReport> {
  let last: { at: number; report: Promise<ReadinessReport> } | undefined;
  return () => {
    if (!last || now() - last.at >= ttlMs) {
      const report = run();
      last = { at: now(), report };
      report.catch(() => { last = undefined; });
    }
    return last.report;
  };
}
