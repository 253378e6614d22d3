import { DEFAULT_DIGEST_SETTINGS, type DigestSettings } from './notify/storm-digest';
import { parseSeverity, SUBSCRIBABLE_SEVERITIES } from './notify/subscriptions';
import type { BotFrameworkCloud } from './bot/adapter';
import { isMicrosoftLoginHost } from './identity/authorities';
import { readTelemetrySettings } from './telemetry/settings';

/**
 * Environment -> typed configuration. Every problem is reported at once, each naming the setting,
 * what it should look like and where to find it; nothing starts half-configured.
 */

export interface BotConfig {
  port: number;
  bot: { appId: string; appPassword: string; tenantId: string };
  entra: {
    /** e.g. https://login.microsoftonline.com (or the local twin) */
    authorityHost: string;
    /** Set only for a non-Microsoft authority such as the local twin. */
    knownAuthorities?: string[];
  };
  /** The Bot Framework channel's cloud: its keys, token issuer and the bot's outbound token audience. */
  botFrameworkCloud: BotFrameworkCloud;
  /** Overrides of botbuilder's channel settings, only for a non-Microsoft channel (the local twin). */
  channel?: { openIdMetadataUrl: string; tokenIssuer: string };
  defender: { apiUrl: string; tokenResource: string };
  /** Microsoft Graph (security incidents, advanced hunting): `apiUrl` ends before `/v1.0`; tokens are for the cloud's Graph host. */
  graph: { apiUrl: string; tokenResource: string };
  sso: { connectionName: string; resourceUri: string };
  cardSigningSecret: string;
  /** Public base URL of the bot: the interactive sign-in's pages (and redirect URI `/auth/end`) live there. */
  publicUrl?: string;
  /** AES-256-GCM key (32 bytes) that encrypts the users' token cache at rest in the store. */
  tokenCacheKey: Buffer;
  actionPollIntervalMs: number;
  storage: { databaseUrl?: string; sqlitePath: string };
  /** `subscriberRecheckMs`: how often at most a subscriber's device groups are re-checked when the bot sees them (default 5 min). */
  notifier: { pollIntervalMs: number; subscriberRecheckMs?: number; digest?: DigestSettings };
  /** How long the audit log and the sent notifications' alert payloads are kept, in days. */
  retention: { auditDays: number; notificationDays: number };
  /** Tenants whose users may use the bot (lower-case GUIDs); the bot's own by default. */
  allowedTenants: string[];
  logLevel: string;
  /** The two-person rule for critical devices (see ApprovalPolicy); the defaults when absent. */
  approval?: ApprovalPolicy;
  /** The release reminder an isolation's confirmation preselects; 24 h when absent. */
  isolationReminder?: ReleaseReminder;
}

/** When the bot reminds the conversation to release an isolated device: never automatically released. */
export const RELEASE_REMINDERS = ['4h', '24h', '72h', 'none'] as const;
export type ReleaseReminder = (typeof RELEASE_REMINDERS)[number];
export const DEFAULT_RELEASE_REMINDER: ReleaseReminder = '24h';

export function readReleaseReminder(env: NodeJS.ProcessEnv, problems: string[]): ReleaseReminder {
  const value = (env.ISOLATION_REMINDER_DEFAULT?.trim() || DEFAULT_RELEASE_REMINDER).toLowerCase();
  const known = RELEASE_REMINDERS.find((choice) => choice === value);
  if (!known) problems.push(`ISOLATION_REMINDER_DEFAULT must be one of ${RELEASE_REMINDERS.join(', ')} (got "${value}").`);
  return known ?? DEFAULT_RELEASE_REMINDER;
}

/**
 * Which responses on which devices need a second person: a device is critical when its Defender
 * device value is High, or it carries one of `tags`, or it is in one of `deviceGroups` (names
 * compared without case). `actions` are response definition names (`isolate`, `restrict`, …).
 */
export interface ApprovalPolicy {
  actions: readonly string[];
  tags: readonly string[];
  deviceGroups: readonly string[];
  /** How long a request waits for its approver. */
  expiryMinutes: number;
  /** Whether a requester may act at once, with a reason, flagged on the card and in the audit log. */
  breakGlass: boolean;
}

export const DEFAULT_APPROVAL_POLICY: ApprovalPolicy = {
  actions: ['isolate', 'restrict', 'quarantine'], tags: [], deviceGroups: [], expiryMinutes: 30, breakGlass: false,
};

