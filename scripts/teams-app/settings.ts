/**
 * Environment -> what the Teams app package needs. Only the bot's app id and public address are
 * required; packaging does not need the bot's secrets. Every problem is reported at once.
 */
import { GUID } from '../../src/config';

export interface PackageSettings {
  /** The bot's Entra app id: Teams app id, bot id and SSO (webApplicationInfo) id. */
  appId: string;
  /** Host name of BOT_PUBLIC_URL, for validDomains. */
  botDomain: string;
  developerName: string;
  websiteUrl: string;
  privacyUrl: string;
  termsUrl: string;
}

export type SettingsResult = { ok: true; settings: PackageSettings } | { ok: false; problems: string[] };

const DEFAULT_DEVELOPER_NAME = 'Security Operations';
/** The manifest schema's limit for developer.name. */
const DEVELOPER_NAME_MAX = 32;

export function readPackageSettings(env: NodeJS.ProcessEnv): SettingsResult {
  const problems: string[] = [];
  const read = (name: string) => env[name]?.trim() ?? '';

  const appId = read('MICROSOFT_APP_ID');
  if (!appId) {
    problems.push('MICROSOFT_APP_ID is missing: the Application (client) ID of the bot\'s Entra app registration (Azure portal > Azure Bot > Configuration), a GUID.');
  } else if (!GUID.test(appId)) {
    problems.push(`MICROSOFT_APP_ID must be a GUID like 00000000-0000-0000-0000-000000000000 (got "${appId}").`);
  }

  const publicUrl = read('BOT_PUBLIC_URL');
  if (!publicUrl) {
    problems.push('BOT_PUBLIC_URL is missing: the public HTTPS address of the bot, e.g. https://chatops.contoso.com (its host goes into the manifest\'s validDomains).');
  }
  const botUrl = publicUrl ? httpsUrl(publicUrl, 'BOT_PUBLIC_URL', problems) : undefined;

  const developerName = read('TEAMS_APP_DEVELOPER_NAME') || DEFAULT_DEVELOPER_NAME;
  if (developerName.length > DEVELOPER_NAME_MAX) {
    problems.push(`TEAMS_APP_DEVELOPER_NAME must be at most ${DEVELOPER_NAME_MAX} characters (got ${developerName.length}).`);
  }
  const optionalUrl = (name: string) => {
    const value = read(name);
    return value ? httpsUrl(value, name, problems)?.href : botUrl?.href;
  };
  const websiteUrl = optionalUrl('TEAMS_APP_WEBSITE_URL');
  const privacyUrl = optionalUrl('TEAMS_APP_PRIVACY_URL');
  const termsUrl = optionalUrl('TEAMS_APP_TERMS_URL');

  if (problems.length > 0 || !botUrl || !websiteUrl || !privacyUrl || !termsUrl) return { ok: false, problems };
  return { ok: true, settings: { appId, botDomain: botUrl.hostname, developerName, websiteUrl, privacyUrl, termsUrl } };
}

function httpsUrl(value: string, name: string, problems: string[]): URL | undefined {
  try {
    const url = new URL(value);
    if (url.protocol === 'https:') return url;
  } catch {
    // reported below
  }
  problems.push(`${name} must be an https:// URL (got "${value}").`);
  return undefined;
}
