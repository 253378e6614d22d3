import { RESPONSE_ENDPOINTS, type ResponseOperation } from './response-endpoints';

/**
 * Every way a Defender call can fail, as one error type whose `message` a person can act on.
 * Wire details (status, Defender's code and correlation id) stay available for logs and support.
 */

export type DefenderErrorKind =
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'throttled'
  | 'already_in_progress'
  | 'bad_request'
  | 'unsupported_os'
  | 'server'
  | 'timeout'
  | 'network'
  | 'malformed_response';

/** What the client was doing; decides the wording and, for 403, which access was needed. */
export type DefenderOperation =
  | 'listAlerts'
  | 'getAlert'
  | 'getMachine'
  | 'searchMachines'
  | 'findMachinesByIp'
  | 'machineAlerts'
  | 'machineActions'
  | 'getMachineAction'
  | ResponseOperation
  | 'updateAlert'
  | 'submitIndicator'
  | 'cancelAction'
  | 'getPackageUri'
  | 'listIncidents'
  | 'getIncident'
  | 'updateIncident'
  | 'runHuntingQuery';

/** The access Defender checks for an operation (reference §2.1 and §2.2). */
export interface RequiredAccess {
  /** The permission the user's Defender RBAC role must grant, on the device's device group. */
  rolePermission: 'View Data' | 'Alerts investigation' | 'Active remediation actions';
  /** Delegated API permissions of the bot's app registration, any one of which suffices. */
  delegatedPermissions: readonly string[];
  /** Application permissions, any one of which suffices (the notifier's own token). */
  applicationPermissions: readonly string[];
}

const READ_ALERTS: RequiredAccess = {
  rolePermission: 'View Data',
  delegatedPermissions: ['Alert.Read', 'Alert.ReadWrite'],
  applicationPermissions: ['Alert.Read.All', 'Alert.ReadWrite.All'],
};
const READ_MACHINES: RequiredAccess = {
  rolePermission: 'View Data',
  delegatedPermissions: ['Machine.Read', 'Machine.ReadWrite'],
  applicationPermissions: ['Machine.Read.All', 'Machine.ReadWrite.All'],
};
/** Cancel takes any one action permission; a refusal of a known action names that action's access instead (accessOfActionType). */
const ACTION_ACCESSES = Object.values(RESPONSE_ENDPOINTS).map((endpoint) => endpoint.access);
const CANCEL: RequiredAccess = {
  rolePermission: 'Active remediation actions',
  delegatedPermissions: [...new Set(ACTION_ACCESSES.flatMap((access) => access.delegatedPermissions))],
  applicationPermissions: [...new Set(ACTION_ACCESSES.flatMap((access) => access.applicationPermissions))],
};
/** https://learn.microsoft.com/defender-endpoint/api/get-package-sas-uri */
const PACKAGE_URI: RequiredAccess = {
  rolePermission: 'Alerts investigation',
  delegatedPermissions: ['Machine.CollectForensics'],
  applicationPermissions: ['Machine.Read.All', 'Machine.ReadWrite.All'],
};

const READ_INCIDENTS: RequiredAccess = {
  rolePermission: 'View Data',
  delegatedPermissions: ['SecurityIncident.Read.All', 'SecurityIncident.ReadWrite.All'],
  applicationPermissions: ['SecurityIncident.Read.All', 'SecurityIncident.ReadWrite.All'],
};
const TRIAGE_INCIDENTS: RequiredAccess = {
  rolePermission: 'Alerts investigation',
  delegatedPermissions: ['SecurityIncident.ReadWrite.All'],
  applicationPermissions: ['SecurityIncident.ReadWrite.All'],
};

const HUNT: RequiredAccess = {
  rolePermission: 'View Data',
  delegatedPermissions: ['ThreatHunting.Read.All'],
  applicationPermissions: ['ThreatHunting.Read.All'],
};

/** `PATCH /api/alerts/{id}` (update-alert.md): triage as the user. */
const TRIAGE: RequiredAccess = {
  rolePermission: 'Alerts investigation',
  delegatedPermissions: ['Alert.ReadWrite'],
  applicationPermissions: ['Alert.ReadWrite.All'],
};

