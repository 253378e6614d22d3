import crypto from 'node:crypto';
import { ConfidentialClientApplication, InteractionRequiredAuthError, ServerError } from '@azure/msal-node';
import jwt from 'jsonwebtoken';
import { TwinClock } from '../src/twin/clock';
import { DEFENDER_API, SEEDED, SEEDED_USERS, seedDirectory } from '../src/twin/directory';
import { EntraTwin, TokenRejectedError } from '../src/twin/entra';
import { foreignSigningKeys } from '../src/twin/signing-keys';
import { fetchJson } from './support/fetch-json';

const DEFENDER = 'https://api.securitycenter.microsoft.com';
const DEFENDER_DEFAULT = `${DEFENDER}/.default`;

let entra: EntraTwin;

beforeAll(async () => {
  entra = await EntraTwin.start({ directory: seedDirectory(), clock: new TwinClock() });
});
afterAll(() => entra.close());

function confidentialClient(clientId = SEEDED.botAppId, clientSecret = SEEDED.botAppSecret, tenantId = SEEDED.tenantId) {
  return new ConfidentialClientApplication({
    auth: { clientId, clientSecret, authority: entra.authority(tenantId), knownAuthorities: [entra.knownAuthority] },
  });
}

async function msalFailure(attempt: Promise<unknown>): Promise<ServerError> {
  const error = await attempt.then(() => undefined, (caught: unknown) => caught);
  expect(error).toBeInstanceOf(ServerError);
  return error as ServerError;
}

function decoded(token: string): jwt.JwtPayload {
  return jwt.decode(token) as jwt.JwtPayload;
}

describe('OpenID metadata and keys', () => {
  it('publishes per-tenant metadata whose endpoints and issuer name the tenant, and RS256 keys', async () => {
    const { body: metadata } = await fetchJson(`${entra.authority(SEEDED.tenantId)}/v2.0/.well-known/openid-configuration`);
    expect(metadata).toMatchObject({
      issuer: entra.issuerV2(SEEDED.tenantId),
      token_endpoint: `${entra.authority(SEEDED.tenantId)}/oauth2/v2.0/token`,
      jwks_uri: `${entra.authority(SEEDED.tenantId)}/discovery/v2.0/keys`,
      id_token_signing_alg_values_supported: ['RS256'],
    });
    const { body: jwks } = await fetchJson(metadata.jwks_uri);
    expect(jwks.keys[0]).toMatchObject({ kty: 'RSA', use: 'sig', alg: 'RS256', kid: expect.any(String), n: expect.any(String), e: 'AQAB' });
    expect(jwks.keys[0].d).toBeUndefined();
  });

  it('resolves a tenant by its domain and refuses an unknown tenant with AADSTS90002', async () => {
    const { body: byDomain } = await fetchJson(`${entra.baseUrl}/contoso.onmicrosoft.com/v2.0/.well-known/openid-configuration`);
    expect(byDomain.issuer).toBe(entra.issuerV2(SEEDED.tenantId));
    const unknown = await fetchJson(`${entra.baseUrl}/nowhere.example/v2.0/.well-known/openid-configuration`);
    expect(unknown.status).toBe(400);
    expect(unknown.body).toMatchObject({ error: 'invalid_request', error_codes: [90002] });
  });
});

