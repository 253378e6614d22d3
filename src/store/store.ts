/**
 * The bot's storage: one small interface, two implementations (SQLite embedded, PostgreSQL for
 * several replicas). Documents with optimistic concurrency, an append-only audit log, leases, and
 * a durable outbox of deliveries. Tokens are stored only sealed (the users' token cache, see
 * identity/token-cache.ts).
 */

export interface StoredDocument<T> {
  key: string;
  value: T;
  /** Opaque version: changes on every write. */
  etag: string;
}

/** A write lost a race (create of an existing key, or replace with a stale etag). */
export class ConflictError extends Error {
  constructor(readonly collection: string, readonly key: string) {
    super(`conflicting write to ${collection}/${key}`);
  }
}

/**
 * The store cannot be reached (the database is down, restarting or not reachable over the
 * network): nothing was read or written, and trying again later may succeed. Every other error is
 * a bug or a misconfiguration.
 */
export class StoreUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreUnavailableError';
  }
}

export interface PutOptions {
  /**
   * undefined: create only (ConflictError if the key exists); '*': create or replace;
   * an etag: replace only if the stored etag is still this one (else ConflictError).
   */
  etag?: string;
  /**
   * Documents past their lifetime are neither read nor listed (and may be deleted); a create may
   * take their key. Absent: no expiry (also when replacing a document that had one).
   */
  ttlSeconds?: number;
}

/** One document write of a `commit`, with `put`'s options. */
export interface DocumentWrite {
  collection: string;
  key: string;
  value: unknown;
  options?: PutOptions;
}

export interface AuditEntry {
  /** ISO time the entry was written. */
  time: string;
  /** Entra object id and UPN of the person who acted. */
  userOid: string;
  upn: string;
  machineId: string;
  computerDnsName: string;
  /** e.g. 'Isolate', 'Unisolate'. */
  action: string;
  comment: string;
  /** 'requested' | 'refused' | 'failed' | a Defender action status such as 'Succeeded'. */
  result: string;
  /** The Defender machine action id, when Defender created one. */
  defenderActionId: string | null;
  conversationId: string;
}

/** One card to post (or update) in one conversation; unique by `key`. */
export interface OutboxItem {
  /** Deterministic, e.g. `alert/<alertId>/<conversationId>/v<n>`: enqueueing twice is a no-op. */
  key: string;
  conversationId: string;
  /** What to send, opaque to the store (the notifier's own JSON). */
  payload: unknown;
  /** Not to be sent before this time (epoch ms): pacing and Retry-After. */
  notBefore: number;
}

export interface ClaimedOutboxItem extends OutboxItem {
  id: number;
  /** How many times the item has been claimed, this claim included. */
  attempts: number;
}

export interface Store {
  get<T>(collection: string, key: string): Promise<StoredDocument<T> | undefined>;
  /** Documents of a collection, by key order, optionally only keys starting with `prefix`. */
  list<T>(collection: string, options?: { prefix?: string; limit?: number }): Promise<StoredDocument<T>[]>;
  put<T>(collection: string, key: string, value: T, options?: PutOptions): Promise<StoredDocument<T>>;
  /**
   * Deletes (only if the etag matches, when given: ConflictError if it does not); false when there
   * was nothing to delete.
   */
  delete(collection: string, key: string, etag?: string): Promise<boolean>;

  appendAudit(entry: AuditEntry): Promise<void>;
  /** Newest first. */
  listAudit(filter: { machineId?: string; limit: number }): Promise<AuditEntry[]>;

  /**
   * Takes the named lease for `holder` if it is free, expired, or already held by `holder`
   * (which renews it). True when `holder` holds it afterwards. Time is the database's, so replicas
   * with skewed clocks agree.
   */
  acquireLease(name: string, holder: string, ttlMs: number): Promise<boolean>;
  releaseLease(name: string, holder: string): Promise<void>;

  /** Adds items whose key is new; items with a known key (pending or sent) are ignored. Atomic. Returns how many were new. */
  enqueue(items: OutboxItem[]): Promise<number>;
  /**
   * The writes (in order, each as `put` would do it) and `enqueue(items)` in one transaction: when a
   * write conflicts, its ConflictError is thrown and nothing at all was written or enqueued. A
   * concurrent writer of the same documents thus sees all of it or none of it.
   */
  commit(writes: DocumentWrite[], items: OutboxItem[]): Promise<number>;
  /**
   * Claims up to `limit` due items (notBefore <= now) for `holder` for `leaseMs`: no other holder
   * gets them until the claim expires. Oldest first within a conversation.
   */
  claimOutbox(holder: string, limit: number, leaseMs: number): Promise<ClaimedOutboxItem[]>;
  /**
   * Marks a claimed item sent (it is never claimed again; its key stays known). Like retryOutbox, a
   * no-op when `holder` no longer holds the claim (it expired and another holder took the item).
   */
  completeOutbox(id: number, holder: string): Promise<void>;
  /** Gives a claimed item back, not to be sent before `notBefore` (throttling, transient errors). */
  retryOutbox(id: number, holder: string, notBefore: number): Promise<void>;
  /**
   * Gives back every item `holder` still claims, due as before: for a holder that lost the store
   * mid-batch (its claims, even ones it never heard were taken, need not wait out their lease).
   * Returns how many.
   */
  releaseOutboxClaims(holder: string): Promise<number>;
  /** Items not yet sent. */
  pendingOutbox(): Promise<number>;

  /**
   * Retention: deletes audit entries written before `auditBefore` and the payloads of outbox items
   * sent before `sentOutboxBefore` (unsent items are never deleted). Returns how many of each went.
   */
  prune(cutoffs: { auditBefore: Date; sentOutboxBefore: Date }): Promise<{ audit: number; outbox: number }>;

  /** Cheap round trip for readiness checks. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
