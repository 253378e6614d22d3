import { Pool, type PoolClient, type QueryResult, type QueryResultRow, escapeIdentifier } from 'pg';
import { CREATE_SCHEMA_MIGRATIONS_TABLE, POSTGRES_MIGRATIONS } from './migrations';
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
  StoreUnavailableError,
} from './store';
import { isConnectionFailure, StoreHealth } from './store-health';

export interface PostgresStoreOptions {
  /** Schema holding the tables (created if missing); the connection's default (public) otherwise. */
  schema?: string;
  /** Where the one line on losing the database and the one on getting it back go; default console.warn. */
  log?: (line: string) => void;
}

interface DocumentRow {
  key: string;
  value: unknown;
  etag: string;
}

interface OutboxRow {
  id: string;
  key: string;
  conversation_id: string;
  payload: unknown;
  not_before: number;
  attempts: number;
}

/** Runs one statement: on the pool, or on the connection of a transaction. */
type Query = <R extends QueryResultRow>(text: string, values?: unknown[]) => Promise<QueryResult<R>>;

/** A connection attempt and a statement each give up after this: a command's answer must fit Teams' ~15 s. */
const CONNECT_TIMEOUT_MS = 5_000;
const QUERY_TIMEOUT_MS = 5_000;
const LIVE = '(expires_at IS NULL OR expires_at > now())';
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * The scale-out store: several bot replicas share one PostgreSQL database. Every write that must
 * not race is one statement, or one transaction (`commit`); all times come from the server's clock (now()).
 */
export class PostgresStore implements Store {
  private closed = false;

  private constructor(private readonly pool: Pool, private readonly target: string, private readonly health: StoreHealth) {}

  /**
   * Connects and migrates. Fails with the server's host, port and database named (never the
   * password): StoreUnavailableError when the server cannot be reached (worth trying again), a plain
   * Error when it refuses (wrong password, no such database).
   */
  static async open(databaseUrl: string, options: PostgresStoreOptions = {}): Promise<PostgresStore> {
    const { schema } = options;
    if (schema !== undefined && !SCHEMA_NAME.test(schema)) {
      throw new Error(`PostgreSQL schema name "${schema}" must be lower-case letters, digits and underscores`);
    }
    const pool = new Pool({
      connectionString: databaseUrl,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      query_timeout: QUERY_TIMEOUT_MS,
      ...(schema && { options: `-c search_path=${schema}` }),
    });
    // A pooled connection that breaks while idle is discarded by the pool; the next query opens a
    // fresh one (or fails visibly). Without a listener the event would crash the process.
    pool.on('error', () => {});
    try {
      const client = await connect(pool, databaseUrl);
      try {
        await migrate(client, schema);
      } finally {
        client.release();
      }
    } catch (error) {
      await pool.end();
      if (isConnectionFailure(error) && !(error instanceof StoreUnavailableError)) {
        throw new StoreUnavailableError(`PostgreSQL ${describeTarget(databaseUrl)} went away while migrating: ${reasonOf(error)}`, { cause: error });
      }
      throw error;
    }
    const target = `PostgreSQL ${describeTarget(databaseUrl)}`;
    return new PostgresStore(pool, target, new StoreHealth(target, options.log ?? console.warn));
  }

  /** One statement; a lost or refused connection becomes StoreUnavailableError (and the outage one log line). */
  private readonly query: Query = (text, values) => this.answered(() => this.pool.query(text, values));

  /** `work` inside BEGIN … COMMIT on one connection (ROLLBACK when it throws). */
  private async transaction<T>(work: (query: Query) => Promise<T>): Promise<T> {
    const client = await this.answered(() => this.pool.connect());
    const query: Query = (text, values) => this.answered(() => client.query(text, values));
    let broken: unknown;
    try {
      await query('BEGIN');
      const result = await work(query);
      await query('COMMIT');
      return result;
    } catch (error) {
      broken = error instanceof StoreUnavailableError ? error : undefined;
      if (!broken) await query('ROLLBACK').catch((rollback: unknown) => { broken = rollback; });
      throw error;
    } finally {
      // A connection that failed mid-transaction is not given back to the pool.
      client.release(broken instanceof Error ? broken : undefined);
    }
  }

