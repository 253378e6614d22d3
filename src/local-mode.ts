import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import type { InboundMode } from './app';
import { type BotConfig, DEFAULT_RETENTION, type LocalSettings } from './config';
import { DEFENDER_API, GRAPH_API, SEEDED, SEEDED_USERS } from './twin/directory';
import { startTwin, type Twin, type TwinOptions } from './twin';
import { ensureTwinCertificates } from './twin/tls';

/** Bot configuration that points at a running twin exactly as production points at Microsoft. */
export function twinBotConfig(twin: Twin, overrides: Partial<BotConfig> = {}): BotConfig {
  return {
    port: 3978,
    bot: { appId: SEEDED.botAppId, appPassword: SEEDED.botAppSecret, tenantId: SEEDED.tenantId },
    entra: { authorityHost: twin.entra.baseUrl, knownAuthorities: [twin.entra.knownAuthority] },
    botFrameworkCloud: twin.teams.cloud,
    channel: { openIdMetadataUrl: twin.teams.openIdMetadataUrl, tokenIssuer: twin.teams.issuer },
    defender: { apiUrl: twin.defender.baseUrl, tokenResource: DEFENDER_API.identifierUris[0] },
    graph: { apiUrl: twin.graph.baseUrl, tokenResource: GRAPH_API.identifierUris[0] },
    sso: { connectionName: 'DefenderSso', resourceUri: `api://botid-${SEEDED.botAppId}` },
    cardSigningSecret: crypto.randomBytes(32).toString('base64url'),
    // Local mode only: a fresh key per run (the simulated tenant's tokens need not outlive it).
    tokenCacheKey: crypto.randomBytes(32),
    actionPollIntervalMs: 2000,
    storage: { sqlitePath: ':memory:' },
    notifier: { pollIntervalMs: 15_000 },
    retention: DEFAULT_RETENTION,
    allowedTenants: [SEEDED.tenantId],
    logLevel: 'info',
    ...overrides,
  };
}

export interface LocalMode {
  twin: Twin;
  config: BotConfig;
  inbound: InboundMode;
}

/**
 * The embedded simulated tenant for `npm start` without configuration. The Agents Playground sends
 * unsigned activities and has no SSO, so its user acts as the twin's admin, Alice. This mapping
 * exists only here; the composition root uses it only when no real credentials are configured.
 */
export async function startLocalMode(settings: LocalSettings, options: TwinOptions = {}): Promise<LocalMode> {
  const { port } = settings;
  const twin = await startTwin({ botEndpoint: `http://127.0.0.1:${port}/api/messages`, ...options });
  twin.defender.storyline.start(settings.storylineIntervalMs);
  const user = { aadObjectId: SEEDED_USERS.alice, tenantId: SEEDED.tenantId };
  return {
    twin,
    config: twinBotConfig(twin, {
      port, logLevel: settings.logLevel, actionPollIntervalMs: settings.actionPollIntervalMs, notifier: { pollIntervalMs: settings.notifyIntervalMs, digest: settings.digest },
      approval: settings.approval,
      isolationReminder: settings.isolationReminder,
    }),
    inbound: { localPlayground: { user, ssoToken: (who) => twin.entra.issueSsoToken(who.aadObjectId) } },
  };
}

/**
 * Node reads extra trusted CAs only at start, and msal must trust the twin's HTTPS. When this
 * process was started without the twin's CA (e.g. `node dist/index.js`), it runs itself again with
 * it and mirrors the child's exit. Returns false when the CA is already trusted.
 */
export function relaunchTrustingTwinCa(): boolean {
  const { caPath } = ensureTwinCertificates();
  if (process.env.NODE_EXTRA_CA_CERTS === caPath) return false;
  const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, NODE_EXTRA_CA_CERTS: caPath },
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
  child.on('exit', (code) => process.exit(code ?? 1));
  return true;
}
