import crypto from 'node:crypto';

/** An Entra ID token-endpoint error, sent in Entra's own shape (error, AADSTS description, codes). */
export class EntraError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly aadsts: number,
    readonly description: string,
    readonly suberror?: string,
    /** More fields of the error body, e.g. a Conditional Access `claims` challenge. */
    readonly extra: Record<string, unknown> = {},
  ) {
    super(`AADSTS${aadsts}: ${description}`);
  }

  body(now: Date): Record<string, unknown> {
    const traceId = crypto.randomUUID();
    const correlationId = crypto.randomUUID();
    const timestamp = now.toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
    return {
      error: this.error,
      error_description:
        `AADSTS${this.aadsts}: ${this.description} Trace ID: ${traceId} ` +
        `Correlation ID: ${correlationId} Timestamp: ${timestamp}`,
      error_codes: [this.aadsts],
      timestamp,
      trace_id: traceId,
      correlation_id: correlationId,
      error_uri: `https://login.microsoftonline.com/error?code=${this.aadsts}`,
      ...(this.suberror ? { suberror: this.suberror } : {}),
      ...this.extra,
    };
  }
}

export const entraErrors = {
  tenantNotFound: (tenant: string) =>
    new EntraError(400, 'invalid_request', 90002, `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`),
  unsupportedGrant: (grant: string) =>
    new EntraError(400, 'unsupported_grant_type', 70003, `The app requested an unsupported grant type '${grant}'.`),
  missingParameter: (name: string) =>
    new EntraError(400, 'invalid_request', 900144, `The request body must contain the following parameter: '${name}'.`),
  appNotInTenant: (clientId: string, tenant: string) =>
    new EntraError(400, 'unauthorized_client', 700016, `Application with identifier '${clientId}' was not found in the directory '${tenant}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant.`),
  invalidSecret: (clientId: string) =>
    new EntraError(401, 'invalid_client', 7000215, `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${clientId}'.`),
  missingCredential: () =>
    new EntraError(401, 'invalid_client', 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'."),
  clientCredentialScope: (scope: string) =>
    new EntraError(400, 'invalid_scope', 1002012, `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`),
  unknownResource: (resource: string, tenant: string) =>
    new EntraError(400, 'invalid_resource', 500011, `The resource principal named ${resource} was not found in the tenant named ${tenant}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.`),
  unknownScope: (scope: string) =>
    new EntraError(400, 'invalid_scope', 70011, `The provided request must include a 'scope' input parameter. The provided value for the input parameter 'scope' is not valid. The scope ${scope} is not valid.`),
  severalResources: () =>
    new EntraError(400, 'invalid_request', 28000, 'Provided value for the input parameter scope is not valid because it contains more than one resource. Scope values for different resources cannot be requested in one token request.'),
  assertionSignature: () =>
    new EntraError(400, 'invalid_grant', 50013, 'Assertion failed signature validation. [Reason - The key was not found.]'),
  assertionExpired: (now: Date, exp: Date) =>
    new EntraError(400, 'invalid_grant', 500133, `Assertion is not within its valid time range. Ensure that the access token is not expired before using it for user assertion, or request a new token. Current time: ${now.toISOString()}, expiry time of assertion ${exp.toISOString()}.`),
  assertionAudience: (audience: string, clientId: string) =>
    new EntraError(400, 'invalid_grant', 50013, `Assertion audience does not match the Client app presenting the assertion. The audience in the assertion was '${audience}' and the expected audience is '${clientId}' or one of the Application Ids of the Application Principal.`),
  assertionIssuer: (issuer: string) =>
    new EntraError(400, 'invalid_grant', 50013, `Assertion contains an invalid issuer '${issuer}' for this tenant.`),
  appOnlyAssertion: (clientId: string) =>
    new EntraError(400, 'invalid_grant', 7000114, `Application '${clientId}' is not allowed to make application on-behalf-of calls.`),
  userNotFound: () =>
    new EntraError(400, 'invalid_grant', 50034, 'The user account does not exist in this directory.'),
  /**
   * A Conditional Access policy on the resource wants more than the assertion proves; the client
   * must send the user through an interactive sign-in with these `claims` (entra-docs
   * v2-oauth2-on-behalf-of-flow.md, "Error response example").
   */
  conditionalAccess: (code: 50076 | 50079, resource: string, claims: string) =>
    new EntraError(400, 'interaction_required', code, code === 50076
      ? `Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access '${resource}'.`
      : `Due to a configuration change made by your administrator, or because you moved to a new location, you must enroll in multi-factor authentication to access '${resource}'.`,
    undefined, { claims }),
  redirectUriMismatch: (redirectUri: string, clientId: string) =>
    new EntraError(400, 'invalid_request', 50011, `The redirect URI '${redirectUri}' specified in the request does not match the redirect URIs configured for the application '${clientId}'. Make sure the redirect URI sent in the request matches one added to your application in the Azure portal.`),
  unsupportedResponseType: (responseType: string) =>
    new EntraError(400, 'unsupported_response_type', 700054, `response_type '${responseType}' is not enabled for the application.`),
  invalidCodeChallengeMethod: (method: string) =>
    new EntraError(400, 'invalid_request', 501491, `Invalid code_challenge_method '${method}'. Supported values are S256 and plain.`),
  userNotInTenant: (upn: string, tenant: string) =>
    new EntraError(400, 'invalid_request', 50020, `User account '${upn}' from identity provider does not exist in tenant '${tenant}' and cannot access the application in that tenant.`),
  consentDeclined: () =>
    new EntraError(400, 'access_denied', 65004, 'User declined to consent to access the app.'),
  invalidCode: () =>
    new EntraError(400, 'invalid_grant', 9002313, 'Invalid request. Request is malformed or invalid. - The issue here is because there was something wrong with the request to a certain endpoint.'),
  codeRedeemed: () =>
    new EntraError(400, 'invalid_grant', 54005, 'OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.'),
  codeExpired: () =>
    new EntraError(400, 'invalid_grant', 70008, 'The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.'),
  invalidRefreshToken: () =>
    new EntraError(400, 'invalid_grant', 9002313, 'Invalid request. Request is malformed or invalid. - The refresh token is not valid.'),
  refreshTokenRevoked: () =>
    new EntraError(400, 'invalid_grant', 50173, 'The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password.'),
  pkceMismatch: () =>
    new EntraError(400, 'invalid_grant', 501481, 'The Code_Verifier does not match the code_challenge supplied in the authorization request.'),
  consentRequired: (clientId: string, appName: string) =>
    new EntraError(400, 'invalid_grant', 65001, `The user or administrator has not consented to use the application with ID '${clientId}' named '${appName}'. Send an interactive authorization request for this user and resource.`, 'consent_required'),
};
