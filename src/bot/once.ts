import { ConflictError, type Store } from '../store/store';

/**
 * Set-if-absent keys with a lifetime, in the shared store: the first claim of a key wins on any
 * replica, later claims see the value the winner recorded. Runs a confirmed response action once
 * however often its invoke arrives, and one SSO exchange once when several Teams clients send it.
 */
export class OnceLedger<T> {
  constructor(private readonly store: Store, private readonly collection: string, private readonly ttlSeconds: number) {}

  /** true when this caller is the first; false when the key was claimed before. */
  async claim(key: string): Promise<boolean> {
    try {
      await this.store.put<{ value: T | null }>(this.collection, key, { value: null }, { ttlSeconds: this.ttlSeconds });
      return true;
    } catch (error) {
      if (error instanceof ConflictError) return false;
      throw error;
    }
  }

  async record(key: string, value: T): Promise<void> {
    await this.store.put(this.collection, key, { value }, { etag: '*', ttlSeconds: this.ttlSeconds });
  }

  async lookup(key: string): Promise<T | undefined> {
    const document = await this.store.get<{ value: T | null }>(this.collection, key);
    return document?.value.value ?? undefined;
  }
}