/**
 * The APPROVAL_* settings (production and local mode alike); empty values keep the defaults. Local
 * mode allows break glass by default: its one Playground user has nobody to approve.
 */
export function readApprovalPolicy(env: NodeJS.ProcessEnv, problems: string[], defaults: ApprovalPolicy = DEFAULT_APPROVAL_POLICY): ApprovalPolicy {
  const read = (name: string) => env[name]?.trim() ?? '';
  const list = (name: string) => read(name).split(',').map((item) => item.trim()).filter(Boolean);
  const actionsText = read('APPROVAL_ACTIONS');
  const actions = actionsText.toLowerCase() === 'none' ? [] : actionsText ? list('APPROVAL_ACTIONS') : DEFAULT_APPROVAL_POLICY.actions;
  const badNames = actions.filter((name) => !/^[a-z][A-Za-z]{0,39}$/.test(name));
  if (badNames.length > 0) {
    problems.push(`APPROVAL_ACTIONS must be "none" or a comma-separated list of response action names such as isolate,restrict,quarantine (not valid: ${badNames.join(', ')}).`);
  }
  const tooLong = [...list('APPROVAL_DEVICE_TAGS'), ...list('APPROVAL_DEVICE_GROUPS')].filter((name) => name.length > 200);
  if (tooLong.length > 0) problems.push('APPROVAL_DEVICE_TAGS and APPROVAL_DEVICE_GROUPS take names of at most 200 characters each, separated by commas.');
  const expiryMinutes = numberSetting(read('APPROVAL_EXPIRY_MINUTES') || String(DEFAULT_APPROVAL_POLICY.expiryMinutes), 'APPROVAL_EXPIRY_MINUTES', problems, { min: 1, max: 24 * 60 });
  const breakGlassText = (read('APPROVAL_BREAK_GLASS') || (defaults.breakGlass ? 'on' : 'off')).toLowerCase();
  if (!['on', 'off'].includes(breakGlassText)) problems.push(`APPROVAL_BREAK_GLASS must be on or off (got "${breakGlassText}").`);
  return {
    actions, tags: list('APPROVAL_DEVICE_TAGS'), deviceGroups: list('APPROVAL_DEVICE_GROUPS'), expiryMinutes, breakGlass: breakGlassText === 'on',
  };
}

const GLOBAL_RESOURCE = 'https://api.securitycenter.microsoft.com';
const COMMERCIAL_LOGIN = 'https://login.microsoftonline.com';

/**
 * Defender API hosts per region and cloud. Regional hosts only cut latency: their tokens are for
 * the global resource (a token asked for a regional resource is refused with AADSTS500011).
 */
export const DEFENDER_REGIONS: Record<string, { apiUrl: string; tokenResource: string; authorityHost: string; botFrameworkCloud: BotFrameworkCloud }> = {
  global: { apiUrl: GLOBAL_RESOURCE, tokenResource: GLOBAL_RESOURCE, authorityHost: COMMERCIAL_LOGIN, botFrameworkCloud: 'public' },
  ...Object.fromEntries(['us', 'eu', 'uk', 'au', 'swa', 'ina', 'aea'].map((region) => [region, {
    apiUrl: `https://${region}.api.security.microsoft.com`, tokenResource: GLOBAL_RESOURCE, authorityHost: COMMERCIAL_LOGIN, botFrameworkCloud: 'public',
  }])),
  // GCC tenants use the commercial Entra ID and the public Bot Framework channel.
  gcc: {
    apiUrl: 'https://api-gcc.securitycenter.microsoft.us', tokenResource: 'https://api-gcc.securitycenter.microsoft.us',
    authorityHost: COMMERCIAL_LOGIN, botFrameworkCloud: 'public',
  },
  'gcc-high': {
    apiUrl: 'https://api-gov.securitycenter.microsoft.us', tokenResource: 'https://api-gov.securitycenter.microsoft.us',
    authorityHost: 'https://login.microsoftonline.us', botFrameworkCloud: 'usGovernment',
  },
};

/**
 * Microsoft Graph per cloud (learn.microsoft.com/graph/deployments, "National cloud deployments"):
 * GCC uses the global service, GCC High graph.microsoft.us. Tokens are for that host (`<host>/.default`).
 */
