/**
 * The simulated Entra ID directory: tenants, users (with their Defender role and device groups,
 * which in a real tenant live in Defender's RBAC settings) and app registrations.
 * Seeded deterministically, editable from tests.
 */

export type DefenderRole = 'none' | 'viewer' | 'responder' | 'admin';

/** Device group scope of a user: the names of Defender device groups, or 'all'. */
export type DeviceGroupScope = readonly string[] | 'all';

/**
 * A Conditional Access policy that applies to one user on one resource: MFA required (AADSTS50076)
 * or MFA registration required (AADSTS50079), satisfied only by an interactive sign-in.
 */
export interface ConditionalAccessPolicy {
  id: string;
  /** The resource's app id (e.g. the Defender API's). */
  resourceAppId: string;
  requirement: 'mfa' | 'mfaRegistration';
}

export interface DirectoryUser {
  oid: string;
  upn: string;
  displayName: string;
  tenantId: string;
  /** Has the user (or an admin for them) consented to the bot's delegated permissions? */
  consented: boolean;
  defenderRole: DefenderRole;
  deviceGroups: DeviceGroupScope;
  conditionalAccess?: ConditionalAccessPolicy[];
}

/** Permissions granted to an app, per resource (keyed by the resource's appId). */
export type PermissionGrants = Record<string, readonly string[]>;

export interface AppRegistration {
  clientId: string;
  displayName: string;
  tenantId: string;
  secrets: string[];
  /** Application ID URIs, e.g. `api://botid-<id>` for a Teams SSO bot. */
  identifierUris: string[];
  /** Delegated scopes this app exposes (its own API), e.g. `access_as_user`. */
  exposedScopes: string[];
  /** Client apps allowed to get tokens for this app's API without consent (Teams clients). */
  preAuthorizedClientIds: string[];
  /** Web redirect URIs the authorization-code flow may return to (exact match). */
  redirectUris?: string[];
  applicationPermissions: PermissionGrants;
  delegatedPermissions: PermissionGrants;
}

/** A Microsoft first-party API the twin issues tokens for. */
export interface ResourceApi {
  appId: string;
  displayName: string;
  identifierUris: string[];
  /** Token version the resource accepts: '1.0' tokens carry the identifier URI in `aud`. */
  tokenVersion: '1.0' | '2.0';
  applicationRoles: string[];
  delegatedScopes: string[];
}

export interface Tenant {
  id: string;
  domain: string;
}

export const TEAMS_CLIENT_IDS = {
  desktopAndMobile: '1fec8e78-bce4-4aaf-ab1b-5451cc387264',
  web: '5e3ce6c0-2b1f-4285-8d4b-75ee78787346',
} as const;

export const DEFENDER_API: ResourceApi = {
  appId: 'fc780465-2017-40d4-a0c5-307022471b92',
  displayName: 'WindowsDefenderATP',
  identifierUris: [
    'https://api.securitycenter.microsoft.com',
    'https://securitycenter.onmicrosoft.com/windowsatpservice',
  ],
  tokenVersion: '1.0',
  applicationRoles: [
    'Alert.Read.All', 'Alert.ReadWrite.All', 'Machine.Read.All', 'Machine.ReadWrite.All', 'Machine.Isolate',
    'Machine.Scan', 'Machine.CollectForensics', 'Machine.RestrictExecution', 'Machine.StopAndQuarantine',
    'Machine.Offboard', 'Machine.LiveResponse', 'AdvancedQuery.Read.All', 'User.Read.All', 'Ti.ReadWrite', 'Ti.ReadWrite.All',
  ],
  delegatedScopes: [
    'Alert.Read', 'Alert.ReadWrite', 'Machine.Read', 'Machine.ReadWrite', 'Machine.Isolate', 'Machine.Scan',
    'Machine.CollectForensics', 'Machine.RestrictExecution', 'Machine.StopAndQuarantine', 'Machine.Offboard',
    'Machine.LiveResponse', 'AdvancedQuery.Read', 'User.Read.All', 'Ti.ReadWrite',
  ],
};

export const BOT_FRAMEWORK_API: ResourceApi = {
  appId: '00000000-0000-0000-0000-000000000bf0', // stand-in id; on the wire only the URI is used
  displayName: 'Bot Framework',
  // Public cloud and US Government (GCC High) channels.
  identifierUris: ['https://api.botframework.com', 'https://api.botframework.us'],
  tokenVersion: '1.0',
  applicationRoles: [],
  delegatedScopes: [],
};

