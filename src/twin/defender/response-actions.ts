import { CONTAIN_SCOPE, type ActionRequest } from './actions';
import { PERMISSIONS, type Permission } from './auth';
import { type BodySpec, bodySpec } from './bodies';
import { defenderErrors } from './errors';
import type { Machine, MachineActionType } from './model';
import { isOnboarded, type OsCapability, supports } from './os-support';

type Body = Record<string, string | undefined>;
type PreparedAction = Omit<ActionRequest, 'comment' | 'requestor'>;

/** One response-action endpoint (reference §3.2): path, permission, body, and what it asks of the device. */
export interface ResponseActionEndpoint {
  name: string;
  /** Path segment after `/machines/{id}/`. */
  segment: string;
  type: MachineActionType;
  permission: Permission;
  body: BodySpec<string>;
  /** Validates body values against the device (OS gating) and returns the action to create. */
  prepare(body: Body, machine: Machine, strict: boolean): PreparedAction;
}

/** An enum value of a body property: exact casing in strict mode, like property names. */
function enumValue(body: Body, field: string, allowed: readonly string[], strict: boolean, fallback?: string): string {
  const value = body[field];
  if (value === undefined) {
    if (fallback === undefined) throw defenderErrors.missingParameter(field);
    return fallback;
  }
  const match = allowed.find((candidate) => (strict ? candidate === value : candidate.toLowerCase() === value.toLowerCase()));
  if (!match) throw defenderErrors.invalidRequestBody(`Invalid ${field} '${value}'. Valid values: ${allowed.join(', ')}.`);
  return match;
}

function requireOnboarded(machine: Machine): void {
  if (!isOnboarded(machine)) {
    throw defenderErrors.badRequest(
      `Machine ${machine.id} is not onboarded to Microsoft Defender for Endpoint; only IsolationType UnManagedDevice (contain) applies.`,
    );
  }
}

function requireOs(machine: Machine, capability: OsCapability, what: string): void {
  if (!supports(machine, capability)) {
    const version = machine.version ? ` ${machine.version}` : '';
    throw defenderErrors.osNotSupported(`${what} is not supported on ${machine.osPlatform}${version}.`);
  }
}

const COMMENT_ONLY = bodySpec(['Comment'], ['Comment']);

const onboardedOnly = (type: MachineActionType, capability?: OsCapability, what: string = type) =>
  (_body: Body, machine: Machine): PreparedAction => {
    requireOnboarded(machine);
    if (capability) requireOs(machine, capability, what);
    return { type, scope: null };
  };

export const RESPONSE_ACTIONS: readonly ResponseActionEndpoint[] = [
  {
    name: 'machines.isolate',
    segment: 'isolate',
    type: 'Isolate',
    permission: PERMISSIONS.isolate,
    body: bodySpec(['Comment', 'IsolationType'], ['Comment']),
    prepare(body, machine, strict) {
      const isolationType = enumValue(body, 'IsolationType', ['Full', 'Selective', CONTAIN_SCOPE], strict, 'Full');
      if (isolationType === CONTAIN_SCOPE) {
        // "Contain device" for a device Defender discovered but that has no sensor; the contained
        // device's own state does not matter, its onboarded peers enforce it. Type/scope reported: [I].
        if (isOnboarded(machine)) {
          throw defenderErrors.badRequest(`IsolationType ${CONTAIN_SCOPE} applies only to devices that are not onboarded; use Full or Selective.`);
        }
        return { type: 'Isolate', scope: CONTAIN_SCOPE };
      }
      requireOnboarded(machine);
      requireOs(machine, isolationType === 'Selective' ? 'selectiveIsolation' : 'fullIsolation', `${isolationType} isolation`);
      return { type: 'Isolate', scope: isolationType };
    },
  },
  {
    name: 'machines.unisolate',
    segment: 'unisolate',
    type: 'Unisolate',
    permission: PERMISSIONS.isolate,
    body: COMMENT_ONLY,
    // Also releases a contained unmanaged device, so no onboarding requirement.
    prepare: () => ({ type: 'Unisolate', scope: null }),
  },
  {
    name: 'machines.runAntiVirusScan',
    segment: 'runAntiVirusScan',
    type: 'RunAntiVirusScan',
    permission: PERMISSIONS.scan,
    body: bodySpec(['Comment', 'ScanType'], ['Comment', 'ScanType']),
    prepare(body, machine, strict) {
      const scanType = enumValue(body, 'ScanType', ['Quick', 'Full'], strict);
      requireOnboarded(machine);
      return { type: 'RunAntiVirusScan', scope: scanType };
    },
  },
  {
    name: 'machines.restrictCodeExecution',
    segment: 'restrictCodeExecution',
    type: 'RestrictCodeExecution',
    permission: PERMISSIONS.restrictExecution,
    body: COMMENT_ONLY,
    prepare: onboardedOnly('RestrictCodeExecution', 'restrictExecution', 'Restricting app execution'),
  },
  {
    name: 'machines.unrestrictCodeExecution',
    segment: 'unrestrictCodeExecution',
    type: 'UnrestrictCodeExecution',
    permission: PERMISSIONS.restrictExecution,
    body: COMMENT_ONLY,
    prepare: onboardedOnly('UnrestrictCodeExecution', 'restrictExecution', 'Removing app restriction'),
  },
  {
    name: 'machines.collectInvestigationPackage',
    segment: 'collectInvestigationPackage',
    type: 'CollectInvestigationPackage',
    permission: PERMISSIONS.collectForensics,
    body: COMMENT_ONLY,
    prepare: onboardedOnly('CollectInvestigationPackage'),
  },
  {
    name: 'machines.stopAndQuarantineFile',
    segment: 'StopAndQuarantineFile',
    type: 'StopAndQuarantineFile',
    permission: PERMISSIONS.stopAndQuarantine,
    body: bodySpec(['Comment', 'Sha1'], ['Comment', 'Sha1']),
    prepare(body, machine) {
      const sha1 = body.Sha1 ?? '';
      if (!/^[0-9a-f]{40}$/i.test(sha1)) throw defenderErrors.invalidHash(sha1);
      requireOnboarded(machine);
      requireOs(machine, 'stopAndQuarantine', 'Stop and quarantine file');
      return {
        type: 'StopAndQuarantineFile',
        scope: null,
        relatedFileInfo: { fileIdentifier: sha1.toLowerCase(), fileIdentifierType: 'Sha1' },
      };
    },
  },
];

/** The RBAC permission needed to act on (e.g. cancel) an action of this type. */
export function permissionForActionType(type: MachineActionType): Permission {
  return RESPONSE_ACTIONS.find((endpoint) => endpoint.type === type)?.permission ?? PERMISSIONS.isolate;
}
