import type { DefenderRole, DirectoryUser } from '../directory';
import { DEFENDER_API } from '../directory';
import { type EntraTwin, TokenRejectedError } from '../entra';
import { defenderErrors } from './errors';
import type { Machine } from './model';

/** Defender RBAC permissions a user needs per API group (reference §2.2). */
export type RbacPermission = 'viewData' | 'alertsInvestigation' | 'activeRemediation';

const RBAC_NAMES: Record<RbacPermission, string> = {
  viewData: 'View Data',
  alertsInvestigation: 'Alerts investigation',
  activeRemediation: 'Active remediation actions',
};

/** viewer = View Data; responder = + Alerts investigation + Active remediation; admin = everything. */
const ROLE_PERMISSIONS: Record<DefenderRole, readonly RbacPermission[]> = {
  none: [],
  viewer: ['viewData'],
  responder: ['viewData', 'alertsInvestigation', 'activeRemediation'],
  admin: ['viewData', 'alertsInvestigation', 'activeRemediation'],
};

/** What an endpoint asks of a token: any one of `application` roles or `delegated` scopes (§2.1). */
export interface Permission {
  application: readonly string[];
  delegated: readonly string[];
  rbac: RbacPermission;
}

const permission = (application: string[], delegated: string[], rbac: RbacPermission): Permission =>
  ({ application, delegated, rbac });

export const PERMISSIONS = {
  readAlerts: permission(['Alert.Read.All', 'Alert.ReadWrite.All'], ['Alert.Read', 'Alert.ReadWrite'], 'viewData'),
  writeAlerts: permission(['Alert.ReadWrite.All'], ['Alert.ReadWrite'], 'alertsInvestigation'),
  readMachines: permission(['Machine.Read.All', 'Machine.ReadWrite.All'], ['Machine.Read', 'Machine.ReadWrite'], 'viewData'),
  // The docs disagree on the role for tags (§2.2); user-roles.md puts "manage device tags" under Alerts investigation.
  tagMachines: permission(['Machine.ReadWrite.All'], ['Machine.ReadWrite'], 'alertsInvestigation'),
  isolate: permission(['Machine.Isolate'], ['Machine.Isolate'], 'activeRemediation'),
  scan: permission(['Machine.Scan'], ['Machine.Scan'], 'activeRemediation'),
  restrictExecution: permission(['Machine.RestrictExecution'], ['Machine.RestrictExecution'], 'activeRemediation'),
  collectForensics: permission(['Machine.CollectForensics'], ['Machine.CollectForensics'], 'alertsInvestigation'),
  stopAndQuarantine: permission(['Machine.StopAndQuarantine'], ['Machine.StopAndQuarantine'], 'activeRemediation'),
  // get-package-sas-uri.md: the app reads it with Machine.Read(Write).All, a user needs Machine.CollectForensics.
  packageUri: permission(['Machine.Read.All', 'Machine.ReadWrite.All'], ['Machine.CollectForensics'], 'alertsInvestigation'),
  // post-ti-indicator: Ti.ReadWrite (app also .All). user-roles: "Active remediation actions – Security
  // operations" or "Manage security settings"; the twin's roles model the first only.
  submitIndicator: permission(['Ti.ReadWrite', 'Ti.ReadWrite.All'], ['Ti.ReadWrite'], 'activeRemediation'),
  // delete-ti-indicator-by-id lists application permissions only: every delegated token is refused.
  deleteIndicator: permission(['Ti.ReadWrite', 'Ti.ReadWrite.All'], [], 'activeRemediation'),
};

const ACTION_PERMISSIONS = [
  PERMISSIONS.isolate, PERMISSIONS.scan, PERMISSIONS.restrictExecution, PERMISSIONS.collectForensics,
  PERMISSIONS.stopAndQuarantine,
];

/** Cancel accepts any one of the action permissions (§2.1); the role check then follows the action's type. */
export const CANCEL_PERMISSION: Permission = permission(
  [...new Set(ACTION_PERMISSIONS.flatMap((p) => p.application))],
  [...new Set(ACTION_PERMISSIONS.flatMap((p) => p.delegated))],
  'viewData',
);