/**
 * Microsoft Graph, for its security API (incidents, advanced hunting). One app id in every cloud;
 * GCC High serves it at graph.microsoft.us (learn.microsoft.com/graph/deployments).
 */
export const GRAPH_API: ResourceApi = {
  appId: '00000003-0000-0000-c000-000000000000',
  displayName: 'Microsoft Graph',
  identifierUris: ['https://graph.microsoft.com', 'https://graph.microsoft.us'],
  tokenVersion: '1.0',
  applicationRoles: ['SecurityIncident.Read.All', 'SecurityIncident.ReadWrite.All', 'ThreatHunting.Read.All', 'SecurityAlert.Read.All'],
  delegatedScopes: ['SecurityIncident.Read.All', 'SecurityIncident.ReadWrite.All', 'ThreatHunting.Read.All', 'SecurityAlert.Read.All', 'User.Read'],
};

/** The bot's delegated Graph permissions: exactly what docs/deployment.md tells an admin to grant. */
export const BOT_DELEGATED_GRAPH_SCOPES = ['SecurityIncident.Read.All', 'SecurityIncident.ReadWrite.All', 'ThreatHunting.Read.All'];

/** The bot's delegated permissions on Defender: exactly what docs/deployment.md (1.4) tells an admin to grant. */
export const BOT_DELEGATED_DEFENDER_SCOPES = [
  'Alert.ReadWrite', 'Machine.Read', 'Machine.Isolate', 'Machine.Scan', 'Machine.RestrictExecution', 'Machine.CollectForensics',
  'Machine.StopAndQuarantine', 'Ti.ReadWrite',
];
/** The notifier's read-only application permissions. */
export const BOT_APPLICATION_DEFENDER_ROLES = ['Alert.Read.All', 'Machine.Read.All'];

export interface SeededIds {
  tenantId: string;
  otherTenantId: string;
  botAppId: string;
  botAppSecret: string;
  automationAppId: string;
  automationAppSecret: string;
}

export const SEEDED: SeededIds = {
  tenantId: '7f3c1a52-9d4e-4b8a-a1c6-2e5f80d4b913',
  otherTenantId: 'c2b7e9f0-5a31-4d6c-8e42-91a0f3d7b654',
  botAppId: '4a9d2c71-6e3b-4f05-b8d2-0c7e15a9f3e6',
  botAppSecret: 'twin-bot-secret~not-a-real-credential',
  automationAppId: 'e81f5b2a-3c94-4d7e-a6b0-59d2c8e1f704',
  automationAppSecret: 'twin-automation-secret~not-a-real-credential',
};

export class Directory {
  readonly tenants = new Map<string, Tenant>();
  readonly users = new Map<string, DirectoryUser>(); // by oid
  readonly apps = new Map<string, AppRegistration>(); // by clientId
  readonly resources: ResourceApi[] = [DEFENDER_API, GRAPH_API, BOT_FRAMEWORK_API];

  addTenant(tenant: Tenant): Tenant {
    this.tenants.set(tenant.id, tenant);
    return tenant;
  }

  addUser(user: DirectoryUser): DirectoryUser {
    this.users.set(user.oid, user);
    return user;
  }

  addApp(app: AppRegistration): AppRegistration {
    this.apps.set(app.clientId, app);
    return app;
  }

  /** Changes a user in place (role, groups, consent); returns the updated user. */
  updateUser(oid: string, change: Partial<Omit<DirectoryUser, 'oid'>>): DirectoryUser {
    const user = this.requireUser(oid);
    Object.assign(user, change);
    return user;
  }

  requireUser(oid: string): DirectoryUser {
    const user = this.users.get(oid);
    if (!user) throw new Error(`no user with oid ${oid} in the twin directory`);
    return user;
  }

  userByUpn(upn: string): DirectoryUser | undefined {
    const wanted = upn.toLowerCase();
    return [...this.users.values()].find((user) => user.upn.toLowerCase() === wanted);
  }

