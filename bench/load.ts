import { performance } from 'node:perf_hooks';

export interface LoadResult {
  turns: number;
  failures: string[];
  elapsedMs: number;
  latenciesMs: number[];
}

/**
 * Concurrent users: each worker runs its turns one after another (a user waits for the answer
 * before the next command), all workers at once. Every turn's latency is kept.
 */
export async function runConcurrently<W, I>(
  workers: readonly { worker: W; items: readonly I[] }[],
  turn: (worker: W, item: I) => Promise<void>,
): Promise<LoadResult> {
  const latenciesMs: number[] = [];
  const failures: string[] = [];
  const startedAt = performance.now();
  await Promise.all(workers.map(async ({ worker, items }) => {
    for (const item of items) {
      const before = performance.now();
      try {
        await turn(worker, item);
        latenciesMs.push(performance.now() - before);
      } catch (error) {
        failures.push(error instanceof Error ? error.message : String(error));
      }
    }
  }));
  return { turns: latenciesMs.length, failures, elapsedMs: performance.now() - startedAt, latenciesMs };
}

/** Waits (polling) until `done` says so; throws with `what` after the timeout. */
export async function waitUntil(done: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000, everyMs = 20): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await done())) {
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