  private async answered<R>(operation: () => Promise<R>): Promise<R> {
    let result: R;
    try {
      result = await operation();
    } catch (error) {
      if (!isConnectionFailure(error)) throw error;
      this.health.failed(reasonOf(error));
      throw new StoreUnavailableError(`${this.target} is unavailable: ${reasonOf(error)}`, { cause: error });
    }
    this.health.answered();
    return result;
  }

  async get<T>(collection: string, key: string): Promise<StoredDocument<T> | undefined> {
    const { rows } = await this.query<DocumentRow>(
      `SELECT key, value, etag FROM documents WHERE collection = $1 AND key = $2 AND ${LIVE}`,
      [collection, key],
    );
    return rows[0] && documentFromRow<T>(rows[0]);
  }

  async list<T>(collection: string, options: { prefix?: string; limit?: number } = {}): Promise<StoredDocument<T>[]> {
    const { rows } = await this.query<DocumentRow>(
      `SELECT key, value, etag FROM documents
       WHERE collection = $1 AND starts_with(key, $2) AND ${LIVE}
       ORDER BY key LIMIT $3`,
      [collection, options.prefix ?? '', options.limit ?? null],
    );
    return rows.map((row) => documentFromRow<T>(row));
  }

  async put<T>(collection: string, key: string, value: T, options: PutOptions = {}): Promise<StoredDocument<T>> {
    return putDocument(this.query, collection, key, value, options);
  }

  async delete(collection: string, key: string, etag?: string): Promise<boolean> {
    const { rows } = await this.query<{ found: number; deleted: number }>(
      `WITH target AS (
         SELECT etag FROM documents WHERE collection = $1 AND key = $2 AND ${LIVE} FOR UPDATE),
       deleted AS (
         DELETE FROM documents USING target
         WHERE documents.collection = $1 AND documents.key = $2 AND ($3::text IS NULL OR target.etag = $3)
         RETURNING 1)
       SELECT (SELECT count(*) FROM target)::int AS found, (SELECT count(*) FROM deleted)::int AS deleted`,
      [collection, key, etag ?? null],
    );
    const { found, deleted } = rows[0]!;
    if (found > 0 && deleted === 0) throw new ConflictError(collection, key);
    return deleted > 0;
  }

  async appendAudit(entry: AuditEntry): Promise<void> {
    await this.query(`INSERT INTO audit_log (${AUDIT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`, auditRowValues(entry));
  }

  async listAudit(filter: { machineId?: string; limit: number }): Promise<AuditEntry[]> {
    const { rows } = await this.query<AuditRow>(
      `SELECT ${AUDIT_COLUMNS} FROM audit_log WHERE ($1::text IS NULL OR machine_id = $1) ORDER BY id DESC LIMIT $2`,
      [filter.machineId ?? null, filter.limit],
    );
    return rows.map(auditEntryFromRow);
  }

  async prune(cutoffs: { auditBefore: Date; sentOutboxBefore: Date }): Promise<{ audit: number; outbox: number }> {
    const audit = await this.pool.query('DELETE FROM audit_log WHERE time < $1', [cutoffs.auditBefore.toISOString()]);
    const outbox = await this.pool.query('DELETE FROM outbox WHERE sent_at IS NOT NULL AND sent_at < $1', [cutoffs.sentOutboxBefore]);
    return { audit: audit.rowCount ?? 0, outbox: outbox.rowCount ?? 0 };
  }