export const GRAPH_HOSTS: Record<string, string> = {
  ...Object.fromEntries(Object.keys(DEFENDER_REGIONS).map((region) => [region, 'https://graph.microsoft.com'])),
  'gcc-high': 'https://graph.microsoft.us',
};

/** Regions Defender has but this bot cannot serve, with the reason given at start-up. */
const UNSUPPORTED_REGIONS: Record<string, string> = {
  dod: 'DEFENDER_REGION "dod" is not supported: Microsoft Teams offers no bots in the DoD cloud, so the bot could never receive a message there. Use "gcc-high" for GCC High tenants.',
};

/** Audit entries for a year; a sent notification's alert payload for 30 days (the card in Teams stays). */
export const DEFAULT_RETENTION = { auditDays: 365, notificationDays: 30 };

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export type ConfigResult = { ok: true; config: BotConfig } | { ok: false; problems: string[] };

export const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The bot's own credentials: with any of them set, the bot is configured for a real tenant. */
export const CREDENTIAL_SETTINGS = ['MICROSOFT_APP_ID', 'MICROSOFT_APP_PASSWORD', 'MICROSOFT_APP_TENANT_ID'] as const;

/**
 * Settings only a real deployment has. Any of them set (not empty) means "this is production": the
 * bot then starts only with its credentials, never in local mode (a missing secret mount must not
 * turn into a simulated tenant that trusts unsigned activities).
 */
export const PRODUCTION_SETTINGS = [
  'CARD_SIGNING_SECRET', 'DEFENDER_REGION', 'DEFENDER_API_URL', 'DEFENDER_TOKEN_RESOURCE', 'ENTRA_AUTHORITY_HOST',
  'GRAPH_API_URL', 'BOT_PUBLIC_URL', 'SSO_CONNECTION_NAME', 'DATABASE_URL', 'SQLITE_PATH', 'ALLOWED_TENANTS', 'AUDIT_RETENTION_DAYS',
  'NOTIFICATION_RETENTION_DAYS', 'TOKEN_CACHE_KEY', 'APPLICATIONINSIGHTS_CONNECTION_STRING',
  'BOT_CHANNEL_OPENID_METADATA_URL', 'BOT_CHANNEL_TOKEN_ISSUER',
] as const;

/** Settings that local mode honours or ignores, so they do not make a run production-like. */
export const LOCAL_MODE_SETTINGS = [
  'PORT', 'LOG_LEVEL', 'ACTION_POLL_SECONDS', 'NOTIFY_INTERVAL_SECONDS', 'ENV_FILE', 'LOCAL_ALERT_SECONDS',
  // Storm digests work the same in local mode.
  'DIGEST_AFTER_CARDS', 'DIGEST_WINDOW_MINUTES', 'DIGEST_BYPASS_SEVERITY',
  // Telemetry works the same in local mode (a local Prometheus may scrape it).
  'TELEMETRY', 'METRICS_PORT', 'METRICS_HOST',
  // Its only valid value is the default, and it means nothing without the credentials.
  'MICROSOFT_APP_TYPE',
  // Teams app package (npm run package), not the running bot.
  'TEAMS_APP_DEVELOPER_NAME', 'TEAMS_APP_WEBSITE_URL', 'TEAMS_APP_PRIVACY_URL', 'TEAMS_APP_TERMS_URL',
  // The two-person rule works the same on the simulated tenant.
  'APPROVAL_ACTIONS', 'APPROVAL_DEVICE_TAGS', 'APPROVAL_DEVICE_GROUPS', 'APPROVAL_EXPIRY_MINUTES', 'APPROVAL_BREAK_GLASS',
  'ISOLATION_REMINDER_DEFAULT',
] as const;

/** Why this run is production-like (credentials or production settings set, or NODE_ENV=production); empty: local mode. */
export function productionSignals(env: NodeJS.ProcessEnv): string[] {
  const set = [...CREDENTIAL_SETTINGS, ...PRODUCTION_SETTINGS].filter((name) => Boolean(env[name]?.trim()));
  return env.NODE_ENV?.trim().toLowerCase() === 'production' ? [...set, 'NODE_ENV=production'] : set;
}