/**
 * `POST /api/indicators` (post-ti-indicator): Ti.ReadWrite; the role needs "Active remediation
 * actions – Security operations" or "Manage security settings" (user-roles).
 */
const SUBMIT_INDICATOR: RequiredAccess = {
  rolePermission: 'Active remediation actions',
  delegatedPermissions: ['Ti.ReadWrite'],
  applicationPermissions: ['Ti.ReadWrite', 'Ti.ReadWrite.All'],
};

const OPERATIONS: Record<DefenderOperation, { doing: string; access: RequiredAccess; isAction: boolean }> = {
  listAlerts: { doing: 'list alerts', access: READ_ALERTS, isAction: false },
  getAlert: { doing: 'read the alert', access: READ_ALERTS, isAction: false },
  getMachine: { doing: 'read the device', access: READ_MACHINES, isAction: false },
  searchMachines: { doing: 'search devices', access: READ_MACHINES, isAction: false },
  findMachinesByIp: { doing: 'find devices by IP address', access: READ_MACHINES, isAction: false },
  machineAlerts: { doing: "read the device's alerts", access: READ_ALERTS, isAction: false },
  machineActions: { doing: "read the device's response actions", access: READ_MACHINES, isAction: false },
  getMachineAction: { doing: 'read the response action', access: READ_MACHINES, isAction: false },
  ...Object.fromEntries(Object.values(RESPONSE_ENDPOINTS).map(({ operation, doing, access }) => [operation, { doing, access, isAction: true }])) as
    Record<ResponseOperation, { doing: string; access: RequiredAccess; isAction: boolean }>,
  updateAlert: { doing: 'update the alert', access: TRIAGE, isAction: true },
  submitIndicator: { doing: 'submit the indicator', access: SUBMIT_INDICATOR, isAction: true },
  cancelAction: { doing: 'cancel the response action', access: CANCEL, isAction: true },
  getPackageUri: { doing: 'get the investigation package', access: PACKAGE_URI, isAction: false },
  listIncidents: { doing: 'list incidents', access: READ_INCIDENTS, isAction: false },
  getIncident: { doing: 'read the incident', access: READ_INCIDENTS, isAction: false },
  updateIncident: { doing: 'update the incident', access: TRIAGE_INCIDENTS, isAction: false },
  runHuntingQuery: { doing: 'run the hunting query', access: HUNT, isAction: false },
};

/** What an operation was about: the kind of thing and its id (or, for a device, the name asked for). */
export interface DefenderSubject {
  kind: 'alert' | 'device' | 'responseAction' | 'incident';
  id: string;
}

export function requiredAccess(operation: DefenderOperation): RequiredAccess {
  return OPERATIONS[operation].access;
}

/** Whether the operation acts on a device: when it fails, it may still have reached Defender. */
export function isResponseAction(operation: DefenderOperation): boolean {
  return OPERATIONS[operation].isAction;
}

export interface DefenderErrorDetails {
  operation?: DefenderOperation;
  /** What the operation was about. */
  subject?: DefenderSubject;
  status?: number;
  /** Defender's `error.code`, e.g. `ResourceNotFound`. */
  code?: string;
  /** Defender's own `error.message` (free-form, may change; reference §7.1). */
  serverMessage?: string;
  /** Defender's `error.target`: a correlation id for Microsoft support, not a field name. */
  target?: string;
  retryAfterSeconds?: number;
  timeoutMs?: number;
  /** The client's own explanation, for input refused before sending or an answer it will not follow. */
  detail?: string;
  /** The access a refusal names when it is not the operation's own (cancel names the cancelled action's). */
  access?: RequiredAccess;
}