  /** Resolves a resource (first-party API or a registered app's own API) by identifier URI or app id. */
  findResource(identifier: string): ResourceApi | AppRegistration | undefined {
    const id = identifier.replace(/\/+$/, '').toLowerCase();
    const matches = (uris: string[], appId: string) =>
      appId.toLowerCase() === id || uris.some((uri) => uri.replace(/\/+$/, '').toLowerCase() === id);
    return (
      this.resources.find((api) => matches(api.identifierUris, api.appId)) ??
      [...this.apps.values()].find((app) => matches(app.identifierUris, app.clientId))
    );
  }
}

/** The simulated tenant every local run and test starts from. */
export function seedDirectory(): Directory {
  const directory = new Directory();
  const { tenantId, otherTenantId } = SEEDED;
  directory.addTenant({ id: tenantId, domain: 'contoso.onmicrosoft.com' });
  directory.addTenant({ id: otherTenantId, domain: 'fabrikam.onmicrosoft.com' });

  directory.addApp({
    clientId: SEEDED.botAppId,
    displayName: 'Defender ChatOps',
    tenantId,
    secrets: [SEEDED.botAppSecret],
    identifierUris: [`api://botid-${SEEDED.botAppId}`],
    exposedScopes: ['access_as_user'],
    preAuthorizedClientIds: [TEAMS_CLIENT_IDS.desktopAndMobile, TEAMS_CLIENT_IDS.web],
    redirectUris: [],
    applicationPermissions: { [DEFENDER_API.appId]: BOT_APPLICATION_DEFENDER_ROLES },
    delegatedPermissions: { [DEFENDER_API.appId]: BOT_DELEGATED_DEFENDER_SCOPES, [GRAPH_API.appId]: BOT_DELEGATED_GRAPH_SCOPES },
  });
  directory.addApp({
    clientId: SEEDED.automationAppId,
    displayName: 'SOC Automation',
    tenantId,
    secrets: [SEEDED.automationAppSecret],
    identifierUris: [],
    exposedScopes: [],
    preAuthorizedClientIds: [],
    redirectUris: [],
    applicationPermissions: {
      [DEFENDER_API.appId]: ['Alert.ReadWrite.All', 'Machine.ReadWrite.All', 'Machine.Isolate', 'Machine.Scan',
        'Machine.RestrictExecution', 'Machine.CollectForensics', 'Machine.StopAndQuarantine'],
    },
    delegatedPermissions: {},
  });

  const user = (
    oid: string, name: string, upnLocal: string, defenderRole: DefenderRole, deviceGroups: DeviceGroupScope,
    consented = true, tenant = tenantId,
  ) => directory.addUser({
    oid, displayName: name, upn: `${upnLocal}@${directory.tenants.get(tenant)!.domain}`, tenantId: tenant,
    consented, defenderRole, deviceGroups,
  });
  user('a1e5c0de-0000-4000-8000-000000000001', 'Alice Admin', 'alice', 'admin', 'all');
  user('b0b5c0de-0000-4000-8000-000000000002', 'Bob Responder', 'bob', 'responder', ['Workstations']);
  user('ca201c0d-0000-4000-8000-000000000003', 'Carol Viewer', 'carol', 'viewer', 'all');
  user('dade0c0d-0000-4000-8000-000000000004', 'Dave NoRole', 'dave', 'none', []);
  user('e1e5c0de-0000-4000-8000-000000000005', 'Erin NewStarter', 'erin', 'responder', 'all', false);
  user('f0f0c0de-0000-4000-8000-000000000006', 'Mallory Outsider', 'mallory', 'admin', 'all', true, otherTenantId);
  // A role that can read, but device groups not yet assigned: Defender shows her no device and no alert.
  user('9a0e5c0d-0000-4000-8000-000000000007', 'Nina NoGroups', 'nina', 'viewer', []);
  return directory;
}

export const SEEDED_USERS = {
  alice: 'a1e5c0de-0000-4000-8000-000000000001',
  bob: 'b0b5c0de-0000-4000-8000-000000000002',
  carol: 'ca201c0d-0000-4000-8000-000000000003',
  dave: 'dade0c0d-0000-4000-8000-000000000004',
  erin: 'e1e5c0de-0000-4000-8000-000000000005',
  mallory: 'f0f0c0de-0000-4000-8000-000000000006',
  nina: '9a0e5c0d-0000-4000-8000-000000000007',
} as const;