describe('client credentials with msal-node', () => {
  it("gives the bot app a Defender token whose roles are exactly the notifier's read-only permissions", async () => {
    const result = await confidentialClient().acquireTokenByClientCredential({ scopes: [DEFENDER_DEFAULT] });
    const claims = entra.verifyAccessToken(result!.accessToken, [DEFENDER]);
    expect(claims).toMatchObject({
      aud: DEFENDER, iss: entra.issuerV1(SEEDED.tenantId), tid: SEEDED.tenantId, appid: SEEDED.botAppId, idtyp: 'app', ver: '1.0',
    });
    expect(claims.roles).toEqual(['Alert.Read.All', 'Machine.Read.All']);
    expect(claims.scp).toBeUndefined();
  });

  it('gives the bot a Bot Framework token for calling the Teams channel', async () => {
    const result = await confidentialClient().acquireTokenByClientCredential({ scopes: ['https://api.botframework.com/.default'] });
    expect(entra.verifyAccessToken(result!.accessToken, ['https://api.botframework.com'])).toMatchObject({ appid: SEEDED.botAppId });
  });

  it('refuses a wrong secret with invalid_client AADSTS7000215', async () => {
    const error = await msalFailure(
      confidentialClient(SEEDED.botAppId, 'wrong-secret').acquireTokenByClientCredential({ scopes: [DEFENDER_DEFAULT] }),
    );
    expect(error.errorCode).toBe('invalid_client');
    expect(error.errorMessage).toContain('AADSTS7000215');
  });

  it('refuses an app registered in another tenant with unauthorized_client AADSTS700016', async () => {
    const error = await msalFailure(
      confidentialClient(SEEDED.botAppId, SEEDED.botAppSecret, SEEDED.otherTenantId).acquireTokenByClientCredential({ scopes: [DEFENDER_DEFAULT] }),
    );
    expect(error.errorCode).toBe('unauthorized_client');
    expect(error.errorMessage).toContain('AADSTS700016');
  });

  it('refuses an unknown resource (e.g. a regional Defender host) with AADSTS500011', async () => {
    const error = await msalFailure(
      confidentialClient().acquireTokenByClientCredential({ scopes: ['https://api-uk.securitycenter.windows.com/.default'] }),
    );
    expect(error.errorCode).toBe('invalid_resource');
    expect(error.errorMessage).toContain('AADSTS500011');
  });

  it('refuses a named permission in a client-credentials request with AADSTS1002012', async () => {
    const error = await msalFailure(
      confidentialClient().acquireTokenByClientCredential({ scopes: [`${DEFENDER}/Machine.Read.All`] }),
    );
    expect(error.errorCode).toBe('invalid_scope');
    expect(error.errorMessage).toContain('AADSTS1002012');
  });
});

