import { type AuthenticationResult, type ConfidentialClientApplication, InteractionRequiredAuthError, type JsonCache } from '@azure/msal-node';
import jwt from 'jsonwebtoken';
import type { SealedTokenCache } from './token-cache';

/** The Teams user a turn comes from: Entra object id and tenant, as Teams puts them on the activity. */
export interface TeamsUser {
  aadObjectId: string;
  tenantId: string;
}

/** A delegated Defender token of one user, obtained on their behalf. */
export interface UserDefenderToken {
  accessToken: string;
  expiresOnMs: number;
  oid: string;
  upn: string;
  name: string;
}

export type ExchangeOutcome =
  | { ok: true; token: UserDefenderToken }
  | { ok: false; reason: 'consent_required' | 'invalid_token' | 'wrong_user' | 'unavailable'; detail: string }
  /** Conditional Access wants more (e.g. MFA): only an interactive sign-in with these claims helps. */
  | { ok: false; reason: 'interaction_required'; detail: string; claims: string };

/** Tokens this close to expiry are not handed out: a Defender call must not start with a dying token (msal renews them). */
const EXPIRY_MARGIN_MS = 5 * 60 * 1000;
/** Users whose last token this replica keeps at hand (the most recently used). */
const HELD_TOKENS = 5000;

/** One user's msal client, whose token cache is that user's partition of the shared, sealed cache. */
export type UserMsalClients = (user: TeamsUser) => Promise<ConfidentialClientApplication>;

/**
 * Exchanges a user's Teams SSO token for a delegated Defender token (on-behalf-of), or redeems their
 * interactive sign-in's code, and keeps the result in msal's own token cache, shared by every
 * replica (see token-cache.ts), so later commands on any replica make no token request at all.
 */
export class UserTokenService {
  /** Exchanges under way, per user: Teams sends the same sign-in from each of a user's clients at once. */
  private readonly exchanging = new Map<string, Promise<ExchangeOutcome>>();
  /** The token `cached` last found per user, and the version of the user's sealed cache it was read from. */
  private readonly held = new Map<string, { version: string; token: UserDefenderToken }>();

