import { ConfidentialClientApplication } from '@azure/msal-node';
import { withDeadline } from '../deadline';

import { observeTokenRequests } from '../telemetry';

export interface MsalClientSettings {
  clientId: string;
  clientSecret: string;
  /** e.g. https://login.microsoftonline.com/<tenant id> */
  authority: string;
  /** Set only for a non-Microsoft authority (the local twin): msal then trusts it without instance discovery. */
  knownAuthorities?: string[];
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
    },
  });
  observeTokenRequests(msal);
  const onBehalfOf = msal.acquireTokenOnBehalfOf.bind(msal);
  const clientCredential = msal.acquireTokenByClientCredential.bind(msal);
  msal.acquireTokenOnBehalfOf = (request) => guarded(msal, onBehalfOf(request));
  msal.acquireTokenByClientCredential = (request) => guarded(msal, clientCredential(request));
  return msal;
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
