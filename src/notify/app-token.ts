import type { ConfidentialClientApplication } from '@azure/msal-node';
import type { AccessTokenSource } from '../defender/client';

/**
 * The app's own Defender token (client credentials; the registration grants it read-only
 * application permissions). msal caches it and asks Entra again shortly before it expires.
 */
export function appTokenSource(msal: ConfidentialClientApplication, resource: string): AccessTokenSource {
  const scopes = [`${resource}/.default`];
  return async () => {
    const result = await msal.acquireTokenByClientCredential({ scopes });
    if (!result?.accessToken) throw new Error(`Entra issued no app token for ${resource}`);
    return result.accessToken;
  };
}