  constructor(
    private readonly clientFor: UserMsalClients,
    private readonly cache: Pick<SealedTokenCache, 'evict' | 'version'>,
    private readonly defenderScope: string,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * The user's cached Defender token, still good for a while (msal renews it with the refresh
   * token when it is close to expiry), or undefined when the user must sign in again. While the
   * user's sealed cache is unchanged in the store, the token last read from it is the answer
   * (opening the cache and msal's lookup cost more than the rest of a turn); any write to it, on
   * any replica (sign-out, eviction, a renewed token), makes the next call read it again.
   */
  async cached(user: TeamsUser): Promise<UserDefenderToken | undefined> {
    const key = keyOf(user);
    const version = await this.cache.version(user).catch(() => undefined);
    const held = this.held.get(key);
    this.held.delete(key);
    if (version !== undefined && held?.version === version && this.goodForAWhile(held.token)) {
      this.held.set(key, held);
      return held.token;
    }
    const token = await this.fromCache(user);
    if (token && version !== undefined) {
      this.held.set(key, { version, token });
      if (this.held.size > HELD_TOKENS) this.held.delete(this.held.keys().next().value as string);
    }
    return token;
  }

  /**
   * The signed-in user's delegated token for another resource (`<resource>/.default`, e.g. Microsoft
   * Graph), from the same sealed cache: the one held while it is good, else one new token request
   * with the refresh token of the user's sign-in (Entra's refresh tokens are not bound to a resource:
   * learn.microsoft.com/entra/identity-platform/refresh-tokens), so one sign-in serves every resource
   * and each resource costs one token request per token lifetime. Entra grants only what was consented.
   */
  async tokenFor(user: TeamsUser, resourceScope: string): Promise<ExchangeOutcome> {
    try {
      const msal = await this.clientFor(user);
      const tokenCache = msal.getTokenCache();
      const account = await tokenCache.getAccountByHomeId(homeAccountId(user));
      if (!account) return { ok: false, reason: 'invalid_token', detail: 'The user is not signed in.' };
      const scopes = grantedScopes(tokenCache.serialize(), account.homeAccountId, resourceScope) ?? [resourceScope];
      // msal renews a token within 5 minutes of expiry itself (its token renewal offset).
      return this.toToken(user, await msal.acquireTokenSilent({ account, scopes }));
    } catch (error) {
      return failure(error);
    }
  }

  /**
   * A delegated Defender token for the user: the one already held, the one another of the user's
   * Teams clients is obtaining right now, or a new on-behalf-of exchange of `ssoToken`.
   */
  async exchange(user: TeamsUser, ssoToken: string): Promise<ExchangeOutcome> {
    const key = keyOf(user);
    const running = this.exchanging.get(key);
    if (running) return running;
    const attempt = this.exchangeOnce(user, ssoToken).finally(() => this.exchanging.delete(key));
    this.exchanging.set(key, attempt);
    return attempt;
  }

  /**
   * Redeems the authorization code of the user's interactive sign-in (with its PKCE verifier) for
   * their Defender token, and keeps it like one obtained on their behalf.
   */
  async redeemCode(user: TeamsUser, request: { code: string; codeVerifier: string; redirectUri: string }): Promise<ExchangeOutcome> {
    let msal: ConfidentialClientApplication;
    let result: AuthenticationResult | null;
    try {
      msal = await this.clientFor(user);
      result = await msal.acquireTokenByCode({ ...request, scopes: [this.defenderScope] });
    } catch (error) {
      return failure(error);
    }
    return this.kept(user, msal, result);
  }

  /** Forgets the user's tokens on every replica (sign-out, or a token Defender refused). */
  async forget(user: TeamsUser): Promise<void> {
    this.held.delete(keyOf(user));
    await this.cache.evict(user);
  }

  private goodForAWhile(token: UserDefenderToken): boolean {
    return token.expiresOnMs - EXPIRY_MARGIN_MS > this.now();
  }

  private async fromCache(user: TeamsUser): Promise<UserDefenderToken | undefined> {
    try {
      const msal = await this.clientFor(user);
      const tokenCache = msal.getTokenCache();
      const account = await tokenCache.getAccountByHomeId(homeAccountId(user));
      const scopes = account && grantedScopes(tokenCache.serialize(), account.homeAccountId, this.defenderScope);
      if (!account || !scopes) return undefined;
      const result = await msal.acquireTokenSilent({ account, scopes });
      const outcome = this.toToken(user, result);
      return outcome.ok && this.goodForAWhile(outcome.token) ? outcome.token : undefined;
    } catch {
      return undefined;
    }
  }

  private async exchangeOnce(user: TeamsUser, ssoToken: string): Promise<ExchangeOutcome> {
    const held = await this.cached(user);
    if (held) return { ok: true, token: held };
    let msal: ConfidentialClientApplication;
    let result: AuthenticationResult | null;
    try {
      msal = await this.clientFor(user);
      result = await msal.acquireTokenOnBehalfOf({ oboAssertion: ssoToken, scopes: [this.defenderScope] });
    } catch (error) {
      return failure(error);
    }
    return this.kept(user, msal, result);
  }

  /** A token of someone else is never used for this user, nor left in their cache. */
  private async kept(user: TeamsUser, msal: ConfidentialClientApplication, result: AuthenticationResult | null): Promise<ExchangeOutcome> {
    const outcome = this.toToken(user, result);
    if (!outcome.ok && outcome.reason === 'wrong_user' && result?.account) await msal.getTokenCache().removeAccount(result.account);
    return outcome;
  }

  private toToken(user: TeamsUser, result: AuthenticationResult | null): ExchangeOutcome {
    if (!result?.accessToken) return { ok: false, reason: 'unavailable', detail: 'Entra ID returned no token.' };
    const claims = (jwt.decode(result.accessToken) ?? {}) as jwt.JwtPayload;
    // Bind the token to the Teams user who sent it: a token of someone else is never used for this user.
    if (claims.oid !== user.aadObjectId || claims.tid !== user.tenantId) {
      return { ok: false, reason: 'wrong_user', detail: 'The sign-in token belongs to another user.' };
    }
    return {
      ok: true,
      token: {
        accessToken: result.accessToken,
        expiresOnMs: result.expiresOn?.getTime() ?? this.now(),
        oid: String(claims.oid),
        upn: String(claims.upn ?? claims.unique_name ?? result.account?.username ?? ''),
        name: String(claims.name ?? result.account?.name ?? ''),
      },
    };
  }
}

/** msal's account id: `<object id>.<tenant id>`. */
function homeAccountId(user: TeamsUser): string {
  return `${user.aadObjectId}.${user.tenantId}`;
}

/**
 * The scopes Entra granted with the user's cached token for the resource of `resourceScope`. Entra answers a `/.default`
 * request with the granted scopes, and msal matches cached tokens by those, not by `/.default`.
 */
function grantedScopes(serialized: string, accountId: string, resourceScope: string): string[] | undefined {
  const resource = resourceScope.replace(/\/\.default$/, '').toLowerCase();
  const { AccessToken: tokens = {} } = JSON.parse(serialized) as JsonCache;
  const entry = Object.values(tokens).find((token) =>
    token.home_account_id === accountId && token.target.toLowerCase().split(' ').some((scope) => scope.startsWith(`${resource}/`)));
  return entry?.target.split(' ');
}

function keyOf(user: TeamsUser): string {
  return `${user.tenantId}/${user.aadObjectId}`;
}

function failure(error: unknown): ExchangeOutcome {
  if (error instanceof InteractionRequiredAuthError) {
    if (error.claims) {
      return { ok: false, reason: 'interaction_required', detail: 'Conditional Access requires an interactive sign-in.', claims: error.claims };
    }
    return { ok: false, reason: 'consent_required', detail: 'Consent or interactive sign-in is required.' };
  }
  const code = (error as { errorCode?: string }).errorCode;
  if (code === 'invalid_grant' || code === 'invalid_request') {
    return { ok: false, reason: 'invalid_token', detail: 'The sign-in token was refused by Entra ID.' };
  }
  return { ok: false, reason: 'unavailable', detail: 'Entra ID could not be reached.' };
}
