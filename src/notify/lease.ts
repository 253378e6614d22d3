import type { Store } from '../store/store';
import { leaseHeld } from '../telemetry';

/**
 * A named lease in the store (the database's clock decides expiry), held by one replica at a time.
 * `hold()` takes or renews it; it renews at most every third of its lifetime, so callers may ask
 * before every step of long work without a database round trip each time.
 */
export class Lease {
  private renewedAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly store: Store,
    readonly name: string,
    readonly holder: string,
    readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  async hold(): Promise<boolean> {
    if (this.now() - this.renewedAt < this.ttlMs / 3) return true;
    const askedAt = this.now();
    const held = await this.store.acquireLease(this.name, this.holder, this.ttlMs);
    this.renewedAt = held ? askedAt : Number.NEGATIVE_INFINITY;
    leaseHeld(this.name, held);
    return held;
  }

  async release(): Promise<void> {
    this.renewedAt = Number.NEGATIVE_INFINITY;
    leaseHeld(this.name, false);
    await this.store.releaseLease(this.name, this.holder);
  }
}
