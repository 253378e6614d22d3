import { ConflictError, type Store, StoreUnavailableError } from '../store/store';

export interface OnceLedgerOptions {
  /**
   * While the store is unavailable, claim keys in this replica's memory instead of failing. Only
   * for work that stays harmless if another replica also did it once (the SSO exchange: the pending
   * command it runs is remembered by the replica that asked for sign-in only), never for response
   * actions.
   */
  rememberLocallyWhenStoreIsDown?: boolean;
}

/**
 * Set-if-absent keys with a lifetime, in the shared store: the first claim of a key wins on any
 * replica, later claims see the value the winner recorded. Runs a confirmed response action once
 * however often its invoke arrives, and one SSO exchange once when several Teams clients send it.
 */
export class OnceLedger<T> {
  /** Keys claimed in memory while the store was unavailable, with their expiry (epoch ms). */
  private readonly local = new Map<string, number>();

  constructor(
    private readonly store: Store,
    private readonly collection: string,
    private readonly ttlSeconds: number,
    private readonly options: OnceLedgerOptions = {},
  ) {}

  /** true when this caller is the first; false when the key was claimed before. */
  async claim(key: string): Promise<boolean> {
    if (this.claimedLocally(key)) return false;
    try {
      await this.store.put<{ value: T | null }>(this.collection, key, { value: null }, { ttlSeconds: this.ttlSeconds });
      return true;
    } catch (error) {
      if (error instanceof ConflictError) return false;
      if (!(error instanceof StoreUnavailableError) || !this.options.rememberLocallyWhenStoreIsDown) throw error;
      this.local.set(key, Date.now() + this.ttlSeconds * 1000);
      return true;
    }
  }

  async record(key: string, value: T): Promise<void> {
    await this.store.put(this.collection, key, { value }, { etag: '*', ttlSeconds: this.ttlSeconds });
  }

  async lookup(key: string): Promise<T | undefined> {
    const document = await this.store.get<{ value: T | null }>(this.collection, key);
    return document?.value.value ?? undefined;
  }

  private claimedLocally(key: string): boolean {
    const now = Date.now();
    for (const [claimed, expiresAt] of this.local) if (expiresAt <= now) this.local.delete(claimed);
    return this.local.has(key);
  }
}