/** What local mode honours; each value checked as in production (empty: the default), every problem named. */
export interface LocalSettings {
  port: number;
  logLevel: string;
  actionPollIntervalMs: number;
  notifyIntervalMs: number;
  /** How often the simulated tenant's attack storyline raises or changes an alert; 0: never. */
  storylineIntervalMs: number;
  approval: ApprovalPolicy;
  isolationReminder: ReleaseReminder;
  digest: DigestSettings;
}

export type LocalSettingsResult = { ok: true; settings: LocalSettings } | { ok: false; problems: string[] };

export const DEFAULT_STORYLINE_SECONDS = 45;

export function loadLocalSettings(env: NodeJS.ProcessEnv): LocalSettingsResult {
  const problems: string[] = [];
  const read = (name: string) => env[name]?.trim() ?? '';
  const port = numberSetting(read('PORT') || '3978', 'PORT', problems, { min: 1, max: 65535 });
  const logLevel = read('LOG_LEVEL') || 'warn';
  if (!LOG_LEVELS.includes(logLevel)) problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')} (got "${logLevel}").`);
  const actionPollSeconds = numberSetting(read('ACTION_POLL_SECONDS') || '2', 'ACTION_POLL_SECONDS', problems, { min: 1, max: 300 });
  const notifySeconds = numberSetting(read('NOTIFY_INTERVAL_SECONDS') || '15', 'NOTIFY_INTERVAL_SECONDS', problems, { min: 1, max: 3600 });
  const storyline = read('LOCAL_ALERT_SECONDS').toLowerCase();
  const storylineSeconds = storyline === 'off' ? 0
    : numberSetting(storyline || String(DEFAULT_STORYLINE_SECONDS), 'LOCAL_ALERT_SECONDS (or "off")', problems, { min: 1, max: 3600 });
  const approval = readApprovalPolicy(env, problems, { ...DEFAULT_APPROVAL_POLICY, breakGlass: true });
  const isolationReminder = readReleaseReminder(env, problems);
  const digest = digestSettings(read, problems);
  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    settings: {
      port, logLevel, actionPollIntervalMs: actionPollSeconds * 1000, notifyIntervalMs: notifySeconds * 1000, storylineIntervalMs: storylineSeconds * 1000,
      approval,
      isolationReminder,
      digest,
    },
  };
}

