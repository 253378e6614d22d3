import { type AuthenticationResult, type ConfidentialClientApplication, InteractionRequiredAuthError } from '@azure/msal-node';
import jwt from 'jsonwebtoken';

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

/** Tokens this close to expiry are not handed out: a Defender call must not start with a dying token. */
const EXPIRY_MARGIN_MS = 5 * 60 * 1000;
/** Past this many users, expired tokens are swept out whenever a new one is kept. */
const SWEEP_ABOVE = 5000;

/**
 * Exchanges a user's Teams SSO token for a delegated Defender token (on-behalf-of) and keeps the
 * result per user for the token's life, so later commands make no token request at all.
 * Tokens live in memory only; they are never persisted or logged.
 */
export class UserTokenService {
  private readonly tokens = new Map<string, UserDefenderToken>();
  /** Exchanges under way, per user: Teams sends the same sign-in from each of a user's clients at once. */
  private readonly exchanging = new Map<string, Promise<ExchangeOutcome>>();

  constructor(
    private readonly msal: ConfidentialClientApplication,
    private readonly defenderScope: string,
    private readonly now: () => number = Date.now,
  ) {}

  /** A cached token still good for a while, or undefined when the user must (silently) sign in again. */
  cached(user: TeamsUser): UserDefenderToken | undefined {
    const token = this.tokens.get(keyOf(user));
    if (token && token.expiresOnMs - EXPIRY_MARGIN_MS > this.now()) return token;
    this.tokens.delete(keyOf(user));
    return undefined;
  }

  /**
   * A delegated Defender token for the user: the one already held, the one another of the user's
   * Teams clients is obtaining right now, or a new on-behalf-of exchange of `ssoToken`.
   */
  async exchange(user: TeamsUser, ssoToken: string): Promise<ExchangeOutcome> {
    const held = this.cached(user);
    if (held) return { ok: true, token: held };
    const key = keyOf(user);
    const running = this.exchanging.get(key);
    if (running) return running;
    const attempt = this.onBehalfOf(user, ssoToken).finally(() => this.exchanging.delete(key));
    this.exchanging.set(key, attempt);
    return attempt;
  }

  /**
   * Redeems the authorization code of the user's interactive sign-in (with its PKCE verifier) for
   * their Defender token, and keeps it like one obtained on their behalf.
   */
  async redeemCode(user: TeamsUser, request: { code: string; codeVerifier: string; redirectUri: string }): Promise<ExchangeOutcome> {
    let result: AuthenticationResult | null;
    try {
      result = await this.msal.acquireTokenByCode({ ...request, scopes: [this.defenderScope] });
    } catch (error) {
      return failure(error);
    }
    return this.keep(user, result);
  }

  private async onBehalfOf(user: TeamsUser, ssoToken: string): Promise<ExchangeOutcome> {
    let result: AuthenticationResult | null;
    try {
      result = await this.msal.acquireTokenOnBehalfOf({ oboAssertion: ssoToken, scopes: [this.defenderScope] });
    } catch (error) {
      return failure(error);
    }
    return this.keep(user, result);
  }

  private keep(user: TeamsUser, result: AuthenticationResult | null): ExchangeOutcome {
    if (!result?.accessToken) return { ok: false, reason: 'unavailable', detail: 'Entra ID returned no token.' };
    const claims = (jwt.decode(result.accessToken) ?? {}) as jwt.JwtPayload;
    // Bind the token to the Teams user who sent it: a token of someone else is never used for this user.
    if (claims.oid !== user.aadObjectId || claims.tid !== user.tenantId) {
      return { ok: false, reason: 'wrong_user', detail: 'The sign-in token belongs to another user.' };
    }
    const token: UserDefenderToken = {
      accessToken: result.accessToken,
      expiresOnMs: result.expiresOn?.getTime() ?? this.now(),
      oid: String(claims.oid),
      upn: String(claims.upn ?? claims.unique_name ?? result.account?.username ?? ''),
      name: String(claims.name ?? result.account?.name ?? ''),
    };
    this.tokens.set(keyOf(user), token);
    if (this.tokens.size > SWEEP_ABOVE) this.sweep();
    return { ok: true, token };
  }

  forget(user: TeamsUser): void {
    this.tokens.delete(keyOf(user));
  }

  private sweep(): void {
    const now = this.now();
    for (const [key, token] of this.tokens) if (token.expiresOnMs <= now) this.tokens.delete(key);
  }
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
