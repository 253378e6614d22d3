import type { AccessTokenSource } from '../defender/client';
import type { Store } from '../store/store';
import { Lease } from './lease';
import type { SubscriptionScopes } from './subscription-scope';

export const SCOPE_RECHECK_LEASE = 'notifier-scope-recheck';
const STATE = 'notify-state';
const LAST_RUN = 'scope-recheck';
const DAY_MS = 24 * 60 * 60 * 1000;
/** How often a replica asks whether the daily check is due (the store remembers when it last ran). */
const WAKE_MS = 60 * 60 * 1000;
const LEASE_TTL_MS = 10 * 60 * 1000;

/**
 * Once a day, on one replica (a lease), every subscription's scope is checked with the app's own
 * read-only view (SubscriptionScopes.recheckWithAppView). When it last ran is in the store, so a
 * restart neither skips nor repeats it.
 */
export class DailyScopeRecheck {
  private readonly lease: Lease;
  private timer: NodeJS.Timeout | undefined;
  private cycle: Promise<void> | undefined;

  constructor(private readonly deps: {
    store: Store; scopes: SubscriptionScopes; appToken: AccessTokenSource; replicaId: string; log: (line: string) => void;
    now?: () => number;
  }) {
    this.lease = new Lease(deps.store, SCOPE_RECHECK_LEASE, deps.replicaId, LEASE_TTL_MS, deps.now);
  }

  start(): void {
    if (this.timer) return;
    const tick = () => {
      this.cycle = this.runIfDue()
        .then(() => undefined, (error: unknown) => this.deps.log(`subscriptions: the daily device-group check failed: ${error instanceof Error ? error.message : String(error)}`))
        .finally(() => { this.cycle = undefined; });
    };
    this.timer = setInterval(tick, WAKE_MS);
    this.timer.unref();
    tick();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.cycle;
  }

  /** Runs the check when a day has passed since it last ran anywhere; returns how many subscriptions changed, or undefined when not due. */
  async runIfDue(): Promise<number | undefined> {
    const now = (this.deps.now ?? Date.now)();
    const last = await this.deps.store.get<{ at: number }>(STATE, LAST_RUN);
    if (last && now - last.value.at < DAY_MS) return undefined;
    return this.run();
  }

  /** The check now, if this replica holds (or can take) the lease; undefined otherwise. */
  async run(): Promise<number | undefined> {
    if (!(await this.lease.hold())) return undefined;
    const changed = await this.deps.scopes.recheckWithAppView(this.deps.appToken);
    await this.deps.store.put(STATE, LAST_RUN, { at: (this.deps.now ?? Date.now)() }, { etag: '*' });
    if (changed > 0) this.deps.log(`subscriptions: the daily device-group check changed ${changed} subscription(s)`);
    return changed;
  }
}
