import crypto from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import Router from 'find-my-way';
import jwt from 'jsonwebtoken';
import type { TwinClock } from './clock';
import {
  type AppRegistration, type ConditionalAccessPolicy, type Directory, type DirectoryUser, SEEDED, TEAMS_CLIENT_IDS, type Tenant,
} from './directory';
import { type Fault, FaultInjector } from './defender/faults';
import { EntraError, entraErrors } from './entra-errors';
import {
  authenticateClient, grantedApplicationRoles, grantedDelegatedScopes, resourceAppId, resolveScope, resolveTenant,
  type ResolvedScope, validateUserAssertion,
} from './entra-grants';
import { InteractiveSignIn } from './entra-authorize';
import { readBody, sendJson, startTwinServer, type TwinServer } from './http-server';
import { SigningKeys } from './signing-keys';

export interface AccessTokenClaims {
  aud: string;
  iss: string;
  tid: string;
  appid: string;
  oid: string;
  idtyp: 'app' | 'user';
  roles?: string[];
  scp?: string;
  upn?: string;
  name?: string;
  iat: number;
  nbf: number;
  exp: number;
  ver: '1.0';
}

export type TokenRejection = 'malformed' | 'signature' | 'expired' | 'not_yet_valid' | 'issuer' | 'audience' | 'revoked';

export class TokenRejectedError extends Error {
  constructor(readonly reason: TokenRejection) {
    super(`access token rejected: ${reason}`);
  }
}

export interface RecordedTokenRequest {
  tenantId: string;
  grantType: string;
  clientId: string;
  scope: string;
  status: number;
  error?: string;
  /** Entra's AADSTS codes of a refusal (`error_codes`). */
  errorCodes?: number[];
}

/**
 * Faults of the token endpoint, armed per grant and scope: 'client_credentials', 'on_behalf_of',
 * 'client_credentials.<scope>' (e.g. only the Defender app token, not the Bot Framework one) or '*'.
 * `invalidGrant` answers Entra's 400 invalid_grant (AADSTS50013) before the grant is looked at.
 */
export type EntraFault = Extract<Fault, { kind: 'latency' | 'serverError' | 'resetConnection' }> | { kind: 'invalidGrant' };

const TOKEN_LIFETIME_SECONDS = 3599;
const CLOCK_SKEW_SECONDS = 300;
const GRANT_CLIENT_CREDENTIALS = 'client_credentials';
const GRANT_JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const GRANT_AUTHORIZATION_CODE = 'authorization_code';
const GRANT_REFRESH_TOKEN = 'refresh_token';

/**
 * Entra ID twin: per-tenant OpenID metadata, JWKS and the v2 token endpoint with the
 * client-credentials and on-behalf-of grants, answering errors in Entra's own shape.
 */
export class EntraTwin {
  readonly keys = new SigningKeys('entra');
  readonly tokenRequests: RecordedTokenRequest[] = [];
  readonly faults = new FaultInjector<EntraFault>();
  /** Conditional Access policies each user has satisfied in an interactive sign-in (by policy id). */
  private readonly satisfiedPolicies = new Map<string, Set<string>>();
  readonly interactive: InteractiveSignIn;
  /** Refresh tokens issued, with the client and user they belong to. */
  private readonly refreshTokens = new Map<string, { clientId: string; userOid: string; issuedAtSeconds: number }>();
  /** When each user's sessions were last revoked (epoch seconds): older tokens and refresh tokens stop working. */
  private readonly revokedAt = new Map<string, number>();

  private constructor(
    private readonly server: TwinServer,
    readonly directory: Directory,
    readonly clock: TwinClock,
  ) {
    this.interactive = new InteractiveSignIn(directory, clock, (oid, policyIds) => {
      const satisfied = this.satisfiedPolicies.get(oid) ?? new Set<string>();
      for (const id of policyIds) satisfied.add(id);
      this.satisfiedPolicies.set(oid, satisfied);
    });
  }

