import fs from 'node:fs';
import path from 'node:path';
import { CREDENTIAL_SETTINGS, LOCAL_MODE_SETTINGS, loadConfig, PRODUCTION_SETTINGS, productionSignals } from '../src/config';

const VALID = {
  MICROSOFT_APP_ID: '4a9d2c71-6e3b-4f05-b8d2-0c7e15a9f3e6',
  MICROSOFT_APP_PASSWORD: 'secret-value',
  MICROSOFT_APP_TENANT_ID: '7f3c1a52-9d4e-4b8a-a1c6-2e5f80d4b913',
  CARD_SIGNING_SECRET: 'x'.repeat(40),
  BOT_PUBLIC_URL: 'https://chatops.contoso.com',
  TOKEN_CACHE_KEY: Buffer.alloc(32, 7).toString('base64'),
};

function problemsWith(env: Record<string, string>): string[] {
  const result = loadConfig(env);
  return result.ok ? [] : result.problems;
}

describe('configuration from the environment', () => {
  it('accepts a minimal real configuration with Microsoft defaults', () => {
    const result = loadConfig(VALID);
    if (!result.ok) throw new Error(result.problems.join('\n'));
    expect(result.config).toMatchObject({
      port: 3978,
      entra: { authorityHost: 'https://login.microsoftonline.com' },
      botFrameworkCloud: 'public',
      defender: { apiUrl: 'https://api.securitycenter.microsoft.com', tokenResource: 'https://api.securitycenter.microsoft.com' },
      sso: { resourceUri: `api://botid-${VALID.MICROSOFT_APP_ID}` },
      storage: { sqlitePath: 'data/chatops.db' },
      notifier: { pollIntervalMs: 60_000 },
      allowedTenants: [VALID.MICROSOFT_APP_TENANT_ID],
      logLevel: 'info',
    });
    expect(result.config.entra.knownAuthorities).toBeUndefined();
    expect(result.config.channel).toBeUndefined();
  });

  it.each([
    ['MICROSOFT_APP_ID', /MICROSOFT_APP_ID is missing.*Application \(client\) ID/],
    ['MICROSOFT_APP_PASSWORD', /MICROSOFT_APP_PASSWORD is missing.*secret's Value/],
    ['MICROSOFT_APP_TENANT_ID', /MICROSOFT_APP_TENANT_ID is missing.*Directory \(tenant\) ID/],
    ['CARD_SIGNING_SECRET', /CARD_SIGNING_SECRET is missing.*openssl rand/],
    ['BOT_PUBLIC_URL', /BOT_PUBLIC_URL is missing.*validDomains.*\/auth\/end/],
    ['TOKEN_CACHE_KEY', /TOKEN_CACHE_KEY is missing.*openssl rand -base64 32/],
  ])('names a missing %s and where to find it', (name, message) => {
    const env: Record<string, string> = { ...VALID };
    delete env[name];
    const problems = problemsWith(env);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(message);
  });

  it.each([
    ['MICROSOFT_APP_ID', 'not-a-guid', /MICROSOFT_APP_ID must be a GUID/],
    ['MICROSOFT_APP_TENANT_ID', 'contoso.com', /MICROSOFT_APP_TENANT_ID must be a GUID/],
    ['MICROSOFT_APP_TYPE', 'MultiTenant', /MICROSOFT_APP_TYPE must be SingleTenant/],
    ['CARD_SIGNING_SECRET', 'short', /at least 32 characters/],
    ['PORT', '70000', /PORT must be a whole number from 1 to 65535/],
    ['ACTION_POLL_SECONDS', '0', /ACTION_POLL_SECONDS must be a whole number/],
    ['NOTIFY_INTERVAL_SECONDS', 'often', /NOTIFY_INTERVAL_SECONDS must be a whole number/],
    ['DEFENDER_API_URL', 'http://api.securitycenter.microsoft.com', /DEFENDER_API_URL must be an https:\/\/ URL/],
    ['DEFENDER_TOKEN_RESOURCE', 'securitycenter', /DEFENDER_TOKEN_RESOURCE must be an https:\/\/ URL/],
    ['ENTRA_AUTHORITY_HOST', 'login', /ENTRA_AUTHORITY_HOST must be an https:\/\/ URL/],
    ['BOT_PUBLIC_URL', 'chatops.contoso.com', /BOT_PUBLIC_URL must be an https:\/\/ URL/],
    ['TOKEN_CACHE_KEY', Buffer.alloc(16, 1).toString('base64'), /TOKEN_CACHE_KEY must be 32 random bytes in base64.*got 16 bytes/],
    ['TOKEN_CACHE_KEY', 'not base64!', /TOKEN_CACHE_KEY must be 32 random bytes/],
    ['DATABASE_URL', 'mysql://db/chatops', /DATABASE_URL must be a PostgreSQL URL/],
    ['BOT_CHANNEL_OPENID_METADATA_URL', 'https://twin.example/v1/.well-known/openidconfiguration', /go together/],
    ['ALLOWED_TENANTS', 'contoso.com,7f3c1a52-9d4e-4b8a-a1c6-2e5f80d4b913', /ALLOWED_TENANTS must be a comma-separated list of tenant ids.*contoso\.com/],
    ['LOG_LEVEL', 'verbose', /LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent/],
    ['DIGEST_AFTER_CARDS', 'many', /DIGEST_AFTER_CARDS \(or "off"\) must be a whole number from 1 to 1000/],
    ['DIGEST_WINDOW_MINUTES', '0', /DIGEST_WINDOW_MINUTES must be a whole number from 1 to 1440/],
    ['DIGEST_BYPASS_SEVERITY', 'Critical', /DIGEST_BYPASS_SEVERITY must be one of Informational, Low, Medium, High \(got "Critical"\)/],
  ])('names a malformed %s and what it should look like', (name, value, message) => {
    const problems = problemsWith({ ...VALID, [name]: value });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(message);
  });

  it('storm digests: 10 cards in 5 minutes, High bypasses, by default; off, or other values when set', () => {
    const defaults = loadConfig(VALID);
    expect(defaults.ok && defaults.config.notifier.digest).toEqual({ afterCards: 10, windowMs: 300_000, bypassSeverity: 'High' });
    const set = loadConfig({ ...VALID, DIGEST_AFTER_CARDS: 'off', DIGEST_WINDOW_MINUTES: '15', DIGEST_BYPASS_SEVERITY: 'medium' });
    expect(set.ok && set.config.notifier.digest).toEqual({ afterCards: 0, windowMs: 900_000, bypassSeverity: 'Medium' });
  });

  it('lists the valid regions for an unknown DEFENDER_REGION', () => {
    const problems = problemsWith({ ...VALID, DEFENDER_REGION: 'mars' });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/DEFENDER_REGION "mars" is not known\. Valid values: global, us, eu, uk, au, swa, ina, aea, gcc, gcc-high\./);
  });

  it.each([
    ['eu', 'https://eu.api.security.microsoft.com', 'https://api.securitycenter.microsoft.com', 'https://login.microsoftonline.com'],
    ['gcc', 'https://api-gcc.securitycenter.microsoft.us', 'https://api-gcc.securitycenter.microsoft.us', 'https://login.microsoftonline.com'],
    ['gcc-high', 'https://api-gov.securitycenter.microsoft.us', 'https://api-gov.securitycenter.microsoft.us', 'https://login.microsoftonline.us'],
  ])('DEFENDER_REGION %s picks the API host, token resource and sign-in cloud', (region, apiUrl, tokenResource, authorityHost) => {
    const result = loadConfig({ ...VALID, DEFENDER_REGION: region });
    if (!result.ok) throw new Error(result.problems.join('\n'));
    expect(result.config.defender).toEqual({ apiUrl, tokenResource });
    expect(result.config.entra.authorityHost).toBe(authorityHost);
  });

  it.each([
    ['global', 'https://graph.microsoft.com'], ['eu', 'https://graph.microsoft.com'], ['gcc', 'https://graph.microsoft.com'],
    ['gcc-high', 'https://graph.microsoft.us'],
  ])('DEFENDER_REGION %s picks Microsoft Graph at %s (national cloud deployments)', (region, graphHost) => {
    const result = loadConfig({ ...VALID, DEFENDER_REGION: region });
    if (!result.ok) throw new Error(result.problems.join('\n'));
    expect(result.config.graph).toEqual({ apiUrl: graphHost, tokenResource: graphHost });
  });

  it('GRAPH_API_URL overrides the Graph host but not the token resource, and must be https', () => {
    const result = loadConfig({ ...VALID, GRAPH_API_URL: 'https://graph.contoso.test/' });
    if (!result.ok) throw new Error(result.problems.join('\n'));
    expect(result.config.graph).toEqual({ apiUrl: 'https://graph.contoso.test', tokenResource: 'https://graph.microsoft.com' });
    const bad = loadConfig({ ...VALID, GRAPH_API_URL: 'http://graph.microsoft.com' });
    expect(bad.ok ? [] : bad.problems).toEqual([expect.stringMatching(/GRAPH_API_URL must be an https:\/\/ URL/)]);
  });

  it('reads the two-person rule: defaults, lists, none, and a bad value names its setting', () => {
    const defaults = loadConfig(VALID);
    expect(defaults.ok && defaults.config.approval).toEqual({
      actions: ['isolate', 'restrict', 'quarantine'], tags: [], deviceGroups: [], expiryMinutes: 30, breakGlass: false,
    });
    const set = loadConfig({
      ...VALID, APPROVAL_ACTIONS: 'isolate, scan', APPROVAL_DEVICE_TAGS: 'DomainController, ProductionDB', APPROVAL_DEVICE_GROUPS: 'Servers',
      APPROVAL_EXPIRY_MINUTES: '15', APPROVAL_BREAK_GLASS: 'on',
    });
    expect(set.ok && set.config.approval).toEqual({
      actions: ['isolate', 'scan'], tags: ['DomainController', 'ProductionDB'], deviceGroups: ['Servers'], expiryMinutes: 15, breakGlass: true,
    });
    const off = loadConfig({ ...VALID, APPROVAL_ACTIONS: 'none' });
    expect(off.ok && off.config.approval?.actions).toEqual([]);
    expect(problemsWith({ ...VALID, APPROVAL_EXPIRY_MINUTES: '0' })).toEqual([expect.stringMatching(/^APPROVAL_EXPIRY_MINUTES must be a whole number from 1 to 1440/)]);
    expect(problemsWith({ ...VALID, APPROVAL_BREAK_GLASS: 'yes' })).toEqual([expect.stringMatching(/^APPROVAL_BREAK_GLASS must be on or off/)]);
    expect(problemsWith({ ...VALID, APPROVAL_ACTIONS: 'isolate;drop table' })).toEqual([expect.stringMatching(/^APPROVAL_ACTIONS must be "none" or/)]);
  });

  it('reports every problem at once', () => {
    expect(problemsWith({ PORT: 'x' })).toHaveLength(7);
  });

  it('declares a non-Microsoft authority (the twin) as known, and a twin channel when both of its settings are given', () => {
    const result = loadConfig({
      ...VALID,
      ENTRA_AUTHORITY_HOST: 'https://127.0.0.1:4443',
      BOT_CHANNEL_OPENID_METADATA_URL: 'https://127.0.0.1:4444/v1/.well-known/openidconfiguration',
      BOT_CHANNEL_TOKEN_ISSUER: 'https://127.0.0.1:4444',
    });
    if (!result.ok) throw new Error(result.problems.join('\n'));
    expect(result.config.entra.knownAuthorities).toEqual(['127.0.0.1:4443']);
    expect(result.config.channel).toEqual({
      openIdMetadataUrl: 'https://127.0.0.1:4444/v1/.well-known/openidconfiguration', tokenIssuer: 'https://127.0.0.1:4444',
    });
  });

  it('chooses local mode only when nothing production-like is set; empty values are not set', () => {
    expect(productionSignals({})).toEqual([]);
    expect(productionSignals({ MICROSOFT_APP_ID: ' ', DATABASE_URL: '', PORT: '4000', LOG_LEVEL: 'debug', NODE_ENV: 'development' })).toEqual([]);
    expect(productionSignals({ MICROSOFT_APP_TENANT_ID: VALID.MICROSOFT_APP_TENANT_ID })).toEqual(['MICROSOFT_APP_TENANT_ID']);
    expect(productionSignals({ BOT_PUBLIC_URL: 'https://bot.example', NODE_ENV: 'Production' })).toEqual(['BOT_PUBLIC_URL', 'NODE_ENV=production']);
  });

  it('every setting in .env.example is either production-like or one local mode may have', () => {
    const names = [...fs.readFileSync(path.join(__dirname, '..', '.env.example'), 'utf8').matchAll(/^#? ?([A-Z][A-Z0-9_]+)=/gm)].map((match) => match[1]);
    const classified = new Set<string>([...CREDENTIAL_SETTINGS, ...PRODUCTION_SETTINGS, ...LOCAL_MODE_SETTINGS]);
    expect(names.length).toBeGreaterThan(10);
    expect(names.filter((name) => !classified.has(name))).toEqual([]);
  });
});