describe('on-behalf-of with msal-node', () => {
  it('exchanges a Teams SSO token for a delegated Defender token of that user', async () => {
    const assertion = entra.issueSsoToken(SEEDED_USERS.bob);
    const result = await confidentialClient().acquireTokenOnBehalfOf({ oboAssertion: assertion, scopes: [DEFENDER_DEFAULT] });
    const claims = entra.verifyAccessToken(result!.accessToken, [DEFENDER]);
    expect(claims).toMatchObject({
      aud: DEFENDER, idtyp: 'user', oid: SEEDED_USERS.bob, tid: SEEDED.tenantId,
      upn: 'bob@contoso.onmicrosoft.com', name: 'Bob Responder', appid: SEEDED.botAppId,
    });
    // Exactly the delegated permissions docs/deployment.md (1.4) tells the admin to consent to.
    const granted = ['Alert.ReadWrite', 'Machine.CollectForensics', 'Machine.Isolate', 'Machine.Read', 'Machine.RestrictExecution', 'Machine.Scan', 'Machine.StopAndQuarantine', 'Ti.ReadWrite'];
    expect(claims.scp!.split(' ').sort()).toEqual(granted);
    expect(claims.roles).toBeUndefined();
    // The answer names the granted scopes, as Entra does, not an echo of `/.default`.
    expect([...result!.scopes].sort()).toEqual(granted.map((scope) => `${DEFENDER}/${scope}`));
  });

  it.each([['mfa', 50076], ['mfaRegistration', 50079]] as const)(
    'a user under a Conditional Access policy (%s) gets interaction_required AADSTS%s with the claims challenge',
    async (requirement, code) => {
      const policy = { id: `policy-${requirement}`, resourceAppId: DEFENDER_API.appId, requirement };
      entra.directory.updateUser(SEEDED_USERS.carol, { conditionalAccess: [policy] });
      try {
        const assertion = entra.issueSsoToken(SEEDED_USERS.carol);
        const error = await confidentialClient().acquireTokenOnBehalfOf({ oboAssertion: assertion, scopes: [DEFENDER_DEFAULT] })
          .then(() => undefined, (caught: unknown) => caught as InteractionRequiredAuthError);
        expect(error).toBeInstanceOf(InteractionRequiredAuthError);
        expect(error!.errorCode).toBe('interaction_required');
        expect(error!.errorMessage).toContain(`AADSTS${code}`);
        expect(JSON.parse(error!.claims)).toEqual({
          access_token: { polids: { essential: true, values: [policy.id] } },
        });
      } finally {
        entra.directory.updateUser(SEEDED_USERS.carol, { conditionalAccess: [] });
      }
    },
  );

  it('serves a second OBO for the same assertion and the granted scopes from msal cache: no new token request reaches the twin', async () => {
    const client = confidentialClient();
    const assertion = entra.issueSsoToken(SEEDED_USERS.alice);
    const first = await client.acquireTokenOnBehalfOf({ oboAssertion: assertion, scopes: [DEFENDER_DEFAULT] });
    const requestsAfterFirst = entra.tokenRequests.length;
    // Entra answers with the granted scopes, not `/.default`: msal's cache matches a request for those.
    const second = await client.acquireTokenOnBehalfOf({ oboAssertion: assertion, scopes: [...first!.scopes] });
    expect(entra.tokenRequests.length).toBe(requestsAfterFirst);
    expect(second!.fromCache).toBe(true);
    expect(second!.accessToken).toBe(first!.accessToken);
  });

  it('accepts an assertion addressed to the api://botid-<id> URI', async () => {
    const assertion = entra.issueSsoToken(SEEDED_USERS.alice, { audience: `api://botid-${SEEDED.botAppId}` });
    const result = await confidentialClient().acquireTokenOnBehalfOf({ oboAssertion: assertion, scopes: [DEFENDER_DEFAULT] });
    expect(decoded(result!.accessToken).oid).toBe(SEEDED_USERS.alice);
  });

  it('reports missing consent as an interaction-required error (AADSTS65001, consent_required)', async () => {
    const error = await confidentialClient()
      .acquireTokenOnBehalfOf({ oboAssertion: entra.issueSsoToken(SEEDED_USERS.erin), scopes: [DEFENDER_DEFAULT] })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(InteractionRequiredAuthError);
    expect((error as InteractionRequiredAuthError).subError).toBe('consent_required');
    expect((error as InteractionRequiredAuthError).errorMessage).toContain('AADSTS65001');
  });

  it.each([
    ['expired', 'AADSTS500133', () => entra.issueSsoToken(SEEDED_USERS.bob, { issuedAtOffsetSeconds: -7200, lifetimeSeconds: 3600 })],
    ['signed by a foreign key', 'AADSTS50013', () => foreignSigningKeys(entra.keys.kid).sign(decoded(entra.issueSsoToken(SEEDED_USERS.bob)))],
    ['addressed to another app', 'AADSTS50013', () => entra.issueSsoToken(SEEDED_USERS.bob, { audience: 'api://some-other-app' })],
    ['from a user of another tenant', 'AADSTS50013', () => entra.issueSsoToken(SEEDED_USERS.mallory)],
  ])('refuses an assertion %s with invalid_grant %s', async (_case, code, makeAssertion) => {
    const error = await msalFailure(
      confidentialClient().acquireTokenOnBehalfOf({ oboAssertion: makeAssertion(), scopes: [DEFENDER_DEFAULT] }),
    );
    expect(error.errorCode).toBe('invalid_grant');
    expect(error.errorMessage).toContain(code);
  });

  it('refuses an app-only token as the assertion (AADSTS7000114)', async () => {
    const appToken = entra.issueAccessToken({ clientId: SEEDED.automationAppId, resource: `api://botid-${SEEDED.botAppId}` });
    const error = await msalFailure(
      confidentialClient().acquireTokenOnBehalfOf({ oboAssertion: appToken, scopes: [DEFENDER_DEFAULT] }),
    );
    expect(error.errorMessage).toMatch(/AADSTS(7000114|50013)/);
  });

  it('refuses an unknown scope of a known resource with invalid_scope AADSTS70011', async () => {
    const error = await msalFailure(confidentialClient().acquireTokenOnBehalfOf({
      oboAssertion: entra.issueSsoToken(SEEDED_USERS.bob), scopes: [`${DEFENDER}/Machine.TeleportToMars`],
    }));
    expect(error.errorCode).toBe('invalid_scope');
    expect(error.errorMessage).toContain('AADSTS70011');
  });
});