  static async start(options: { directory: Directory; clock: TwinClock; port?: number }): Promise<EntraTwin> {
    const router = Router({
      defaultRoute: (_req, res) => sendJson(res, 404, { error: 'not_found', error_description: 'No such endpoint.' }),
    });
    const server = await startTwinServer(router, { port: options.port });
    const twin = new EntraTwin(server, options.directory, options.clock);
    router.get('/:tenant/v2.0/.well-known/openid-configuration', (_req, res, params) =>
      twin.handle(res, () => sendJson(res, 200, twin.openIdConfiguration(params.tenant ?? ''))));
    router.get('/:tenant/discovery/v2.0/keys', (_req, res) => sendJson(res, 200, twin.keys.jwks()));
    router.post('/:tenant/oauth2/v2.0/token', (req, res, params) => void twin.token(req, res, params.tenant ?? ''));
    router.get('/:tenant/oauth2/v2.0/authorize', (req, res, params) => twin.interactive.authorize(req, res, params.tenant ?? ''));
    return twin;
  }

  get baseUrl(): string {
    return this.server.baseUrl;
  }

  /** host:port, for msal's `auth.knownAuthorities`. */
  get knownAuthority(): string {
    return new URL(this.server.baseUrl).host;
  }

  authority(tenantId: string): string {
    return `${this.baseUrl}/${tenantId}`;
  }

  /** Stands for `https://sts.windows.net/{tid}/`, the issuer of v1 access tokens. */
  issuerV1(tenantId: string): string {
    return `${this.baseUrl}/${tenantId}/`;
  }

  issuerV2(tenantId: string): string {
    return `${this.baseUrl}/${tenantId}/v2.0`;
  }

  /** The token a Teams client gets for the bot app through SSO (v2, `scp: access_as_user`). */
  issueSsoToken(
    userOid: string,
    options: { audience?: string; appId?: string; lifetimeSeconds?: number; issuedAtOffsetSeconds?: number } = {},
  ): string {
    const user = this.directory.requireUser(userOid);
    const iat = this.clock.nowSeconds() + (options.issuedAtOffsetSeconds ?? 0);
    return this.keys.sign({
      aud: options.audience ?? options.appId ?? SEEDED.botAppId,
      iss: this.issuerV2(user.tenantId),
      iat,
      nbf: iat,
      exp: iat + (options.lifetimeSeconds ?? TOKEN_LIFETIME_SECONDS),
      azp: TEAMS_CLIENT_IDS.desktopAndMobile,
      azpacr: '0',
      name: user.displayName,
      oid: user.oid,
      preferred_username: user.upn,
      scp: 'access_as_user',
      sub: subjectOf(user.oid, options.appId ?? SEEDED.botAppId),
      tid: user.tenantId,
      uti: randomUti(),
      ver: '2.0',
    });
  }

  /** What the token endpoint would issue, without HTTP (for tests and benchmarks). */
  issueAccessToken(request: { clientId: string; resource: string; userOid?: string; lifetimeSeconds?: number }): string {
    const app = this.directory.apps.get(request.clientId);
    if (!app) throw new Error(`no app ${request.clientId} in the twin directory`);
    const tenant = resolveTenant(this.directory, app.tenantId);
    const scope = resolveScope(this.directory, tenant, `${request.resource}/.default`);
    if (!request.userOid) return this.appToken(app, scope, request.lifetimeSeconds);
    const user = this.directory.requireUser(request.userOid);
    return this.delegatedToken(app, user, scope, grantedDelegatedScopes(app, user, scope), request.lifetimeSeconds);
  }

  /**
   * "Revoke sessions" for a user (an admin, or a password reset): their access tokens issued until
   * now are refused by resources (Defender answers 401) and their refresh tokens are dead.
   */
  revokeSessions(userOid: string): void {
    this.revokedAt.set(userOid, this.clock.nowSeconds());
  }

