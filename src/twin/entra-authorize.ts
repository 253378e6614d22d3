import crypto from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TwinClock } from './clock';
import type { AppRegistration, Directory, DirectoryUser } from './directory';
import { EntraError, entraErrors } from './entra-errors';
import { grantedDelegatedScopes, resolveScope, resolveTenant, type ResolvedScope } from './entra-grants';
import { sendJson } from './http-server';

/** The cookie a simulated browser carries once its person is signed in to Entra (the Teams twin sets it). */
export const SESSION_COOKIE = 'twin-entra-session';
const CODE_LIFETIME_SECONDS = 600;

/** One visit of `/authorize`, with Entra's own query parameters, and how it ended. */
export interface RecordedAuthorizeRequest {
  tenantId: string;
  params: Record<string, string>;
  /** `code`, or the OAuth error the person's browser was sent back with (or shown). */
  outcome: string;
}

/** What the simulated person does when Entra asks them to consent. */
export type ConsentAnswer = 'accept' | 'decline';

interface IssuedCode {
  clientId: string;
  redirectUri: string;
  userOid: string;
  scope: string;
  codeChallenge?: string;
  codeChallengeMethod?: string;
  expiresAtSeconds: number;
  redeemed: boolean;
}

/** What an authorization code, once redeemed, is good for. */
export interface RedeemedCode {
  user: DirectoryUser;
  scope: ResolvedScope;
  scopes: string[];
}

/**
 * Entra's interactive sign-in: `/authorize` (a simulated person in the browser signs in, consents
 * and satisfies Conditional Access asked for in `claims`) and the authorization-code grant with
 * PKCE, with Entra's checks: registered redirect URI, single-use codes that expire, the verifier.
 * https://learn.microsoft.com/entra/identity-platform/v2-oauth2-auth-code-flow
 */
export class InteractiveSignIn {
  readonly authorizeRequests: RecordedAuthorizeRequest[] = [];
  consentAnswer: ConsentAnswer = 'accept';
  private readonly codes = new Map<string, IssuedCode>();

  constructor(
    private readonly directory: Directory,
    private readonly clock: TwinClock,
    /** Records that the user met these Conditional Access policies (by id) in an interactive sign-in. */
    private readonly satisfy: (userOid: string, policyIds: string[]) => void,
  ) {}