describe('access token verification used by the other twins', () => {
  it('names the reason a token is refused', () => {
    const good = entra.issueAccessToken({ clientId: SEEDED.botAppId, resource: DEFENDER });
    const reason = (run: () => unknown) => {
      try {
        run();
      } catch (error) {
        return (error as TokenRejectedError).reason;
      }
      return 'accepted';
    };
    expect(reason(() => entra.verifyAccessToken(good, [DEFENDER]))).toBe('accepted');
    expect(reason(() => entra.verifyAccessToken(good, ['https://api.botframework.com']))).toBe('audience');
    expect(reason(() => entra.verifyAccessToken('not-a-jwt', [DEFENDER]))).toBe('malformed');
    expect(reason(() => entra.verifyAccessToken(foreignSigningKeys(entra.keys.kid).sign(decoded(good)), [DEFENDER]))).toBe('signature');
    expect(reason(() => entra.verifyAccessToken(entra.keys.sign({ ...decoded(good), iss: 'https://evil.example/' }), [DEFENDER]))).toBe('issuer');
    const expired = entra.issueAccessToken({ clientId: SEEDED.botAppId, resource: DEFENDER, lifetimeSeconds: -400 });
    expect(reason(() => entra.verifyAccessToken(expired, [DEFENDER]))).toBe('expired');
  });
});

describe('interactive sign-in: /authorize and the authorization-code grant with PKCE', () => {
  const redirectUri = 'https://chatops.contoso.example/auth/end';
  const verifier = 'a-verifier-of-at-least-forty-three-characters-xyz';
  const challenge = crypto.createHash('sha256').update(verifier).digest('base64url');

  beforeAll(() => {
    entra.directory.apps.get(SEEDED.botAppId)!.redirectUris = [redirectUri];
  });

  /** The browser of `oid` visits /authorize; where Entra sends it back (or the error page's status). */
  async function authorize(oid: string, params: Record<string, string>): Promise<{ status: number; location?: URL }> {
    const query = new URLSearchParams({
      client_id: SEEDED.botAppId, response_type: 'code', redirect_uri: redirectUri, scope: `openid ${DEFENDER_DEFAULT}`,
      state: 's-1', code_challenge: challenge, code_challenge_method: 'S256', ...params,
    });
    const response = await fetch(`${entra.authority(SEEDED.tenantId)}/oauth2/v2.0/authorize?${query}`, {
      redirect: 'manual', headers: { Cookie: `twin-entra-session=${oid}` },
    });
    const location = response.headers.get('location');
    return { status: response.status, ...(location ? { location: new URL(location) } : {}) };
  }

  const redeem = (code: string, codeVerifier = verifier) => confidentialClient().acquireTokenByCode({
    code, codeVerifier, redirectUri, scopes: [DEFENDER_DEFAULT],
  });

  it('signs the person in, returns a code with the state, and the code with its verifier gives their token once', async () => {
    const { status, location } = await authorize(SEEDED_USERS.bob, { login_hint: 'bob@contoso.onmicrosoft.com' });
    expect(status).toBe(302);
    expect(location!.origin + location!.pathname).toBe(redirectUri);
    expect(location!.searchParams.get('state')).toBe('s-1');
    const code = location!.searchParams.get('code')!;
    const result = await redeem(code);
    expect(entra.verifyAccessToken(result.accessToken, [DEFENDER])).toMatchObject({ oid: SEEDED_USERS.bob, idtyp: 'user' });
    const replay = await redeem(code).then(() => undefined, (caught: { errorMessage: string }) => caught);
    expect(replay!.errorMessage).toContain('AADSTS54005');
  });

  it('refuses a verifier that does not match the challenge (AADSTS501481)', async () => {
    const { location } = await authorize(SEEDED_USERS.bob, {});
    const error = await redeem(location!.searchParams.get('code')!, 'another-verifier-of-at-least-forty-three-chars').then(() => undefined, (caught: { errorMessage: string }) => caught);
    expect(error!.errorMessage).toContain('AADSTS501481');
  });

  it('shows an error page, never a redirect, for an unregistered redirect URI (AADSTS50011)', async () => {
    const { status, location } = await authorize(SEEDED_USERS.bob, { redirect_uri: 'https://evil.example/auth/end' });
    expect(status).toBe(400);
    expect(location).toBeUndefined();
  });

  it('sends a person who declines consent back with access_denied (AADSTS65004)', async () => {
    entra.interactive.consentAnswer = 'decline';
    try {
      const { location } = await authorize(SEEDED_USERS.erin, {});
      expect(location!.searchParams.get('error')).toBe('access_denied');
      expect(location!.searchParams.get('error_description')).toContain('AADSTS65004');
      expect(entra.directory.requireUser(SEEDED_USERS.erin).consented).toBe(false);
    } finally {
      entra.interactive.consentAnswer = 'accept';
    }
  });
});