  verifyAccessToken(token: string, acceptedAudiences: string[]): AccessTokenClaims {
    if (!jwt.decode(token)) throw new TokenRejectedError('malformed');
    let claims: jwt.JwtPayload;
    try {
      claims = this.keys.verify(token, { clockTimestamp: this.clock.nowSeconds(), clockTolerance: CLOCK_SKEW_SECONDS });
    } catch (error) {
      if (error instanceof jwt.TokenExpiredError) throw new TokenRejectedError('expired');
      if (error instanceof jwt.NotBeforeError) throw new TokenRejectedError('not_yet_valid');
      throw new TokenRejectedError('signature');
    }
    const issuers = [...this.directory.tenants.keys()].map((tid) => this.issuerV1(tid));
    if (typeof claims.iss !== 'string' || !issuers.includes(claims.iss)) throw new TokenRejectedError('issuer');
    const audience = normaliseUri(String(claims.aud));
    if (!acceptedAudiences.some((accepted) => normaliseUri(accepted) === audience)) {
      throw new TokenRejectedError('audience');
    }
    // The twin signs without `iat` (jsonwebtoken noTimestamp); `nbf` is the issue time.
    if (this.isRevoked(String(claims.oid), Number(claims.nbf))) throw new TokenRejectedError('revoked');
    return claims as unknown as AccessTokenClaims;
  }

  close(): Promise<void> {
    return this.server.close();
  }

  private handle(res: ServerResponse, action: () => void): void {
    try {
      action();
    } catch (error) {
      this.sendError(res, error);
    }
  }

  private sendError(res: ServerResponse, error: unknown): void {
    if (error instanceof EntraError) {
      sendJson(res, error.status, error.body(new Date(this.clock.now())));
      return;
    }
    sendJson(res, 500, { error: 'server_error', error_description: 'AADSTS90000: The twin failed unexpectedly.' });
  }

