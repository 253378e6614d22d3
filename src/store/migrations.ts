/**
 * Versioned schema steps of both stores, side by side so that a change to one is made to the other.
 * A step, once released, never changes: a new version is appended instead. Each store applies the
 * steps it has not recorded in `schema_migrations`, in order, in one transaction, at open.
 */

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** Times are epoch milliseconds (INTEGER); JSON is TEXT. Keys compare bytewise (BINARY). */
export const SQLITE_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'documents, audit log, leases, outbox',
    sql: `
      CREATE TABLE documents (
        collection TEXT NOT NULL,
        key TEXT NOT NULL,
        value TEXT NOT NULL,
        etag TEXT NOT NULL,
        expires_at INTEGER,
        PRIMARY KEY (collection, key)
      );
      CREATE TABLE audit_log (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        time TEXT NOT NULL,
        user_oid TEXT NOT NULL,
        upn TEXT NOT NULL,
        machine_id TEXT NOT NULL,
        computer_dns_name TEXT NOT NULL,
        action TEXT NOT NULL,
        comment TEXT NOT NULL,
        result TEXT NOT NULL,
        defender_action_id TEXT,
        conversation_id TEXT NOT NULL
      );
      CREATE INDEX audit_log_by_machine ON audit_log (machine_id, id);
      CREATE TABLE leases (
        name TEXT PRIMARY KEY,
        holder TEXT NOT NULL,
        expires_at INTEGER NOT NULL
      );
      CREATE TABLE outbox (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        key TEXT NOT NULL UNIQUE,
        conversation_id TEXT NOT NULL,
        payload TEXT NOT NULL,
        not_before INTEGER NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        claimed_by TEXT,
        claim_expires_at INTEGER,
        sent_at INTEGER
      );
      CREATE INDEX outbox_unsent ON outbox (id) WHERE sent_at IS NULL;
    `,
  },
];

/** Times are timestamptz compared with the server's now(); keys use the "C" collation (bytewise, like SQLite). */
export const POSTGRES_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'documents, audit log, leases, outbox',
    sql: `
      CREATE TABLE documents (
        collection text COLLATE "C" NOT NULL,
        key text COLLATE "C" NOT NULL,
        value jsonb NOT NULL,
        etag text NOT NULL,
        expires_at timestamptz,
        PRIMARY KEY (collection, key)
      );
      CREATE TABLE audit_log (
        id bigserial PRIMARY KEY,
        time text NOT NULL,
        user_oid text NOT NULL,
        upn text NOT NULL,
        machine_id text NOT NULL,
        computer_dns_name text NOT NULL,
        action text NOT NULL,
        comment text NOT NULL,
        result text NOT NULL,
        defender_action_id text,
        conversation_id text NOT NULL
      );
      CREATE INDEX audit_log_by_machine ON audit_log (machine_id, id);
      CREATE TABLE leases (
        name text PRIMARY KEY,
        holder text NOT NULL,
        expires_at timestamptz NOT NULL
      );
      CREATE TABLE outbox (
        id bigserial PRIMARY KEY,
        key text NOT NULL UNIQUE,
        conversation_id text NOT NULL,
        payload jsonb NOT NULL,
        not_before timestamptz NOT NULL,
        attempts integer NOT NULL DEFAULT 0,
        claimed_by text,
        claim_expires_at timestamptz,
        sent_at timestamptz
      );
      CREATE INDEX outbox_unsent ON outbox (id) WHERE sent_at IS NULL;
    `,
  },
];

export const CREATE_SCHEMA_MIGRATIONS_TABLE = `
  CREATE TABLE IF NOT EXISTS schema_migrations (
    version integer PRIMARY KEY,
    name text NOT NULL,
    applied_at text NOT NULL
  )`;
