import type { AuditEntry, ClaimedOutboxItem, DocumentWrite, OutboxItem, PutOptions, Store, StoredDocument } from './store';
import { StoreUnavailableError } from './store';

/**
 * A Store that is not there yet: every operation fails with StoreUnavailableError (saying why)
 * until the real store is attached, then it passes everything through.
 */
export class WaitingStore implements Store {
  private target: Store | undefined;
  private closed = false;
  private wake: (() => void) | undefined;

  constructor(private reason: string) {}

  /** The store is open; false (and nothing attached) when this one was closed meanwhile. */
  attach(store: Store): boolean {
    if (this.closed) return false;
    this.target = store;
    return true;
  }

  waiting(reason: string): void {
    this.reason = reason;
  }

  /** Waits before the next attempt; false when closed meanwhile. */
  sleep(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(!this.closed), ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve(false);
      };
    });
  }

  get<T>(collection: string, key: string): Promise<StoredDocument<T> | undefined> {
    return this.use((store) => store.get<T>(collection, key));
  }

  list<T>(collection: string, options?: { prefix?: string; limit?: number }): Promise<StoredDocument<T>[]> {
    return this.use((store) => store.list<T>(collection, options));
  }

  put<T>(collection: string, key: string, value: T, options?: PutOptions): Promise<StoredDocument<T>> {
    return this.use((store) => store.put(collection, key, value, options));
  }

  delete(collection: string, key: string, etag?: string): Promise<boolean> {
    return this.use((store) => store.delete(collection, key, etag));
  }

  appendAudit(entry: AuditEntry): Promise<void> {
    return this.use((store) => store.appendAudit(entry));
  }

  listAudit(filter: { machineId?: string; limit: number }): Promise<AuditEntry[]> {
    return this.use((store) => store.listAudit(filter));
  }

  acquireLease(name: string, holder: string, ttlMs: number): Promise<boolean> {
    return this.use((store) => store.acquireLease(name, holder, ttlMs));
  }

  releaseLease(name: string, holder: string): Promise<void> {
    return this.use((store) => store.releaseLease(name, holder));
  }

  enqueue(items: OutboxItem[]): Promise<number> {
    return this.use((store) => store.enqueue(items));
  }

  commit(writes: DocumentWrite[], items: OutboxItem[]): Promise<number> {
    return this.use((store) => store.commit(writes, items));
  }

  claimOutbox(holder: string, limit: number, leaseMs: number): Promise<ClaimedOutboxItem[]> {
    return this.use((store) => store.claimOutbox(holder, limit, leaseMs));
  }

  completeOutbox(id: number, holder: string): Promise<void> {
    return this.use((store) => store.completeOutbox(id, holder));
  }

  retryOutbox(id: number, holder: string, notBefore: number): Promise<void> {
    return this.use((store) => store.retryOutbox(id, holder, notBefore));
  }

  releaseOutboxClaims(holder: string): Promise<number> {
    return this.use((store) => store.releaseOutboxClaims(holder));
  }

  pendingOutbox(): Promise<number> {
    return this.use((store) => store.pendingOutbox());
  }

  prune(cutoffs: { auditBefore: Date; sentOutboxBefore: Date }): Promise<{ audit: number; outbox: number }> {
    return this.use((store) => store.prune(cutoffs));
  }

  ping(): Promise<void> {
    return this.use((store) => store.ping());
  }

  async close(): Promise<void> {
    this.closed = true;
    this.wake?.();
    await this.target?.close();
  }

  private async use<T>(operation: (store: Store) => Promise<T>): Promise<T> {
    if (!this.target) throw new StoreUnavailableError(this.reason);
    return operation(this.target);
  }
}