  private openIdConfiguration(tenantInPath: string): Record<string, unknown> {
    const tenant = resolveTenant(this.directory, tenantInPath);
    const base = `${this.baseUrl}/${tenant.id}`;
    return {
      token_endpoint: `${base}/oauth2/v2.0/token`,
      token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
      jwks_uri: `${base}/discovery/v2.0/keys`,
      response_modes_supported: ['query', 'fragment', 'form_post'],
      subject_types_supported: ['pairwise'],
      id_token_signing_alg_values_supported: ['RS256'],
      response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
      scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
      issuer: this.issuerV2(tenant.id),
      request_uri_parameter_supported: false,
      userinfo_endpoint: `${base}/openid/userinfo`,
      authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
      device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
      http_logout_supported: true,
      frontchannel_logout_supported: true,
      end_session_endpoint: `${base}/oauth2/v2.0/logout`,
      claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'auth_time', 'nonce', 'oid', 'tid', 'preferred_username', 'name'],
      tenant_region_scope: 'EU',
      cloud_instance_name: 'microsoftonline.com',
    };
  }

  private async token(req: IncomingMessage, res: ServerResponse, tenantInPath: string): Promise<void> {
    const form = new URLSearchParams(await readBody(req).catch(() => ''));
    const basic = basicCredentials(req);
    const clientId = form.get('client_id') ?? basic?.clientId ?? null;
    const record: RecordedTokenRequest = {
      tenantId: tenantInPath,
      grantType: form.get('grant_type') ?? '',
      clientId: clientId ?? '',
      scope: form.get('scope') ?? '',
      status: 200,
    };
    this.tokenRequests.push(record);
    const { latencyMs, disruption } = this.faults.take(grantName(record.grantType, form));
    if (latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, latencyMs));
    if (disruption?.kind === 'resetConnection') {
      record.status = 0;
      req.socket.destroy();
      return;
    }
    try {
      if (disruption?.kind === 'serverError') {
        throw new EntraError(disruption.status, 'temporarily_unavailable', 50000, 'There was an error issuing a token or an authorization code. Please try again.');
      }
      if (disruption?.kind === 'invalidGrant') throw entraErrors.assertionSignature();
      const tenant = resolveTenant(this.directory, tenantInPath);
      const app = authenticateClient(this.directory, tenant, clientId, form.get('client_secret') ?? basic?.secret ?? null);
      sendJson(res, 200, this.grant(form, app, tenant), { 'Cache-Control': 'no-store, no-cache', Pragma: 'no-cache' });
    } catch (error) {
      record.status = error instanceof EntraError ? error.status : 500;
      record.error = error instanceof EntraError ? error.error : 'server_error';
      if (error instanceof EntraError) record.errorCodes = [error.aadsts];
      this.sendError(res, error);
    }
  }

  private grant(form: URLSearchParams, app: AppRegistration, tenant: Tenant): Record<string, unknown> {
    const grantType = form.get('grant_type');
    const requestedScope = form.get('scope');
    if (grantType === GRANT_CLIENT_CREDENTIALS) {
      if (requestedScope && !requestedScope.trim().endsWith('/.default')) throw entraErrors.clientCredentialScope(requestedScope);
      return tokenResponse(this.appToken(app, resolveScope(this.directory, tenant, requestedScope)));
    }
    if (grantType === GRANT_JWT_BEARER && form.get('requested_token_use') === 'on_behalf_of') {
      const assertion = form.get('assertion');
      if (!assertion) throw entraErrors.missingParameter('assertion');
      const tenantIssuers = [this.issuerV2(app.tenantId), this.issuerV1(app.tenantId)];
      const user = validateUserAssertion(assertion, app, this.directory, {
        verifySignature: (token) =>
          this.keys.verify(token, { clockTimestamp: this.clock.nowSeconds(), clockTolerance: CLOCK_SKEW_SECONDS }),
        issuersOfTenant: tenantIssuers,
        nowSeconds: this.clock.nowSeconds(),
      });
      const scope = resolveScope(this.directory, tenant, requestedScope);
      return this.userTokenResponse(app, user, scope, grantedDelegatedScopes(app, user, scope));
    }
    if (grantType === GRANT_AUTHORIZATION_CODE) {
      const { user, scope, scopes } = this.interactive.redeem(form, app);
      return this.userTokenResponse(app, user, scope, scopes);
    }
    if (grantType === GRANT_REFRESH_TOKEN) {
      const issued = this.refreshTokens.get(form.get('refresh_token') ?? '');
      if (!issued || issued.clientId !== app.clientId) throw entraErrors.invalidRefreshToken();
      if (this.isRevoked(issued.userOid, issued.issuedAtSeconds)) throw entraErrors.refreshTokenRevoked();
      const user = this.directory.requireUser(issued.userOid);
      const scope = resolveScope(this.directory, tenant, requestedScope);
      return this.userTokenResponse(app, user, scope, grantedDelegatedScopes(app, user, scope));
    }
    throw entraErrors.unsupportedGrant(grantType ?? '');
  }

  private userTokenResponse(app: AppRegistration, user: DirectoryUser, scope: ResolvedScope, scopes: string[]): Record<string, unknown> {
    this.requireConditionalAccess(user, scope);
    return {
      ...tokenResponse(this.delegatedToken(app, user, scope, scopes)),
      // What was granted, as Entra answers (a `/.default` request is not echoed back).
      scope: scopes.map((s) => `${scope.resourceUri}/${s}`).join(' '),
      refresh_token: this.refreshToken(app, user),
      id_token: this.idToken(app, user),
      client_info: Buffer.from(JSON.stringify({ uid: user.oid, utid: user.tenantId })).toString('base64url'),
    };
  }

  private refreshToken(app: AppRegistration, user: DirectoryUser): string {
    const token = `twin-rt.${crypto.randomBytes(24).toString('base64url')}`;
    this.refreshTokens.set(token, { clientId: app.clientId, userOid: user.oid, issuedAtSeconds: this.clock.nowSeconds() });
    return token;
  }

  private isRevoked(userOid: string, issuedAtSeconds: number): boolean {
    const revokedAt = this.revokedAt.get(userOid);
    return revokedAt !== undefined && issuedAtSeconds <= revokedAt;
  }

  /**
   * Conditional Access on the resource: a user under a policy they have not satisfied in an
   * interactive sign-in gets `interaction_required` with the policy's claims challenge.
   */
  private requireConditionalAccess(user: DirectoryUser, scope: ResolvedScope): void {
    const resourceId = resourceAppId(scope.resource);
    const satisfied = this.satisfiedPolicies.get(user.oid);
    const policy = (user.conditionalAccess ?? []).find((p) => p.resourceAppId === resourceId && !satisfied?.has(p.id));
    if (!policy) return;
    throw entraErrors.conditionalAccess(policy.requirement === 'mfa' ? 50076 : 50079, resourceId, claimsChallenge(policy));
  }

  private appToken(app: AppRegistration, scope: ResolvedScope, lifetimeSeconds = TOKEN_LIFETIME_SECONDS): string {
    const roles = grantedApplicationRoles(app, scope);
    return this.keys.sign({
      ...this.commonAccessClaims(app, scope, app.tenantId, lifetimeSeconds),
      idtyp: 'app',
      oid: servicePrincipalObjectId(app.clientId),
      sub: servicePrincipalObjectId(app.clientId),
      ...(roles.length > 0 ? { roles } : {}),
    });
  }

  private delegatedToken(
    app: AppRegistration,
    user: DirectoryUser,
    scope: ResolvedScope,
    scopes: string[],
    lifetimeSeconds = TOKEN_LIFETIME_SECONDS,
  ): string {
    return this.keys.sign({
      ...this.commonAccessClaims(app, scope, user.tenantId, lifetimeSeconds),
      idtyp: 'user',
      oid: user.oid,
      sub: subjectOf(user.oid, app.clientId),
      scp: scopes.join(' '),
      upn: user.upn,
      unique_name: user.upn,
      name: user.displayName,
      amr: ['pwd', 'mfa'],
    });
  }

  private commonAccessClaims(app: AppRegistration, scope: ResolvedScope, tenantId: string, lifetimeSeconds: number) {
    const iat = this.clock.nowSeconds();
    const registeredUri = 'identifierUris' in scope.resource
      ? scope.resource.identifierUris.find((uri) => normaliseUri(uri) === normaliseUri(scope.resourceUri))
      : undefined;
    return {
      aud: registeredUri ?? scope.resourceUri,
      iss: this.issuerV1(tenantId),
      iat,
      nbf: iat,
      exp: iat + lifetimeSeconds,
      appid: app.clientId,
      appidacr: '1',
      tid: tenantId,
      uti: randomUti(),
      ver: '1.0',
    };
  }

  private idToken(app: AppRegistration, user: DirectoryUser): string {
    const iat = this.clock.nowSeconds();
    return this.keys.sign({
      aud: app.clientId,
      iss: this.issuerV2(user.tenantId),
      iat,
      nbf: iat,
      exp: iat + TOKEN_LIFETIME_SECONDS,
      name: user.displayName,
      oid: user.oid,
      preferred_username: user.upn,
      sub: subjectOf(user.oid, app.clientId),
      tid: user.tenantId,
      ver: '2.0',
    });
  }
}