  authorize(req: IncomingMessage, res: ServerResponse, tenantInPath: string): void {
    const url = new URL(req.url ?? '/', 'https://entra.invalid');
    const params = Object.fromEntries(url.searchParams);
    const record: RecordedAuthorizeRequest = { tenantId: tenantInPath, params, outcome: 'code' };
    this.authorizeRequests.push(record);
    const showError = (error: EntraError) => {
      record.outcome = error.error;
      sendJson(res, error.status, error.body(new Date(this.clock.now())));
    };
    let app: AppRegistration;
    try {
      const tenant = resolveTenant(this.directory, tenantInPath);
      const found = this.directory.apps.get(params.client_id ?? '');
      if (!found || found.tenantId !== tenant.id) throw entraErrors.appNotInTenant(params.client_id ?? '', tenant.id);
      // A redirect URI that is not registered is shown as an error page, never redirected to.
      if (!params.redirect_uri || !(found.redirectUris ?? []).includes(params.redirect_uri)) {
        throw entraErrors.redirectUriMismatch(params.redirect_uri ?? '', found.clientId);
      }
      app = found;
    } catch (error) {
      if (error instanceof EntraError) return showError(error);
      throw error;
    }
    const back = (query: Record<string, string>) => {
      const target = new URL(params.redirect_uri);
      for (const [name, value] of Object.entries({ ...query, ...(params.state ? { state: params.state } : {}) })) {
        target.searchParams.set(name, value);
      }
      res.writeHead(302, { Location: target.toString() });
      res.end();
    };
    const refuse = (error: EntraError) => {
      record.outcome = error.error;
      back({ error: error.error, error_description: error.message });
    };
    try {
      if (params.response_type !== 'code') throw entraErrors.unsupportedResponseType(params.response_type ?? '');
      const method = params.code_challenge_method ?? (params.code_challenge ? 'plain' : undefined);
      if (method && method !== 'S256' && method !== 'plain') throw entraErrors.invalidCodeChallengeMethod(method);
      resolveScope(this.directory, resolveTenant(this.directory, app.tenantId), params.scope ?? null);
      const user = this.sessionUser(req);
      if (!user) {
        record.outcome = 'no_session';
        sendJson(res, 401, { error: 'login_required', error_description: 'No simulated person is signed in in this browser.' });
        return;
      }
      if (user.tenantId !== app.tenantId) throw entraErrors.userNotInTenant(user.upn, app.tenantId);
      if (!user.consented) {
        if (this.consentAnswer === 'decline') throw entraErrors.consentDeclined();
        user.consented = true;
      }
      this.satisfy(user.oid, policyIdsIn(params.claims));
      const code = crypto.randomBytes(32).toString('base64url');
      this.codes.set(code, {
        clientId: app.clientId, redirectUri: params.redirect_uri, userOid: user.oid, scope: params.scope ?? '',
        codeChallenge: params.code_challenge, codeChallengeMethod: method,
        expiresAtSeconds: this.clock.nowSeconds() + CODE_LIFETIME_SECONDS, redeemed: false,
      });
      back({ code, session_state: crypto.randomUUID() });
    } catch (error) {
      if (error instanceof EntraError) return refuse(error);
      throw error;
    }
  }

  /** The authorization-code grant: the code is this client's, unexpired, unused, for this redirect URI and verifier. */
  redeem(form: URLSearchParams, app: AppRegistration): RedeemedCode {
    const code = form.get('code');
    if (!code) throw entraErrors.missingParameter('code');
    const issued = this.codes.get(code);
    if (!issued || issued.clientId !== app.clientId) throw entraErrors.invalidCode();
    if (issued.redeemed) throw entraErrors.codeRedeemed();
    if (issued.expiresAtSeconds < this.clock.nowSeconds()) throw entraErrors.codeExpired();
    if (form.get('redirect_uri') !== issued.redirectUri) throw entraErrors.redirectUriMismatch(form.get('redirect_uri') ?? '', app.clientId);
    if (issued.codeChallenge) {
      const verifier = form.get('code_verifier');
      if (!verifier) throw entraErrors.missingParameter('code_verifier');
      const derived = issued.codeChallengeMethod === 'S256' ? crypto.createHash('sha256').update(verifier).digest('base64url') : verifier;
      if (derived !== issued.codeChallenge) throw entraErrors.pkceMismatch();
    }
    issued.redeemed = true;
    const user = this.directory.requireUser(issued.userOid);
    const scope = resolveScope(this.directory, resolveTenant(this.directory, app.tenantId), form.get('scope') ?? issued.scope);
    return { user, scope, scopes: grantedDelegatedScopes(app, user, scope) };
  }

  private sessionUser(req: IncomingMessage): DirectoryUser | undefined {
    const cookies = (req.headers.cookie ?? '').split(';').map((part) => part.trim().split('='));
    const oid = cookies.find(([name]) => name === SESSION_COOKIE)?.[1];
    return oid ? this.directory.users.get(decodeURIComponent(oid)) : undefined;
  }
}

/** The Conditional Access policy ids a `claims` request parameter asks the sign-in to satisfy. */
function policyIdsIn(claims: string | undefined): string[] {
  if (!claims) return [];
  try {
    const values = (JSON.parse(claims) as { access_token?: { polids?: { values?: unknown } } }).access_token?.polids?.values;
    return Array.isArray(values) ? values.filter((value): value is string => typeof value === 'string') : [];
  } catch {
    return [];
  }
}
