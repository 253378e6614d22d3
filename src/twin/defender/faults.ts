/**
 * Fault injection for the Defender twin, switched on and off from tests and benchmarks.
 * A fault targets an endpoint ('machines.isolate'), a family of endpoints ('machines') or every
 * endpoint ('*'), for a number of requests or until cleared.
 */
export type Fault =
  /** Wall-clock delay before the request is handled (client timeouts are wall-clock too). */
  | { kind: 'latency'; ms: number }
  /** 429 TooManyRequests with Retry-After, before the request is handled. */
  | { kind: 'throttle'; retryAfterSeconds: number }
  /** 500 InternalServerError or 503, before the request is handled. */
  | { kind: 'serverError'; status: 500 | 503 }
  /** The TCP connection is destroyed without an answer, before the request is handled. */
  | { kind: 'resetConnection' }
  /** The request IS handled (side effects happen), then its JSON body is cut in half. */
  | { kind: 'malformedJson' }
  /** The request IS handled, then answered with its status but an empty body. */
  | { kind: 'emptyBody' }
  /**
   * The request IS handled; its `@odata.nextLink` (if any) comes without the query's `$filter`, as
   * users report of real next links (microsoft-365-docs issue #8316): followed, it pages through
   * everything, unfiltered.
   */
  | { kind: 'nextLinkWithoutFilter' };

export type Disruption = Exclude<Fault, { kind: 'latency' }>;

interface ArmedFault<F> {
  target: string;
  fault: F;
  remaining: number;
}

/** Generic over the fault kinds a twin supports (the Entra and Teams twins reuse it with their own). */
export class FaultInjector<F extends { kind: string } = Fault> {
  private armed: ArmedFault<F>[] = [];

  /** Arms `fault` for the next `times` requests to `target` (default: until cleared). */
  inject(target: string, fault: F, times = Number.POSITIVE_INFINITY): void {
    this.armed.push({ target, fault, remaining: times });
  }

  /** Disarms the faults armed for exactly `target`, or every fault. */
  clear(target?: string): void {
    this.armed = target === undefined ? [] : this.armed.filter((armed) => armed.target !== target);
  }

  /** Consumes what applies to one request: all matching latency, and the first matching disruption. */
  take(endpoint: string): { latencyMs: number; disruption?: Exclude<F, { kind: 'latency' }> } {
    let latencyMs = 0;
    let disruption: Exclude<F, { kind: 'latency' }> | undefined;
    for (const armed of this.armed) {
      if (!matches(armed.target, endpoint)) continue;
      if (isLatency(armed.fault)) {
        latencyMs += armed.fault.ms;
        armed.remaining -= 1;
      } else if (!disruption) {
        disruption = armed.fault as Exclude<F, { kind: 'latency' }>;
        armed.remaining -= 1;
      }
    }
    this.armed = this.armed.filter((armed) => armed.remaining > 0);
    return { latencyMs, disruption };
  }
}

function isLatency(fault: { kind: string }): fault is { kind: 'latency'; ms: number } {
  return fault.kind === 'latency';
}

function matches(target: string, endpoint: string): boolean {
  return target === '*' || target === endpoint || endpoint.startsWith(`${target}.`);
}