interface CallerBase {
  tenantId: string;
  appId: string;
  /** What Defender writes into `requestor` / `createdBy`: the UPN, or the app's display name (§5.5). */
  requestor: string;
}
export interface AppCaller extends CallerBase {
  kind: 'app';
  roles: readonly string[];
}
export interface UserCaller extends CallerBase {
  kind: 'user';
  scopes: readonly string[];
  user: DirectoryUser;
}
export type Caller = AppCaller | UserCaller;

/**
 * Turns a bearer token issued by the Entra twin into a caller, and answers what that caller may
 * do. Checks follow reference §9.1: 401 for a missing, malformed, badly signed or expired token;
 * 403 for a wrong audience or a missing permission.
 */
export class DefenderAuthorizer {
  constructor(private readonly entra: EntraTwin, private readonly tenantId: string) {}

  authenticate(token: string | undefined): Caller {
    if (!token) throw defenderErrors.unauthorized('Authorization header is missing or is not a bearer token.');
    let claims;
    try {
      claims = this.entra.verifyAccessToken(token, DEFENDER_API.identifierUris);
    } catch (error) {
      if (error instanceof TokenRejectedError && error.reason === 'audience') {
        throw defenderErrors.forbidden('The access token audience is not valid for this API.');
      }
      if (error instanceof TokenRejectedError) throw defenderErrors.unauthorized();
      throw error;
    }
    // The twin serves one Defender tenant. A valid token of another tenant is authentic but that
    // tenant has no Defender for Endpoint here: refused as forbidden, as for a tenant without the service.
    if (claims.tid !== this.tenantId) {
      throw defenderErrors.forbidden(`Tenant ${claims.tid} is not provisioned for Microsoft Defender for Endpoint.`);
    }
    const directory = this.entra.directory;
    if (claims.idtyp === 'app') {
      const app = directory.apps.get(claims.appid);
      const domain = directory.tenants.get(claims.tid)?.domain;
      const displayName = app?.displayName ?? claims.appid;
      return {
        kind: 'app',
        tenantId: claims.tid,
        appId: claims.appid,
        requestor: domain ? `${displayName} (${domain})` : displayName,
        roles: claims.roles ?? [],
      };
    }
    const user = directory.users.get(claims.oid);
    if (!user) throw defenderErrors.forbidden('The signed-in user is not known to Microsoft Defender for Endpoint.');
    return {
      kind: 'user',
      tenantId: claims.tid,
      appId: claims.appid,
      requestor: user.upn,
      scopes: (claims.scp ?? '').split(' ').filter(Boolean),
      user,
    };
  }

  /** The token must carry one of the permission's roles (app) or scopes (delegated), and a user also the RBAC role. */
  authorize(caller: Caller, needed: Permission): void {
    if (caller.kind === 'app') {
      if (!needed.application.some((role) => caller.roles.includes(role))) {
        throw defenderErrors.forbidden(
          `Missing application roles. API required roles: ${needed.application.join(',')}, application roles: ${caller.roles.join(',')}.`,
        );
      }
      return;
    }
    if (!needed.delegated.some((scope) => caller.scopes.includes(scope))) {
      throw defenderErrors.forbidden(
        `Missing delegated scopes. API required scopes: ${needed.delegated.join(',')}, delegated scopes: ${caller.scopes.join(',')}.`,
      );
    }
    requireRole(caller, needed.rbac);
  }
}

/** In delegated context the user's Defender role must grant `rbac`; app tokens have no RBAC role. */
export function requireRole(caller: Caller, rbac: RbacPermission): void {
  if (caller.kind === 'app') return;
  if (!ROLE_PERMISSIONS[caller.user.defenderRole].includes(rbac)) {
    throw defenderErrors.forbidden(`The user does not have the required role permission: ${RBAC_NAMES[rbac]}.`);
  }
}

/**
 * Device-group scoping (§2.2): app tokens see the whole tenant; a user sees devices in their device
 * groups ('all' includes ungrouped devices; a list of names does not). Callers turn an invisible
 * device into 404, not 403, so that a user cannot learn that a device outside their scope exists.
 */
export function canAccessDevice(caller: Caller, machine: Pick<Machine, 'rbacGroupName'>): boolean {
  if (caller.kind === 'app') return true;
  const groups = caller.user.deviceGroups;
  if (groups === 'all') return true;
  const group = machine.rbacGroupName?.toLowerCase();
  return group !== undefined && groups.some((name) => name.toLowerCase() === group);
}