export class DefenderApiError extends Error {
  override readonly name = 'DefenderApiError';
  readonly operation?: DefenderOperation;
  readonly subject?: DefenderSubject;
  readonly status?: number;
  readonly code?: string;
  readonly serverMessage?: string;
  readonly target?: string;
  readonly retryAfterSeconds?: number;
  readonly timeoutMs?: number;
  /** The client's own explanation (English), e.g. of input refused before sending. */
  readonly detail?: string;
  /** For `forbidden`: the role permission and API permissions the operation needs. */
  readonly requiredAccess?: RequiredAccess;

  constructor(readonly kind: DefenderErrorKind, details: DefenderErrorDetails = {}, cause?: unknown) {
    super(describe(kind, details), cause === undefined ? undefined : { cause });
    this.operation = details.operation;
    this.subject = details.subject;
    this.status = details.status;
    this.code = details.code;
    this.serverMessage = details.serverMessage;
    this.target = details.target;
    this.retryAfterSeconds = details.retryAfterSeconds;
    this.timeoutMs = details.timeoutMs;
    this.detail = details.detail;
    if (kind === 'forbidden' && details.operation) this.requiredAccess = details.access ?? requiredAccess(details.operation);
  }

  /** Input the client refuses before sending anything (it could not be a valid Defender request). */
  static invalidInput(message: string): DefenderApiError {
    return new DefenderApiError('bad_request', { detail: message });
  }
}

function describe(kind: DefenderErrorKind, details: DefenderErrorDetails): string {
  const operation = details.operation ? OPERATIONS[details.operation] : undefined;
  const doing = operation?.doing ?? 'complete the request';
  const subject = details.subject && subjectText(details.subject);
  const said = details.serverMessage ? ` Defender said: "${details.serverMessage}"` : '';
  // A failed action may still have reached Defender: say so, so nobody blindly repeats it.
  const outcomeUnknown = operation?.isAction
    ? ' The action may or may not have been accepted: check the device\'s response actions before trying again.'
    : ' Please try again in a moment.';
  switch (kind) {
    case 'unauthorized':
      return `Defender did not accept the sign-in used to ${doing} (missing, invalid or expired token). Please sign in again.`;
    case 'forbidden': {
      const access = details.access ?? (details.operation ? requiredAccess(details.operation) : undefined);
      const needs = access
        ? ` This needs the Defender role permission "${access.rolePermission}" for the device's device group, ` +
          `and the app permission ${access.delegatedPermissions.join(' or ')}.`
        : '';
      return `You are not allowed to ${doing}.${needs}${said}`;
    }
    case 'not_found':
      return subject
        ? `Defender has no ${subject}, or it is outside the device groups you can see.`
        : `Defender did not find what was asked for, or it is outside the device groups you can see.`;
    case 'throttled':
      return `Defender is busy, try again in ${details.retryAfterSeconds ?? 60} s.`;
    case 'already_in_progress':
      return `Could not ${doing}: an action of this kind is already in progress on ${subject ?? 'this device'}.`;
    case 'bad_request':
      return details.status === undefined
        ? details.detail ?? 'The request is not valid.'
        : `Defender rejected the request to ${doing}.${said}`;
    case 'unsupported_os':
      return `Could not ${doing}: the device's operating system does not support this action.${said}`;
    case 'server':
      return `Defender had an internal error (HTTP ${details.status ?? 500}) while trying to ${doing}.${outcomeUnknown}`;
    case 'timeout':
      return `Defender did not answer within ${Math.ceil((details.timeoutMs ?? 0) / 1000)} s while trying to ${doing}.${outcomeUnknown}`;
    case 'network':
      return `Could not reach Defender to ${doing} (the connection failed).${outcomeUnknown}`;
    case 'malformed_response':
      return `Defender sent an answer that could not be read while trying to ${doing}.${details.detail ? ` ${details.detail}` : ''}${outcomeUnknown}`;
  }
}

function subjectText(subject: DefenderSubject): string {
  switch (subject.kind) {
    case 'alert':
      return `alert ${subject.id}`;
    case 'device':
      return `device "${subject.id}"`;
    case 'responseAction':
      return `response action ${subject.id}`;
    case 'incident':
      return `incident ${subject.id}`;
  }
}
