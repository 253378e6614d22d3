import fs from 'node:fs';
import path from 'node:path';
import { createBotApp, type BotApp } from './app';
import { loadConfig, loadLocalSettings, productionSignals, type BotConfig } from './config';
import { createLogger, lineLogger, type Logger } from './logging';
import { openStoreWhenReachable, type OpeningStore } from './store/open-store';
import type { Store } from './store/store';
import { readTelemetrySettings, type TelemetrySettings } from './telemetry/settings';
import { startTelemetry } from './telemetry/start';
import { PROJECT_DIR } from './project-dir';

async function main(): Promise<void> {
  console.log(loadEnvFile());
  const env = process.env;
  let app: BotApp;
  let port: number;
  let host: string | undefined;
  let store: Store;
  let opening: OpeningStore;
  let logger: Logger;
  let stopTwin: (() => Promise<void>) | undefined;

  const signals = productionSignals(env);
  if (signals.length > 0) {
    const result = loadConfig(env);
    if (!result.ok) {
      console.error(`The bot cannot start: its configuration is incomplete (a real deployment, because ${signals.join(', ')} ${signals.length > 1 ? 'are' : 'is'} set; local mode needs none of them).\n`);
      for (const problem of result.problems) console.error(`  - ${problem}`);
      console.error('\nSet these in .env (see .env.example) or in the environment, then start again.');
      process.exit(1);
    }
    logger = productionLogger(result.config.logLevel);
    opening = openConfiguredStore(result.config, logger);
    store = opening.store;
    app = createBotApp(result.config, store, { logger });
    port = result.config.port;
  } else {
    const local = loadLocalSettings(env);
    if (!local.ok) {
      console.error('The bot cannot start in local mode: a setting is wrong.\n');
      for (const problem of local.problems) console.error(`  - ${problem}`);
      console.error('\nFix it in .env (see .env.example) or in the environment, or leave it empty for the default, then start again.');
      process.exit(1);
    }
    port = local.settings.port;
    // Nothing is authenticated in local mode: only this machine may talk to it.
    host = '127.0.0.1';
    // The twin is loaded only here, when local mode is chosen; production never imports it.
    const { relaunchTrustingTwinCa, startLocalMode } = await import('./local-mode.js');
    if (relaunchTrustingTwinCa()) return;
    const tenant = await startLocalMode(local.settings);
    logger = createLogger(local.settings.logLevel);
    opening = openConfiguredStore(tenant.config, logger);
    store = opening.store;
    app = createBotApp(tenant.config, store, { inbound: tenant.inbound, logger });
    stopTwin = () => tenant.twin.close();
    printLocalBanner(port, tenant.twin, local.settings.storylineIntervalMs);
  }

  // A database that refuses the bot (wrong password, no such database) is a start-up error; one not reachable yet is waited for.
  const refused = (error: unknown) => {
    const message = `The bot cannot start: ${error instanceof Error ? error.message : String(error)}`;
    logger.fatal(message);
    process.stderr.write(`${message}\n`);
    process.exit(1);
  };
  await opening.firstAttempt.catch(refused);
  opening.opened.catch(refused);
  await new Promise<void>((resolve) => (host ? app.server.listen(port, host, resolve) : app.server.listen(port, resolve)));
  const telemetry = await startTelemetry(telemetrySettings(env, port));
  app.notifier.start();
  app.retention.start();
  console.log(`Bot listening on http://${host ?? 'localhost'}:${port}/api/messages (health: /healthz)`);
  if (telemetry?.metricsUrl) console.log(`Metrics for Prometheus: ${telemetry.metricsUrl}`);

  let stopping = false;
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    await app.close();
    await store.close();
    await telemetry?.shutdown();
    await stopTwin?.();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown());
  process.on('SIGTERM', () => void shutdown());
}

