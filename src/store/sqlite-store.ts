import { chmodSync, closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { CREATE_SCHEMA_MIGRATIONS_TABLE, SQLITE_MIGRATIONS } from './migrations';
import { AUDIT_COLUMNS, type AuditRow, auditEntryFromRow, auditRowValues, newEtag } from './rows';
import {
  type AuditEntry,
  type ClaimedOutboxItem,
  ConflictError,
  type DocumentWrite,
  type OutboxItem,
  type PutOptions,
  type Store,
  type StoredDocument,
} from './store';

export interface SqliteStoreOptions {
  /** Epoch ms; the process clock by default (one process owns the file, so there is one clock). */
  now?: () => number;
}

interface DocumentRow {
  key: string;
  value: string;
  etag: string;
}

interface OutboxRow {
  id: number;
  key: string;
  conversation_id: string;
  payload: string;
  not_before: number;
  attempts: number;
}

const BUSY_TIMEOUT_MS = 5000;
const LIVE = '(expires_at IS NULL OR expires_at > @now)';

/** The embedded store: one SQLite file (WAL), used by a single bot process. */
export class SqliteStore implements Store {
  private readonly statements = new Map<string, Database.Statement>();

  private constructor(
    private readonly db: Database.Database,
    private readonly now: () => number,
  ) {}

  /** Opens (creating it and its directory on first start) and migrates the file; ':memory:' for a throwaway store. */
  static async open(path: string, options: SqliteStoreOptions = {}): Promise<SqliteStore> {
    if (path !== ':memory:') createPrivately(path);
    const db = new Database(path);
    try {
      db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      migrate(db);
    } catch (error) {
      db.close();
      throw error;
    }
    return new SqliteStore(db, options.now ?? Date.now);
  }

  async get<T>(collection: string, key: string): Promise<StoredDocument<T> | undefined> {
    const row = this
      .statement<unknown[], DocumentRow>(`SELECT key, value, etag FROM documents WHERE collection = @collection AND key = @key AND ${LIVE}`)
      .get({ collection, key, now: this.now() });
    return row && documentFromRow<T>(row);
  }

  async list<T>(collection: string, options: { prefix?: string; limit?: number } = {}): Promise<StoredDocument<T>[]> {
    const rows = this
      .statement<unknown[], DocumentRow>(
        `SELECT key, value, etag FROM documents
         WHERE collection = @collection AND substr(key, 1, length(@prefix)) = @prefix AND ${LIVE}
         ORDER BY key LIMIT @limit`,
      )
      .all({ collection, prefix: options.prefix ?? '', limit: options.limit ?? -1, now: this.now() });
    return rows.map((row) => documentFromRow<T>(row));
  }

  async put<T>(collection: string, key: string, value: T, options: PutOptions = {}): Promise<StoredDocument<T>> {
    return this.write(collection, key, value, options);
  }

  async delete(collection: string, key: string, etag?: string): Promise<boolean> {
    return this.db
      .transaction(() => {
        const params = { collection, key, now: this.now() };
        const stored = this
          .statement<unknown[], { etag: string }>(`SELECT etag FROM documents WHERE collection = @collection AND key = @key AND ${LIVE}`)
          .get(params);
        if (!stored) return false;
        if (etag !== undefined && etag !== stored.etag) throw new ConflictError(collection, key);
        this.statement('DELETE FROM documents WHERE collection = @collection AND key = @key').run(params);
        return true;
      })
      .immediate();
  }

  async appendAudit(entry: AuditEntry): Promise<void> {
    this.statement(`INSERT INTO audit_log (${AUDIT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(auditRowValues(entry));
  }

  async listAudit(filter: { machineId?: string; limit: number }): Promise<AuditEntry[]> {
    const rows = this
      .statement<unknown[], AuditRow>(
        `SELECT ${AUDIT_COLUMNS} FROM audit_log WHERE (@machine_id IS NULL OR machine_id = @machine_id) ORDER BY id DESC LIMIT @limit`,
      )
      .all({ machine_id: filter.machineId ?? null, limit: filter.limit });
    return rows.map(auditEntryFromRow);
  }

  async prune(cutoffs: { auditBefore: Date; sentOutboxBefore: Date }): Promise<{ audit: number; outbox: number }> {
    const audit = this.statement('DELETE FROM audit_log WHERE time < ?').run(cutoffs.auditBefore.toISOString()).changes;
    const outbox = this.statement('DELETE FROM outbox WHERE sent_at IS NOT NULL AND sent_at < ?').run(cutoffs.sentOutboxBefore.getTime()).changes;
    return { audit, outbox };
  }

  async acquireLease(name: string, holder: string, ttlMs: number): Promise<boolean> {
    const now = this.now();
    const { changes } = this
      .statement(
        `INSERT INTO leases (name, holder, expires_at) VALUES (@name, @holder, @expires_at)
         ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
         WHERE leases.holder = excluded.holder OR leases.expires_at <= @now`,
      )
      .run({ name, holder, expires_at: now + ttlMs, now });
    return changes === 1;
  }

  async releaseLease(name: string, holder: string): Promise<void> {
    this.statement('DELETE FROM leases WHERE name = ? AND holder = ?').run(name, holder);
  }

  async enqueue(items: OutboxItem[]): Promise<number> {
    return this.db.transaction(() => this.insertOutbox(items)).immediate();
  }

  async commit(writes: DocumentWrite[], items: OutboxItem[]): Promise<number> {
    return this.db
      .transaction(() => {
        for (const { collection, key, value, options } of writes) this.write(collection, key, value, options);
        return this.insertOutbox(items);
      })
      .immediate();
  }

  async claimOutbox(holder: string, limit: number, leaseMs: number): Promise<ClaimedOutboxItem[]> {
    const now = this.now();
    const rows = this
      .statement<unknown[], OutboxRow>(
        `UPDATE outbox SET claimed_by = @holder, claim_expires_at = @claim_expires_at, attempts = attempts + 1
         WHERE id IN (
           SELECT id FROM outbox
           WHERE sent_at IS NULL AND not_before <= @now AND (claim_expires_at IS NULL OR claim_expires_at <= @now)
           ORDER BY id LIMIT @limit)
         RETURNING id, key, conversation_id, payload, not_before, attempts`,
      )
      .all({ holder, claim_expires_at: now + leaseMs, now, limit });
    return rows.sort((a, b) => a.id - b.id).map(claimedItemFromRow);
  }

  async completeOutbox(id: number, holder: string): Promise<void> {
    this
      .statement('UPDATE outbox SET sent_at = ?, claim_expires_at = NULL WHERE id = ? AND claimed_by = ? AND sent_at IS NULL')
      .run(this.now(), id, holder);
  }

  async retryOutbox(id: number, holder: string, notBefore: number): Promise<void> {
    this
      .statement('UPDATE outbox SET not_before = ?, claimed_by = NULL, claim_expires_at = NULL WHERE id = ? AND claimed_by = ? AND sent_at IS NULL')
      .run(notBefore, id, holder);
  }

  async releaseOutboxClaims(holder: string): Promise<number> {
    return this
      .statement('UPDATE outbox SET claimed_by = NULL, claim_expires_at = NULL WHERE claimed_by = ? AND sent_at IS NULL AND claim_expires_at > ?')
      .run(holder, Date.now()).changes;
  }

  async pendingOutbox(): Promise<number> {
    return this.statement<[], { pending: number }>('SELECT count(*) AS pending FROM outbox WHERE sent_at IS NULL').get()!.pending;
  }

  /** Prepared once per SQL text: preparing is a large share of a small query's cost. */
  private write<T>(collection: string, key: string, value: T, options: PutOptions = {}): StoredDocument<T> {
    const now = this.now();
    const params = {
      collection,
      key,
      value: JSON.stringify(value),
      etag: newEtag(),
      expires_at: options.ttlSeconds === undefined ? null : now + options.ttlSeconds * 1000,
      expected_etag: options.etag ?? null,
      now,
    };
    const insert = 'INSERT INTO documents (collection, key, value, etag, expires_at) VALUES (@collection, @key, @value, @etag, @expires_at)';
    const replace = 'DO UPDATE SET value = excluded.value, etag = excluded.etag, expires_at = excluded.expires_at';
    const sql =
      options.etag === undefined
        ? `${insert} ON CONFLICT (collection, key) ${replace} WHERE documents.expires_at <= @now`
        : options.etag === '*'
          ? `${insert} ON CONFLICT (collection, key) ${replace}`
          : `UPDATE documents SET value = @value, etag = @etag, expires_at = @expires_at
             WHERE collection = @collection AND key = @key AND etag = @expected_etag AND ${LIVE}`;
    const { changes } = this.statement(sql).run(params);
    if (changes === 0) throw new ConflictError(collection, key);
    return { key, value, etag: params.etag };
  }

  private insertOutbox(items: OutboxItem[]): number {
    const insert = this.statement(
      `INSERT INTO outbox (key, conversation_id, payload, not_before) VALUES (?, ?, ?, ?) ON CONFLICT (key) DO NOTHING`,
    );
    return items.reduce((added, item) => added + insert.run(item.key, item.conversationId, JSON.stringify(item.payload), item.notBefore).changes, 0);
  }

  private statement<Params extends unknown[] = unknown[], Row = unknown>(sql: string): Database.Statement<Params, Row> {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement as Database.Statement<Params, Row>;
  }

  async ping(): Promise<void> {
    this.statement('SELECT 1').get();
  }

  async close(): Promise<void> {
    this.db.close();
  }
}

function migrate(db: Database.Database): void {
  db.transaction(() => {
    db.exec(CREATE_SCHEMA_MIGRATIONS_TABLE);
    const applied = new Set(db.prepare<[], { version: number }>('SELECT version FROM schema_migrations').all().map((row) => row.version));
    for (const migration of SQLITE_MIGRATIONS) {
      if (applied.has(migration.version)) continue;
      db.exec(migration.sql);
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(
        migration.version,
        migration.name,
        new Date().toISOString(),
      );
    }
  }).immediate();
}

function documentFromRow<T>(row: DocumentRow): StoredDocument<T> {
  return { key: row.key, value: JSON.parse(row.value) as T, etag: row.etag };
}

function claimedItemFromRow(row: OutboxRow): ClaimedOutboxItem {
  return {
    id: row.id,
    key: row.key,
    conversationId: row.conversation_id,
    payload: JSON.parse(row.payload) as unknown,
    notBefore: row.not_before,
    attempts: row.attempts,
  };
}

/**
 * The file holds the audit log and alert payloads: a folder the bot creates is for its user only
 * (0700), and the file is (0600, tightened if it already exists). SQLite gives its -wal and -shm
 * files the database file's permissions.
 */
function createPrivately(path: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  closeSync(openSync(path, 'a', 0o600));
  chmodSync(path, 0o600);
}
