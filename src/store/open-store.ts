import { PostgresStore } from './postgres-store';
import { SqliteStore } from './sqlite-store';
import { StoreUnavailableError, type Store } from './store';
import { WaitingStore } from './waiting-store';

export interface StorageSettings {
  databaseUrl?: string;
  sqlitePath: string;
}

/** PostgreSQL when a database URL is configured (several replicas), else the embedded SQLite file. */
export async function openStore(config: StorageSettings, log?: (line: string) => void): Promise<Store> {
  return config.databaseUrl ? PostgresStore.open(config.databaseUrl, { log }) : SqliteStore.open(config.sqlitePath);
}

export interface OpeningStore {
  /** Usable at once: until the database is open every operation fails with StoreUnavailableError (saying why). */
  store: Store;
  /** Resolves when open (migrations applied); rejects when the database refuses (wrong password, no such database). */
  opened: Promise<void>;
  /** Settles after the first attempt: resolves when open or not reachable yet, rejects like `opened`. */
  firstAttempt: Promise<void>;
}

export interface RetrySettings {
  firstDelayMs: number;
  maxDelayMs: number;
}

const DEFAULT_RETRY: RetrySettings = { firstDelayMs: 1_000, maxDelayMs: 30_000 };

/**
 * Opens the store, and when the database cannot be reached yet keeps trying with exponential
 * backoff (full jitter) instead of failing: the bot starts, answers /healthz, reports the reason on
 * /readyz, and becomes ready (migrations run then) when the database is back. One log line when it
 * is not reachable, one when it is open.
 */
export function openStoreWhenReachable(config: StorageSettings, log: (line: string) => void, retry: RetrySettings = DEFAULT_RETRY): OpeningStore {
  const store = new WaitingStore('the database is not open yet');
  const started = Date.now();
  let notReachableYet = () => {};
  const waiting = new Promise<void>((resolve) => { notReachableYet = resolve; });
  const opened = (async () => {
    for (let attempt = 1; ; attempt += 1) {
      try {
        const open = await openStore(config, log);
        if (!store.attach(open)) return void (await open.close());
        if (attempt > 1) log(`storage: the database is open after ${((Date.now() - started) / 1000).toFixed(1)} s (${attempt} attempts); migrations are applied`);
        return;
      } catch (error) {
        if (!(error instanceof StoreUnavailableError)) throw error;
        const delayMs = Math.round(retry.firstDelayMs + Math.random() * (Math.min(retry.maxDelayMs, retry.firstDelayMs * 2 ** (attempt - 1)) - retry.firstDelayMs));
        store.waiting(`${error.message} (attempt ${attempt}; next in ${Math.ceil(delayMs / 1000)} s)`);
        if (attempt === 1) {
          log(`storage: ${error.message}; the bot runs and retries with backoff, not ready until then`);
          notReachableYet();
        }
        if (!(await store.sleep(delayMs))) return;
      }
    }
  })();
  return { store, opened, firstAttempt: Promise.race([opened, waiting]) };
}