  async acquireLease(name: string, holder: string, ttlMs: number): Promise<boolean> {
    const { rowCount } = await this.query(
      `INSERT INTO leases (name, holder, expires_at) VALUES ($1, $2, now() + $3::float8 * interval '1 millisecond')
       ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
       WHERE leases.holder = excluded.holder OR leases.expires_at <= now()`,
      [name, holder, ttlMs],
    );
    return rowCount === 1;
  }

  async releaseLease(name: string, holder: string): Promise<void> {
    await this.query('DELETE FROM leases WHERE name = $1 AND holder = $2', [name, holder]);
  }

  async enqueue(items: OutboxItem[]): Promise<number> {
    return insertOutbox(this.query, items);
  }

  async commit(writes: DocumentWrite[], items: OutboxItem[]): Promise<number> {
    return this.transaction(async (query) => {
      for (const { collection, key, value, options } of writes) await putDocument(query, collection, key, value, options);
      return insertOutbox(query, items);
    });
  }

  async claimOutbox(holder: string, limit: number, leaseMs: number): Promise<ClaimedOutboxItem[]> {
    const { rows } = await this.query<OutboxRow>(
      `WITH due AS (
         SELECT id FROM outbox
         WHERE sent_at IS NULL AND not_before <= now() AND (claim_expires_at IS NULL OR claim_expires_at <= now())
         ORDER BY id LIMIT $2
         FOR UPDATE SKIP LOCKED)
       UPDATE outbox SET claimed_by = $1, claim_expires_at = now() + $3::float8 * interval '1 millisecond', attempts = outbox.attempts + 1
       FROM due WHERE outbox.id = due.id
       RETURNING outbox.id, key, conversation_id, payload, (extract(epoch FROM not_before) * 1000)::float8 AS not_before, attempts`,
      [holder, limit, leaseMs],
    );
    return rows.map(claimedItemFromRow).sort((a, b) => a.id - b.id);
  }

  async completeOutbox(id: number, holder: string): Promise<void> {
    await this.query(
      'UPDATE outbox SET sent_at = now(), claim_expires_at = NULL WHERE id = $1 AND claimed_by = $2 AND sent_at IS NULL',
      [id, holder],
    );
  }

  async retryOutbox(id: number, holder: string, notBefore: number): Promise<void> {
    await this.query(
      `UPDATE outbox SET not_before = to_timestamp($3::float8 / 1000), claimed_by = NULL, claim_expires_at = NULL
       WHERE id = $1 AND claimed_by = $2 AND sent_at IS NULL`,
      [id, holder, notBefore],
    );
  }

  async releaseOutboxClaims(holder: string): Promise<number> {
    const { rowCount } = await this.query(
      'UPDATE outbox SET claimed_by = NULL, claim_expires_at = NULL WHERE claimed_by = $1 AND sent_at IS NULL AND claim_expires_at > now()',
      [holder],
    );
    return rowCount ?? 0;
  }

  async pendingOutbox(): Promise<number> {
    const { rows } = await this.query<{ pending: number }>('SELECT count(*)::int AS pending FROM outbox WHERE sent_at IS NULL');
    return rows[0]!.pending;
  }

  async ping(): Promise<void> {
    await this.query('SELECT 1');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }
}

async function putDocument<T>(query: Query, collection: string, key: string, value: T, options: PutOptions = {}): Promise<StoredDocument<T>> {
  const etag = newEtag();
  const params = [collection, key, JSON.stringify(value), etag, options.ttlSeconds ?? null];
  const expiresAt = `now() + $5::float8 * interval '1 second'`;
  const insert = `INSERT INTO documents (collection, key, value, etag, expires_at) VALUES ($1, $2, $3::jsonb, $4, ${expiresAt})`;
  const replace = 'DO UPDATE SET value = excluded.value, etag = excluded.etag, expires_at = excluded.expires_at';
  const { rowCount } =
    options.etag === undefined
      ? await query(`${insert} ON CONFLICT (collection, key) ${replace} WHERE documents.expires_at <= now()`, params)
      : options.etag === '*'
        ? await query(`${insert} ON CONFLICT (collection, key) ${replace}`, params)
        : await query(
            `UPDATE documents SET value = $3::jsonb, etag = $4, expires_at = ${expiresAt}
             WHERE collection = $1 AND key = $2 AND etag = $6 AND ${LIVE}`,
            [...params, options.etag],
          );
  if (rowCount === 0) throw new ConflictError(collection, key);
  return { key, value, etag };
}

