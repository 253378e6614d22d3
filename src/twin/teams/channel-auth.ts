import type { TwinClock } from '../clock';
import { sendJson, type TwinRouter } from '../http-server';
import { SigningKeys } from '../signing-keys';

/** The Teams channel id, which the channel's keys must be endorsed for. */
export const TEAMS_CHANNEL_ID = 'msteams';

const TOKEN_LIFETIME_SECONDS = 3600;
const OPENID_PATH = '/v1/.well-known/openidconfiguration';
const JWKS_PATH = '/v1/.well-known/keys';

/**
 * The Bot Framework channel's side of channel → bot authentication: the keys that sign every
 * activity posted to the bot and the OpenID metadata + JWKS the bot's SDK reads them from.
 * The issuer is the twin's own base URL (it stands for https://api.botframework.com), so a bot
 * configured for the real channel can never accept the twin's tokens and vice versa.
 */
export class ChannelAuth {
  readonly issuer: string;
  readonly openIdMetadataUrl: string;
  readonly jwksUrl: string;
  readonly keys = new SigningKeys('teams-channel', { endorsements: [TEAMS_CHANNEL_ID] });

  constructor(baseUrl: string, private readonly botAppId: string, private readonly clock: TwinClock) {
    this.issuer = baseUrl;
    this.openIdMetadataUrl = `${baseUrl}${OPENID_PATH}`;
    this.jwksUrl = `${baseUrl}${JWKS_PATH}`;
  }

  registerRoutes(router: TwinRouter): void {
    router.on('GET', OPENID_PATH, (_req, res) =>
      sendJson(res, 200, {
        issuer: this.issuer,
        authorization_endpoint: `${this.issuer}/v1/authorize`,
        jwks_uri: this.jwksUrl,
        id_token_signing_alg_values_supported: ['RS256'],
        token_endpoint_auth_methods_supported: ['private_key_jwt'],
      }),
    );
    router.on('GET', JWKS_PATH, (_req, res) => sendJson(res, 200, this.keys.jwks()));
  }

  /** The claims the real channel puts in the token of an activity bound for `serviceUrl`. */
  activityClaims(serviceUrl: string): Record<string, unknown> {
    const now = this.clock.nowSeconds();
    return { serviceurl: serviceUrl, nbf: now, exp: now + TOKEN_LIFETIME_SECONDS, iss: this.issuer, aud: this.botAppId };
  }

  /** The token the channel sends with an activity bound for `serviceUrl`. */
  activityToken(serviceUrl: string): string {
    return this.keys.sign(this.activityClaims(serviceUrl));
  }

  /**
   * Publishes one more key with the given endorsements (a fresh kid: the bot's SDK caches keys by
   * kid) and returns its kid, for tokens signed with `sign(claims, kid)`.
   */
  addKey(endorsements: string[]): string {
    return this.keys.addKey({ endorsements });
  }

  /** Signs arbitrary claims with one of the published keys (the default key unless `kid`). */
  sign(claims: Record<string, unknown>, kid?: string): string {
    return this.keys.sign(claims, kid);
  }
}
