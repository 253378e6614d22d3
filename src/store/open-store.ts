import { PostgresStore } from './postgres-store';
import { SqliteStore } from './sqlite-store';
import type { Store } from './store';

/** PostgreSQL when a database URL is configured (several replicas), else the embedded SQLite file. */
export async function openStore(config: { databaseUrl?: string; sqlitePath: string }): Promise<Store> {
  return config.databaseUrl ? PostgresStore.open(config.databaseUrl) : SqliteStore.open(config.sqlitePath);
}
