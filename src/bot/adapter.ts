import type { ConfidentialClientApplication } from '@azure/msal-node';
import {
  CloudAdapter, ConfigurationBotFrameworkAuthentication, type ConfigurationBotFrameworkAuthenticationOptions, StatusCodes, type Activity,
} from 'botbuilder';
import {
  AuthenticationError, MsalServiceClientCredentialsFactory, type AuthenticateRequestResult,
  type ClaimsIdentity, type ConnectorFactory, type UserTokenClient,
} from 'botframework-connector';
import { JsonWebTokenError } from 'jsonwebtoken';
import { isMicrosoftLoginHost } from '../identity/authorities';
import { createMsalClient } from '../identity/msal-client';
import { CONNECTOR_IDLE_SOCKET_MS, ConnectorConnections } from './connector-connections';
import { ReusedClients } from './reused-clients';

/**
 * The bot's Bot Framework settings, under botbuilder's own configuration keys. The channel
 * endpoints default to the Azure public cloud; pointing them elsewhere (the local twin) changes
 * where the keys and tokens come from, never what is checked.
 */
export interface BotAuthSettings {
  MicrosoftAppId: string;
  MicrosoftAppPassword: string;
  /** The bot is single-tenant: its outbound tokens come from this tenant. */
  MicrosoftAppTenantId: string;
  ToBotFromChannelOpenIdMetadataUrl?: string;
  ToBotFromChannelTokenIssuer?: string;
  /** The authority of the bot's tenant, default `https://login.microsoftonline.com/<tenant>`. */
  ToChannelFromBotLoginUrl?: string;
  ToChannelFromBotOAuthScope?: string;
}

/**
 * The Bot Framework channel of each cloud a Teams bot can live in (botframework-connector's
 * AuthenticationConstants and GovernmentConstants): where the channel's signing keys are, who
 * issues its tokens, and the audience of the bot's own tokens for the connector.
 */
export const BOT_FRAMEWORK_CLOUDS = {
  public: {
    ToBotFromChannelOpenIdMetadataUrl: 'https://login.botframework.com/v1/.well-known/openidconfiguration',
    ToBotFromChannelTokenIssuer: 'https://api.botframework.com',
    ToChannelFromBotOAuthScope: 'https://api.botframework.com',
    loginHost: 'https://login.microsoftonline.com',
  },
  usGovernment: {
    ToBotFromChannelOpenIdMetadataUrl: 'https://login.botframework.azure.us/v1/.well-known/openidconfiguration',
    ToBotFromChannelTokenIssuer: 'https://api.botframework.us',
    ToChannelFromBotOAuthScope: 'https://api.botframework.us',
    loginHost: 'https://login.microsoftonline.us',
  },
} as const;

export type BotFrameworkCloud = keyof typeof BOT_FRAMEWORK_CLOUDS;

const AZURE_PUBLIC_CHANNEL = BOT_FRAMEWORK_CLOUDS.public;

/**
 * A CloudAdapter that validates every inbound activity with botbuilder's channel validation and
 * gets its outbound Bot Framework token with msal-node (client credentials in the bot's tenant).
 * `msalClient` lets the bot share one confidential client with its on-behalf-of flows;
 * `connectorIdleSocketMs` how long a connection to the connector may stay idle (connector-connections.ts).
 */
export function createCloudAdapter(
  settings: BotAuthSettings, msalClient?: ConfidentialClientApplication, connectorIdleSocketMs = CONNECTOR_IDLE_SOCKET_MS,
): CloudAdapter {
  const { options, credentials } = botFrameworkAuthenticationSettings(settings, msalClient);
  return new CloudAdapter(new StrictBotFrameworkAuthentication(options, credentials)).use(new ConnectorConnections(connectorIdleSocketMs));
}