export function loadConfig(env: NodeJS.ProcessEnv): ConfigResult {
  const problems: string[] = [];
  const read = (name: string) => env[name]?.trim() ?? '';
  const required = (name: string, hint: string) => {
    const value = read(name);
    if (!value) problems.push(`${name} is missing: ${hint}`);
    return value;
  };

  const appId = required('MICROSOFT_APP_ID', 'the Application (client) ID of the bot\'s Entra app registration (Azure portal > Azure Bot > Configuration), a GUID.');
  if (appId && !GUID.test(appId)) problems.push(`MICROSOFT_APP_ID must be a GUID like 00000000-0000-0000-0000-000000000000 (got "${appId}").`);
  const appPassword = required('MICROSOFT_APP_PASSWORD', 'a client secret of the bot\'s app registration (Entra ID > App registrations > Certificates & secrets; use the secret\'s Value, not its ID).');
  const tenantId = required('MICROSOFT_APP_TENANT_ID', 'the Directory (tenant) ID of your Entra tenant, a GUID (Entra ID > Overview).');
  if (tenantId && !GUID.test(tenantId)) problems.push(`MICROSOFT_APP_TENANT_ID must be a GUID (got "${tenantId}").`);
  const appType = read('MICROSOFT_APP_TYPE') || 'SingleTenant';
  if (appType !== 'SingleTenant') problems.push(`MICROSOFT_APP_TYPE must be SingleTenant (got "${appType}"): new multi-tenant bot registrations are being retired.`);

  const cardSigningSecret = required('CARD_SIGNING_SECRET', 'a random secret of at least 32 characters that signs card buttons, e.g. the output of `openssl rand -base64 48`. Use the same value on every replica.');
  if (cardSigningSecret && cardSigningSecret.length < 32) problems.push('CARD_SIGNING_SECRET must be at least 32 characters long.');

  const port = numberSetting(read('PORT') || '3978', 'PORT', problems, { min: 1, max: 65535 });
  const actionPollSeconds = numberSetting(read('ACTION_POLL_SECONDS') || '10', 'ACTION_POLL_SECONDS', problems, { min: 1, max: 300 });
  const regionName = (read('DEFENDER_REGION') || 'global').toLowerCase();
  const region = DEFENDER_REGIONS[regionName];
  if (UNSUPPORTED_REGIONS[regionName]) problems.push(UNSUPPORTED_REGIONS[regionName]);
  else if (!region) problems.push(`DEFENDER_REGION "${regionName}" is not known. Valid values: ${Object.keys(DEFENDER_REGIONS).join(', ')}.`);
  const defaults = region ?? DEFENDER_REGIONS.global;
  const authorityHost = urlSetting(read('ENTRA_AUTHORITY_HOST') || defaults.authorityHost, 'ENTRA_AUTHORITY_HOST', problems);
  const defenderApiUrl = urlSetting(read('DEFENDER_API_URL') || defaults.apiUrl, 'DEFENDER_API_URL', problems);
  const tokenResource = urlSetting(read('DEFENDER_TOKEN_RESOURCE') || defaults.tokenResource, 'DEFENDER_TOKEN_RESOURCE', problems);
  const graphHost = GRAPH_HOSTS[regionName] ?? GRAPH_HOSTS.global;
  const graphApiUrl = urlSetting(read('GRAPH_API_URL') || graphHost, 'GRAPH_API_URL', problems);
  const publicUrl = required('BOT_PUBLIC_URL', 'the bot\'s public HTTPS address, e.g. https://chatops.contoso.com: Teams opens the sign-in page there (its host must be in the app package\'s validDomains) and `<address>/auth/end` is the Entra app\'s redirect URI.')
    ? urlSetting(read('BOT_PUBLIC_URL'), 'BOT_PUBLIC_URL', problems) : undefined;
  const tokenCacheKey = tokenCacheKeySetting(read('TOKEN_CACHE_KEY'), problems);
  const channel = channelSetting(read('BOT_CHANNEL_OPENID_METADATA_URL'), read('BOT_CHANNEL_TOKEN_ISSUER'), problems);
  const databaseUrl = read('DATABASE_URL') || undefined;
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    problems.push('DATABASE_URL must be a PostgreSQL URL like postgres://user:password@host:5432/database (or leave it empty to use the embedded SQLite file).');
  }
  const allowedTenants = (read('ALLOWED_TENANTS') || tenantId).split(',').map((id) => id.trim().toLowerCase()).filter(Boolean);
  const badTenants = allowedTenants.filter((id) => !GUID.test(id));
  if (read('ALLOWED_TENANTS') && badTenants.length > 0) {
    problems.push(`ALLOWED_TENANTS must be a comma-separated list of tenant ids (GUIDs); not GUIDs: ${badTenants.join(', ')}.`);
  }
  const logLevel = read('LOG_LEVEL') || 'info';
  if (!LOG_LEVELS.includes(logLevel)) problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')} (got "${logLevel}").`);
  const notifySeconds = numberSetting(read('NOTIFY_INTERVAL_SECONDS') || '60', 'NOTIFY_INTERVAL_SECONDS', problems, { min: 5, max: 3600 });
  const digest = digestSettings(read, problems);
  // Checked here to be reported with the rest; the entry point starts telemetry from the same settings.
  readTelemetrySettings(env, port, problems);
  const auditDays = numberSetting(read('AUDIT_RETENTION_DAYS') || String(DEFAULT_RETENTION.auditDays), 'AUDIT_RETENTION_DAYS', problems, { min: 1, max: 3650 });
  const notificationDays = numberSetting(
    read('NOTIFICATION_RETENTION_DAYS') || String(DEFAULT_RETENTION.notificationDays), 'NOTIFICATION_RETENTION_DAYS', problems, { min: 1, max: 3650 },
  );
  const approval = readApprovalPolicy(env, problems);
  const isolationReminder = readReleaseReminder(env, problems);

  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    config: {
      port,
      bot: { appId, appPassword, tenantId },
      entra: { authorityHost, ...knownAuthority(authorityHost) },
      botFrameworkCloud: defaults.botFrameworkCloud,
      ...(channel ? { channel } : {}),
      defender: { apiUrl: defenderApiUrl, tokenResource },
      graph: { apiUrl: graphApiUrl, tokenResource: graphHost },
      sso: { connectionName: read('SSO_CONNECTION_NAME') || 'DefenderSso', resourceUri: `api://botid-${appId}` },
      cardSigningSecret,
      publicUrl,
      tokenCacheKey,
      actionPollIntervalMs: actionPollSeconds * 1000,
      storage: { databaseUrl, sqlitePath: read('SQLITE_PATH') || 'data/chatops.db' },
      notifier: { pollIntervalMs: notifySeconds * 1000, digest },
      retention: { auditDays, notificationDays },
      allowedTenants,
      logLevel,
      approval,
      isolationReminder,
    },
  };
}