/** The claims challenge Entra sends for a policy: the access token must show the policy was satisfied. */
export function claimsChallenge(policy: ConditionalAccessPolicy): string {
  return JSON.stringify({ access_token: { polids: { essential: true, values: [policy.id] } } });
}

/** The name faults target: `<grant>.<scope>`, the grant being 'client_credentials', 'on_behalf_of' or the raw grant type. */
function grantName(grantType: string, form: URLSearchParams): string {
  const grant = grantType === GRANT_JWT_BEARER && form.get('requested_token_use') === 'on_behalf_of' ? 'on_behalf_of' : grantType;
  return `${grant}.${form.get('scope') ?? ''}`;
}

function tokenResponse(accessToken: string): Record<string, unknown> {
  return {
    token_type: 'Bearer',
    expires_in: TOKEN_LIFETIME_SECONDS,
    ext_expires_in: TOKEN_LIFETIME_SECONDS,
    access_token: accessToken,
  };
}

function basicCredentials(req: IncomingMessage): { clientId: string; secret: string } | undefined {
  const match = /^Basic\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  if (!match) return undefined;
  const [clientId, ...rest] = Buffer.from(match[1], 'base64').toString('utf8').split(':');
  return { clientId: decodeURIComponent(clientId), secret: decodeURIComponent(rest.join(':')) };
}

function normaliseUri(uri: string): string {
  return uri.replace(/\/+$/, '').toLowerCase();
}

function randomUti(): string {
  return crypto.randomBytes(16).toString('base64url');
}

/** Pairwise subject, stable per (user, app), as Entra's `sub` is. */
function subjectOf(oid: string, appId: string): string {
  return crypto.createHash('sha256').update(`${oid}:${appId}`).digest('base64url').slice(0, 43);
}

/** A stable object id for an app's service principal, shaped like a GUID. */
function servicePrincipalObjectId(clientId: string): string {
  const hex = crypto.createHash('sha256').update(`sp:${clientId}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