/** TELEMETRY, METRICS_*, APPLICATIONINSIGHTS_CONNECTION_STRING (local mode too); a wrong one stops the start. */
function telemetrySettings(env: NodeJS.ProcessEnv, port: number): TelemetrySettings {
  const problems: string[] = [];
  const settings = readTelemetrySettings(env, port, problems);
  if (problems.length === 0) return settings;
  console.error('The bot cannot start: a telemetry setting is wrong.\n');
  for (const problem of problems) console.error(`  - ${problem}`);
  console.error('\nFix it in .env (see .env.example) or in the environment, or set TELEMETRY=off, then start again.');
  process.exit(1);
}

/**
 * Reads `.env` from ENV_FILE if set, else from the project's directory (never the working
 * directory, which may be anyone's); the environment wins over the file. Says what it read.
 */
function loadEnvFile(): string {
  const explicit = process.env.ENV_FILE?.trim();
  const file = explicit ? path.resolve(explicit) : path.join(PROJECT_DIR, '.env');
  if (!fs.existsSync(file)) {
    if (explicit) throw new Error(`ENV_FILE names ${file}, which does not exist.`);
    return `Settings: the environment only (no ${file}).`;
  }
  process.loadEnvFile(file);
  return `Settings: the environment, then ${file}.`;
}

/** JSON logs; libraries' console output (botbuilder prints auth failures) goes through the same scrubbing logger. */
function productionLogger(level: string): Logger {
  const logger = createLogger(level);
  const toLog = (write: (message: string) => void) => (...args: unknown[]) => write(args.map((arg) => (arg instanceof Error ? arg.message : String(arg))).join(' '));
  console.error = toLog((message) => logger.warn({ source: 'library' }, message));
  console.warn = toLog((message) => logger.warn({ source: 'library' }, message));
  return logger;
}

function openConfiguredStore(config: BotConfig, logger: Logger): OpeningStore {
  const opening = openStoreWhenReachable(config.storage, lineLogger(logger));
  const where = config.storage.databaseUrl ? 'the PostgreSQL database in DATABASE_URL' : `the SQLite file ${config.storage.sqlitePath} (SQLITE_PATH)`;
  const saysWhere = (attempt: Promise<void>) => attempt.catch((error: unknown) => {
    throw new Error(`could not open ${where}: ${error instanceof Error ? error.message : String(error)}`);
  });
  return { store: opening.store, opened: saysWhere(opening.opened), firstAttempt: saysWhere(opening.firstAttempt) };
}

function printLocalBanner(port: number, twin: { caPath: string; defender: { baseUrl: string } }, storylineIntervalMs: number): void {
  const defenderUrl = twin.defender.baseUrl;
  const line = '='.repeat(78);
  console.log(line);
  console.log(' LOCAL MODE: SIMULATED TENANT. Nothing here talks to Microsoft.');
  console.log(` No bot credentials are configured, so the bot runs against an embedded twin of`);
  console.log(` Entra ID, Teams and Defender (simulated Defender API: ${defenderUrl}).`);
  console.log(' Every chat user acts as the simulated admin "Alice Admin".');
  console.log('');
  console.log(' Chat with it in the Microsoft 365 Agents Playground (second terminal):');
  console.log('   npm run playground');
  console.log(` or point any Bot Framework client at http://127.0.0.1:${port}/api/messages (this machine only)`);
  console.log(' Try: help | alerts high | device ws-0042 | isolated | isolate fin-ws-0007');
  console.log(' (fin-ws-0007 is critical: isolating it needs a second person, or break glass with a reason)');
  console.log(' Notifications: type `subscribe low`; the simulated attack raises or changes an alert');
  console.log(storylineIntervalMs > 0 ? `   every ${storylineIntervalMs / 1000} s (LOCAL_ALERT_SECONDS), or now:` : '   only on demand (LOCAL_ALERT_SECONDS=off):');
  console.log(`   curl --cacert ${twin.caPath} -X POST ${defenderUrl}/twin/storyline/next`);
  console.log(line);
}

/** Called by the launcher (dist/index.js, src/launch.ts) once the bundle is loaded; run directly, the bot starts itself. */
export function start(): void {
  main().catch((error: unknown) => {
    console.error(`The bot failed to start: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}

if (require.main === module) start();