const TOKEN_CACHE_KEY_BYTES = 32;

/** The token cache's encryption key: 32 bytes, base64 (the same on every replica). */
function tokenCacheKeySetting(value: string, problems: string[]): Buffer {
  const hint = 'generate one with `openssl rand -base64 32` and give every replica the same value (changing it signs everyone out once).';
  if (!value) {
    problems.push(`TOKEN_CACHE_KEY is missing: the key that encrypts the users' Defender tokens in the store; ${hint}`);
    return Buffer.alloc(0);
  }
  const key = /^[A-Za-z0-9+/_-]+={0,2}$/.test(value) ? Buffer.from(value, 'base64') : Buffer.alloc(0);
  if (key.length !== TOKEN_CACHE_KEY_BYTES) {
    problems.push(`TOKEN_CACHE_KEY must be ${TOKEN_CACHE_KEY_BYTES} random bytes in base64 (44 characters; got ${key.length} bytes): ${hint}`);
  }
  return key;
}

/** When a storm of alerts goes into one digest card per conversation (see notify/storm-digest.ts). */
function digestSettings(read: (name: string) => string, problems: string[]): DigestSettings {
  const defaults = DEFAULT_DIGEST_SETTINGS;
  const after = read('DIGEST_AFTER_CARDS').toLowerCase();
  const afterCards = after === 'off' ? 0 : numberSetting(after || String(defaults.afterCards), 'DIGEST_AFTER_CARDS (or "off")', problems, { min: 1, max: 1000 });
  const minutes = numberSetting(read('DIGEST_WINDOW_MINUTES') || String(defaults.windowMs / 60_000), 'DIGEST_WINDOW_MINUTES', problems, { min: 1, max: 1440 });
  const bypass = read('DIGEST_BYPASS_SEVERITY') || defaults.bypassSeverity;
  const bypassSeverity = parseSeverity(bypass);
  if (!bypassSeverity) problems.push(`DIGEST_BYPASS_SEVERITY must be one of ${SUBSCRIBABLE_SEVERITIES.join(', ')} (got "${bypass}").`);
  return { afterCards, windowMs: minutes * 60_000, bypassSeverity: bypassSeverity ?? defaults.bypassSeverity };
}

function numberSetting(value: string, name: string, problems: string[], range: { min: number; max: number }): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < range.min || number > range.max) {
    problems.push(`${name} must be a whole number from ${range.min} to ${range.max} (got "${value}").`);
  }
  return number;
}

function urlSetting(value: string, name: string, problems: string[]): string {
  try {
    const url = new URL(value);
    if (url.protocol !== 'https:') problems.push(`${name} must be an https:// URL (got "${value}").`);
  } catch {
    problems.push(`${name} must be an https:// URL (got "${value}").`);
  }
  return value.replace(/\/+$/, '');
}

function knownAuthority(authorityHost: string): { knownAuthorities?: string[] } {
  try {
    const { host } = new URL(authorityHost);
    return isMicrosoftLoginHost(host) ? {} : { knownAuthorities: [host] };
  } catch {
    return {};
  }
}

/** A non-Microsoft channel (the local twin) is trusted only when both of its settings are given. */
function channelSetting(openIdMetadataUrl: string, tokenIssuer: string, problems: string[]): BotConfig['channel'] {
  if (!openIdMetadataUrl && !tokenIssuer) return undefined;
  if (!openIdMetadataUrl || !tokenIssuer) {
    problems.push('BOT_CHANNEL_OPENID_METADATA_URL and BOT_CHANNEL_TOKEN_ISSUER go together (only for a channel other than Microsoft\'s, e.g. the local twin); set both or neither.');
    return undefined;
  }
  return { openIdMetadataUrl: urlSetting(openIdMetadataUrl, 'BOT_CHANNEL_OPENID_METADATA_URL', problems), tokenIssuer };
}
