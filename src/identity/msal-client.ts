import { ConfidentialClientApplication, type ICachePlugin } from '@azure/msal-node';
import { withDeadline } from '../deadline';
import type { SealedTokenCache } from './token-cache';
import type { TeamsUser } from './user-tokens';

import { observeTokenRequests } from '../telemetry';

export interface MsalClientSettings {
  clientId: string;
  clientSecret: string;
  /** e.g. https://login.microsoftonline.com/<tenant id> */
  authority: string;
  /** Set only for a non-Microsoft authority (the local twin): msal then trusts it without instance discovery. */
  knownAuthorities?: string[];
  cachePlugin?: ICachePlugin;
  /** The authority's OpenID configuration (JSON), so that a new client does not fetch it again. */
  authorityMetadata?: string;
}

/** A token request that takes longer fails: the turn waiting for it must still answer Teams in time. */
export const TOKEN_REQUEST_DEADLINE_MS = 8000;

/**
 * The bot app's one confidential client: on-behalf-of for users, client credentials for the app.
 * Two guards on every token request: a deadline, and forgetting msal's throttle entries after a
 * failure. msal remembers a 429/5xx from Entra and refuses the same request for up to 60 s without
 * asking Entra; its key names no user for on-behalf-of, so one failed sign-in would block everyone's.
 */
export function createMsalClient(settings: MsalClientSettings): ConfidentialClientApplication {
  const msal = new ConfidentialClientApplication({
    auth: {
      clientId: settings.clientId,
      clientSecret: settings.clientSecret,
      authority: settings.authority,
      ...(settings.knownAuthorities ? { knownAuthorities: settings.knownAuthorities } : {}),
      ...(settings.authorityMetadata ? { authorityMetadata: settings.authorityMetadata } : {}),
    },
    ...(settings.cachePlugin ? { cache: { cachePlugin: settings.cachePlugin } } : {}),
  });
  observeTokenRequests(msal);
  const onBehalfOf = msal.acquireTokenOnBehalfOf.bind(msal);
  const clientCredential = msal.acquireTokenByClientCredential.bind(msal);
  const byCode = msal.acquireTokenByCode.bind(msal);
  msal.acquireTokenOnBehalfOf = (request) => guarded(msal, onBehalfOf(request));
  msal.acquireTokenByClientCredential = (request) => guarded(msal, clientCredential(request));
  msal.acquireTokenByCode = (request, payload) => guarded(msal, byCode(request, payload));
  return msal;
}

/**
 * A fresh msal client per user operation, whose cache is that user's partition of the shared sealed
 * cache: what it holds is exactly what the store holds (another replica's sign-out or eviction
 * shows at once). The authority's metadata is fetched once and handed to every client, and the
 * authority is declared known, so creating a client makes no request.
 */
export function userMsalClients(settings: MsalClientSettings, cache: SealedTokenCache): (user: TeamsUser) => Promise<ConfidentialClientApplication> {
  let metadata: Promise<string> | undefined;
  const authorityMetadata = () => {
    metadata ??= fetchAuthorityMetadata(settings.authority).catch((error: unknown) => {
      metadata = undefined;
      throw error;
    });
    return metadata;
  };
  return async (user) => createMsalClient({
    ...settings,
    knownAuthorities: settings.knownAuthorities ?? [new URL(settings.authority).host],
    authorityMetadata: await authorityMetadata(),
    cachePlugin: cache.pluginFor(user),
  });
}

async function fetchAuthorityMetadata(authority: string): Promise<string> {
  const url = `${authority}/v2.0/.well-known/openid-configuration`;
  const response = await withDeadline(fetch(url), TOKEN_REQUEST_DEADLINE_MS, `Entra ID did not answer within ${TOKEN_REQUEST_DEADLINE_MS / 1000} s`);
  if (!response.ok) throw new Error(`Entra ID answered ${response.status} for ${url}`);
  return response.text();
}

async function guarded<T>(msal: ConfidentialClientApplication, request: Promise<T>): Promise<T> {
  try {
    return await withDeadline(request, TOKEN_REQUEST_DEADLINE_MS, `Entra ID did not answer within ${TOKEN_REQUEST_DEADLINE_MS / 1000} s`);
  } catch (error) {
    forgetThrottling(msal);
    throw error;
  }
}

/** msal-node keeps its throttle entries in the client's storage under keys starting with "throttling". */
function forgetThrottling(msal: ConfidentialClientApplication): void {
  const storage = (msal as unknown as { storage?: { getKeys(): string[]; removeItem(key: string): void } }).storage;
  for (const key of storage?.getKeys() ?? []) if (key.startsWith('throttling')) storage?.removeItem(key);
}