async function insertOutbox(query: Query, items: OutboxItem[]): Promise<number> {
  if (items.length === 0) return 0;
  const { rowCount } = await query(
    `INSERT INTO outbox (key, conversation_id, payload, not_before)
     SELECT key, conversation_id, payload::jsonb, to_timestamp(not_before / 1000)
     FROM unnest($1::text[], $2::text[], $3::text[], $4::float8[]) WITH ORDINALITY AS item(key, conversation_id, payload, not_before, n)
     ORDER BY n
     ON CONFLICT (key) DO NOTHING`,
    [
      items.map((item) => item.key),
      items.map((item) => item.conversationId),
      items.map((item) => JSON.stringify(item.payload)),
      items.map((item) => item.notBefore),
    ],
  );
  return rowCount ?? 0;
}

async function connect(pool: Pool, databaseUrl: string): Promise<PoolClient> {
  try {
    return await pool.connect();
  } catch (cause) {
    const message = `Cannot connect to PostgreSQL ${describeTarget(databaseUrl)}: ${reasonOf(cause)}`;
    throw isConnectionFailure(cause) ? new StoreUnavailableError(message, { cause }) : new Error(message, { cause });
  }
}

/** A pg error's message, or its network code when it has none (Node's AggregateError of a refused connection). */
function reasonOf(error: unknown): string {
  const { code, message } = (error && typeof error === 'object' ? error : {}) as { code?: unknown; message?: unknown };
  if (typeof message === 'string' && message) return message;
  return typeof code === 'string' ? code : String(error);
}

/** Host, port, database and user of a connection URL; never its password. */
function describeTarget(databaseUrl: string): string {
  let url: URL;
  try {
    url = new URL(databaseUrl);
  } catch {
    return '(DATABASE_URL is not a valid URL)';
  }
  const host = url.hostname || url.searchParams.get('host') || 'the local socket';
  const database = decodeURIComponent(url.pathname.replace(/^\//, '')) || '(default database)';
  const user = decodeURIComponent(url.username) || '(default user)';
  return `at ${host}:${url.port || 5432}, database "${database}", user "${user}"`;
}

/**
 * Applies the missing steps in one transaction. The advisory lock makes replicas that start
 * together take turns: the first applies, the others then find the steps recorded.
 */
async function migrate(client: PoolClient, schema: string | undefined): Promise<void> {
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`defender-chatops migrations ${schema ?? 'public'}`]);
    if (schema) await client.query(`CREATE SCHEMA IF NOT EXISTS ${escapeIdentifier(schema)}`);
    await client.query(CREATE_SCHEMA_MIGRATIONS_TABLE);
    const { rows } = await client.query<{ version: number }>('SELECT version FROM schema_migrations');
    const applied = new Set(rows.map((row) => row.version));
    for (const migration of POSTGRES_MIGRATIONS) {
      if (applied.has(migration.version)) continue;
      await client.query(migration.sql);
      await client.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [
        migration.version,
        migration.name,
        new Date().toISOString(),
      ]);
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  }
}

function documentFromRow<T>(row: DocumentRow): StoredDocument<T> {
  return { key: row.key, value: row.value as T, etag: row.etag };
}

function claimedItemFromRow(row: OutboxRow): ClaimedOutboxItem {
  return {
    id: Number(row.id),
    key: row.key,
    conversationId: row.conversation_id,
    payload: row.payload,
    notBefore: Math.round(row.not_before),
    attempts: row.attempts,
  };
}