/** botbuilder's ConfigurationBotFrameworkAuthentication settings for the bot, and its msal-node credentials. */
export function botFrameworkAuthenticationSettings(
  settings: BotAuthSettings, msalClient?: ConfidentialClientApplication,
): { options: ConfigurationBotFrameworkAuthenticationOptions; credentials: MsalServiceClientCredentialsFactory } {
  const loginUrl = settings.ToChannelFromBotLoginUrl
    ?? `${AZURE_PUBLIC_CHANNEL.loginHost}/${settings.MicrosoftAppTenantId}`;
  const loginHost = new URL(loginUrl).host;
  const isMicrosoftLogin = isMicrosoftLoginHost(loginHost);
  const client = msalClient ?? createMsalClient({
    clientId: settings.MicrosoftAppId,
    clientSecret: settings.MicrosoftAppPassword,
    authority: loginUrl,
    knownAuthorities: isMicrosoftLogin ? undefined : [loginHost],
  });
  return {
    options: {
      MicrosoftAppId: settings.MicrosoftAppId,
      MicrosoftAppPassword: settings.MicrosoftAppPassword,
      MicrosoftAppType: 'SingleTenant',
      MicrosoftAppTenantId: settings.MicrosoftAppTenantId,
      ToBotFromChannelOpenIdMetadataUrl:
        settings.ToBotFromChannelOpenIdMetadataUrl ?? AZURE_PUBLIC_CHANNEL.ToBotFromChannelOpenIdMetadataUrl,
      ToBotFromChannelTokenIssuer: settings.ToBotFromChannelTokenIssuer ?? AZURE_PUBLIC_CHANNEL.ToBotFromChannelTokenIssuer,
      ToChannelFromBotLoginUrl: loginUrl,
      ToChannelFromBotOAuthScope: settings.ToChannelFromBotOAuthScope ?? AZURE_PUBLIC_CHANNEL.ToChannelFromBotOAuthScope,
      ValidateAuthority: isMicrosoftLogin,
    },
    // botframework-connector is typed against its own (older) msal-node; it only calls
    // acquireTokenByClientCredential, which both versions share.
    credentials: new MsalServiceClientCredentialsFactory(
      settings.MicrosoftAppId,
      client as unknown as ConstructorParameters<typeof MsalServiceClientCredentialsFactory>[1],
    ),
  };
}

/**
 * botbuilder lets jsonwebtoken's own errors (a bad signature, a token not yet valid) escape channel
 * validation as plain errors, which CloudAdapter answers with 500. They are authentication failures:
 * rethrown as AuthenticationError, CloudAdapter answers 401. Other errors (e.g. the channel's keys
 * cannot be fetched) stay server errors. Turns and proactive messages reuse their clients (reused-clients.ts).
 */
class StrictBotFrameworkAuthentication extends ConfigurationBotFrameworkAuthentication {
  private readonly clients = new ReusedClients();

  override async authenticateRequest(activity: Activity, authHeader: string): Promise<AuthenticateRequestResult> {
    return this.clients.authenticated(await asAuthenticationFailure(super.authenticateRequest(activity, authHeader)));
  }

  override async authenticateStreamingRequest(authHeader: string, channelIdHeader: string): Promise<AuthenticateRequestResult> {
    return this.clients.authenticated(await asAuthenticationFailure(super.authenticateStreamingRequest(authHeader, channelIdHeader)));
  }

  override createConnectorFactory(claimsIdentity: ClaimsIdentity): ConnectorFactory {
    return this.clients.connectorFactory(claimsIdentity, super.createConnectorFactory(claimsIdentity));
  }

  override createUserTokenClient(claimsIdentity: ClaimsIdentity): Promise<UserTokenClient> {
    return this.clients.userTokenClient(claimsIdentity, () => super.createUserTokenClient(claimsIdentity));
  }

  override authenticateChannelRequest(authHeader: string): Promise<ClaimsIdentity> {
    return asAuthenticationFailure(super.authenticateChannelRequest(authHeader));
  }
}

async function asAuthenticationFailure<T>(validation: Promise<T>): Promise<T> {
  try {
    return await validation;
  } catch (error) {
    if (error instanceof JsonWebTokenError) {
      throw new AuthenticationError(`Unauthorized. ${error.message}`, StatusCodes.UNAUTHORIZED);
    }
    throw error;
  }
}
