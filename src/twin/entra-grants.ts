import crypto from 'node:crypto';
import jwt from 'jsonwebtoken';
import type { AppRegistration, Directory, DirectoryUser, ResourceApi, Tenant } from './directory';
import { entraErrors } from './entra-errors';

/** The OIDC scopes msal adds to every user-token request; they name no resource. */
const OIDC_SCOPES = new Set(['openid', 'profile', 'offline_access', 'email']);

export interface ResolvedScope {
  resource: ResourceApi | AppRegistration;
  /** The resource identifier as the client wrote it (becomes the token's `aud` for v1 resources). */
  resourceUri: string;
  /** Permission names asked for, or 'default' for `<resource>/.default`. */
  requested: string[] | 'default';
}

export function resourceAppId(resource: ResourceApi | AppRegistration): string {
  return 'clientId' in resource ? resource.clientId : resource.appId;
}

/** Resolves a tenant given by id or verified domain, as Entra's authority path allows. */
export function resolveTenant(directory: Directory, tenant: string): Tenant {
  const wanted = tenant.toLowerCase();
  const found = [...directory.tenants.values()].find((t) => t.id === wanted || t.domain === wanted);
  if (!found) throw entraErrors.tenantNotFound(tenant);
  return found;
}

/** Authenticates a confidential client registered in `tenant` with its secret. */
export function authenticateClient(
  directory: Directory,
  tenant: Tenant,
  clientId: string | null,
  clientSecret: string | null,
): AppRegistration {
  if (!clientId) throw entraErrors.missingParameter('client_id');
  const app = directory.apps.get(clientId);
  if (!app || app.tenantId !== tenant.id) throw entraErrors.appNotInTenant(clientId, tenant.id);
  if (!clientSecret) throw entraErrors.missingCredential();
  if (!app.secrets.some((secret) => timingSafeEqual(secret, clientSecret))) throw entraErrors.invalidSecret(clientId);
  return app;
}

/** Parses a v2 `scope` parameter: one resource, `.default` or named permissions, OIDC scopes ignored. */
export function resolveScope(directory: Directory, tenant: Tenant, scope: string | null): ResolvedScope {
  if (!scope) throw entraErrors.missingParameter('scope');
  const resourceScopes = scope.split(/\s+/).filter((item) => item && !OIDC_SCOPES.has(item.toLowerCase()));
  if (resourceScopes.length === 0) throw entraErrors.unknownScope(scope);
  const split = resourceScopes.map((item) => {
    const slash = item.lastIndexOf('/');
    if (slash <= 0 || !/^[a-z][a-z0-9+.-]*:/i.test(item)) throw entraErrors.unknownScope(item);
    return { uri: item.slice(0, slash), permission: item.slice(slash + 1) };
  });
  const uris = new Set(split.map((item) => item.uri.toLowerCase()));
  if (uris.size > 1) throw entraErrors.severalResources();
  const resourceUri = split[0].uri;
  const resource = directory.findResource(resourceUri);
  if (!resource) throw entraErrors.unknownResource(resourceUri, tenant.id);
  const permissions = split.map((item) => item.permission);
  if (permissions.includes('.default')) {
    if (permissions.length > 1) throw entraErrors.unknownScope(scope);
    return { resource, resourceUri, requested: 'default' };
  }
  const known = 'delegatedScopes' in resource ? resource.delegatedScopes : resource.exposedScopes;
  const unknown = permissions.find((permission) => !known.includes(permission));
  if (unknown) throw entraErrors.unknownScope(`${resourceUri}/${unknown}`);
  return { resource, resourceUri, requested: permissions };
}

export interface AssertionCheck {
  verifySignature(token: string): jwt.JwtPayload; // throws on a bad signature or unknown key
  issuersOfTenant: string[];
  nowSeconds: number;
}

/**
 * Validates an on-behalf-of user assertion as Entra does: signature, time, issuer (this tenant),
 * audience (the calling app's client id or one of its identifier URIs), and that it is a user token.
 */
export function validateUserAssertion(
  assertion: string,
  app: AppRegistration,
  directory: Directory,
  check: AssertionCheck,
): DirectoryUser {
  let claims: jwt.JwtPayload;
  try {
    claims = check.verifySignature(assertion);
  } catch (error) {
    if (error instanceof jwt.TokenExpiredError || error instanceof jwt.NotBeforeError) {
      const payload = jwt.decode(assertion) as jwt.JwtPayload;
      throw entraErrors.assertionExpired(new Date(check.nowSeconds * 1000), new Date((payload.exp ?? 0) * 1000));
    }
    throw entraErrors.assertionSignature();
  }
  if (typeof claims.iss !== 'string' || !check.issuersOfTenant.includes(claims.iss)) {
    throw entraErrors.assertionIssuer(String(claims.iss));
  }
  const audience = String(claims.aud);
  const accepted = [app.clientId, ...app.identifierUris].map((value) => value.toLowerCase());
  if (!accepted.includes(audience.toLowerCase())) throw entraErrors.assertionAudience(audience, app.clientId);
  if (typeof claims.scp !== 'string' || !claims.oid) throw entraErrors.appOnlyAssertion(app.clientId);
  const user = directory.users.get(String(claims.oid));
  if (!user || user.tenantId !== claims.tid) throw entraErrors.userNotFound();
  return user;
}

/** Delegated permissions the app may use on the resource for this request; throws when consent is missing. */
export function grantedDelegatedScopes(app: AppRegistration, user: DirectoryUser, scope: ResolvedScope): string[] {
  const granted = app.delegatedPermissions[resourceAppId(scope.resource)] ?? [];
  if (!user.consented) throw entraErrors.consentRequired(app.clientId, app.displayName);
  // `/.default` with nothing consented on the resource is a consent error, not an empty token.
  if (scope.requested === 'default') {
    if (granted.length === 0) throw entraErrors.consentRequired(app.clientId, app.displayName);
    return [...granted];
  }
  if (!scope.requested.every((permission) => granted.includes(permission))) {
    throw entraErrors.consentRequired(app.clientId, app.displayName);
  }
  return scope.requested;
}

export function grantedApplicationRoles(app: AppRegistration, scope: ResolvedScope): string[] {
  return [...(app.applicationPermissions[resourceAppId(scope.resource)] ?? [])];
}

function timingSafeEqual(a: string, b: string): boolean {
  const left = crypto.createHash('sha256').update(a).digest();
  const right = crypto.createHash('sha256').update(b).digest();
  return crypto.timingSafeEqual(left, right);
}
