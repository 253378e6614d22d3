import { ConfidentialClientApplication } from '@azure/msal-node';

export interface MsalClientSettings {
  clientId: string;
  clientSecret: string;
  /** e.g. https://login.microsoftonline.com/<tenant id> */
  authority: string;
  /** Set only for a non-Microsoft authority (the local twin): msal then trusts it without instance discovery. */
  knownAuthorities?: string[];
}

/** The bot app's one confidential client: on-behalf-of for users, client credentials for the app. */
export function createMsalClient(settings: MsalClientSettings): ConfidentialClientApplication {
  return new ConfidentialClientApplication({
    auth: {
      clientId: settings.clientId,
      clientSecret: settings.clientSecret,
      authority: settings.authority,
      ...(settings.knownAuthorities ? { knownAuthorities: settings.knownAuthorities } : {}),
    },
  });
}
