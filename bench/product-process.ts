/** The product bot's process (bot-process.ts): its own SQLite file, or PostgreSQL in the schema BENCH_PG_SCHEMA when the config names a database (replicas). */
import { createBotApp } from '../src/app';
import { PostgresStore } from '../src/store/postgres-store';
import { SqliteStore } from '../src/store/sqlite-store';
import { runBotProcess } from './bot-process';

/** Called by the launcher, as production's bot is (src/launch.ts). */
export const start = () => runBotProcess('product', async (config, logger) => {
  const { databaseUrl, sqlitePath } = config.storage;
  const store = databaseUrl ? await PostgresStore.open(databaseUrl, { schema: process.env.BENCH_PG_SCHEMA }) : await SqliteStore.open(sqlitePath);
  // The twin's Teams limits are off while turns are measured (they would throttle the synthetic load), so are the replies' here.
  const app = createBotApp(config, store, { inbound: 'botframework', logger, replyRateLimits: { perConversation: [], global: [] } });
  return { server: app.server, product: { app, store } };
});

if (require.main === module) start();
