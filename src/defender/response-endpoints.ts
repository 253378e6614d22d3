import type { RequiredAccess } from './errors';
import type { MachineActionType } from './model';

/** A row of the table below: one `POST /api/machines/{id}/<segment>` and what Defender checks for it. */
interface EndpointRow {
  segment: string;
  /** The MachineAction type Defender creates: what the audit line names and the follow-up tracks. */
  actionType: MachineActionType;
  /** Completes "You are not allowed to …" in the English error message (the cards say it from their strings). */
  doing: string;
  access: RequiredAccess;
}

const activeRemediation = (delegated: string): RequiredAccess => ({
  rolePermission: 'Active remediation actions', delegatedPermissions: [delegated], applicationPermissions: [delegated],
});

/**
 * Defender's machine-action endpoints (https://learn.microsoft.com/defender-endpoint/api/machineaction,
 * one page each, linked per row): the client builds the request from a row, a 403 names its access.
 * The twin's RESPONSE_ACTIONS holds the same rows (test/response-definitions.test.ts keeps them equal).
 */
const ROWS = {
  // https://learn.microsoft.com/defender-endpoint/api/isolate-machine
  isolate: { segment: 'isolate', actionType: 'Isolate', doing: 'isolate the device', access: activeRemediation('Machine.Isolate') },
  // https://learn.microsoft.com/defender-endpoint/api/unisolate-machine
  unisolate: {
    segment: 'unisolate', actionType: 'Unisolate', doing: 'release the device from isolation', access: activeRemediation('Machine.Isolate'),
  },
  // https://learn.microsoft.com/defender-endpoint/api/run-av-scan
  runAntiVirusScan: {
    segment: 'runAntiVirusScan', actionType: 'RunAntiVirusScan', doing: 'run an antivirus scan on the device', access: activeRemediation('Machine.Scan'),
  },
  // https://learn.microsoft.com/defender-endpoint/api/restrict-code-execution
  restrictCodeExecution: {
    segment: 'restrictCodeExecution', actionType: 'RestrictCodeExecution', doing: 'restrict app execution on the device',
    access: activeRemediation('Machine.RestrictExecution'),
  },
  // https://learn.microsoft.com/defender-endpoint/api/unrestrict-code-execution
  unrestrictCodeExecution: {
    segment: 'unrestrictCodeExecution', actionType: 'UnrestrictCodeExecution', doing: 'remove the app restriction from the device',
    access: activeRemediation('Machine.RestrictExecution'),
  },
  // https://learn.microsoft.com/defender-endpoint/api/collect-investigation-package (role: Alerts investigation)
  collectInvestigationPackage: {
    segment: 'collectInvestigationPackage', actionType: 'CollectInvestigationPackage', doing: 'collect an investigation package from the device',
    access: { rolePermission: 'Alerts investigation', delegatedPermissions: ['Machine.CollectForensics'], applicationPermissions: ['Machine.CollectForensics'] },
  },
  // https://learn.microsoft.com/defender-endpoint/api/stop-and-quarantine-file
  stopAndQuarantineFile: {
    segment: 'StopAndQuarantineFile', actionType: 'StopAndQuarantineFile', doing: 'stop and quarantine the file on the device',
    access: activeRemediation('Machine.StopAndQuarantine'),
  },
} as const satisfies Record<string, EndpointRow>;

export type ResponseOperation = keyof typeof ROWS;

export interface ResponseEndpoint extends EndpointRow {
  operation: ResponseOperation;
}

export const RESPONSE_ENDPOINTS = Object.fromEntries(
  Object.entries(ROWS).map(([operation, row]) => [operation, { operation, ...row }]),
) as { [Operation in ResponseOperation]: (typeof ROWS)[Operation] & { operation: Operation } };

/**
 * What cancelling an action of this type needs: the cancel endpoint takes any action permission
 * (https://learn.microsoft.com/defender-endpoint/api/cancel-machine-action); the role that decides is
 * the one the cancelled action needed [I], so a refusal names that action's access, never isolation's.
 */
export function accessOfActionType(type: MachineActionType): RequiredAccess | undefined {
  return Object.values(RESPONSE_ENDPOINTS).find((endpoint) => endpoint.actionType === type)?.access;
}
