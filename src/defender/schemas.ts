import { z } from 'zod';
import type { Indicator } from './indicators';
import type { Alert, Machine, MachineAction } from './model';

/**
 * The shapes of Defender's entities as the bot accepts them at the API boundary (reference §5).
 * Strict about what the bot acts on (ids, the device an alert or action is about, an action's type,
 * status and times): an entity without them is refused as malformed. Tolerant of everything else:
 * a missing or null optional field becomes null (or an empty list, or ''), and fields Defender adds
 * later pass through. Microsoft's own examples leave out e.g. a Machine's `ipAddresses`.
 */

/**
 * A field's stand-in when Defender leaves it out or sends null. A zod transform per field costs
 * several times the check itself (an alert has about forty such fields, each of its evidence two
 * dozen), so fields are checked as nullish and one pass after a successful check fills them in.
 */
const fills = new WeakMap<z.ZodType, (value: unknown) => unknown>();

function filled<T extends z.ZodType>(schema: T, fill: (value: unknown) => unknown): T {
  fills.set(schema, fill);
  return schema;
}

/** The value with its nested stand-ins filled in (objects inside lists and optional objects too). */
function fillIn(schema: z.ZodType, value: unknown): unknown {
  const fill = fills.get(schema);
  return fill ? fill(value) : value;
}

const optional = <T extends z.ZodType>(schema: T) => filled(schema.nullish(), (value) => (value == null ? null : fillIn(schema, value)));
const list = <T extends z.ZodType>(item: T) =>
  filled(z.array(item).nullish(), (value) => (value == null ? [] : (value as unknown[]).map((entry) => fillIn(item, entry))));
/** Shown as text: missing reads as empty. */
const text = filled(z.string().nullish(), (value) => value ?? '');
const flag = filled(z.boolean().nullish(), (value) => value ?? false);
const count = filled(z.number().nullish(), (value) => value ?? 0);

/** An object that keeps fields Defender adds later; its stand-ins are filled in after the check. */
function entity(shape: Record<string, z.ZodType>) {
  const standIns = Object.entries(shape).filter(([, field]) => fills.has(field));
  return filled(z.looseObject(shape), (value) => {
    const record = value as Record<string, unknown>;
    for (const [key, field] of standIns) record[key] = fillIn(field, record[key]);
    return record;
  });
}

const required = z.string().min(1);
const instant = z.string().refine((value) => !Number.isNaN(Date.parse(value)), 'not a timestamp');

const evidence = entity({
  entityType: text,
  evidenceCreationTime: optional(z.string()),
  sha1: optional(z.string()), sha256: optional(z.string()), fileName: optional(z.string()), filePath: optional(z.string()),
  processId: optional(z.number()), processCommandLine: optional(z.string()), processCreationTime: optional(z.string()),
  parentProcessId: optional(z.number()), parentProcessCreationTime: optional(z.string()),
  parentProcessFileName: optional(z.string()), parentProcessFilePath: optional(z.string()),
  ipAddress: optional(z.string()), url: optional(z.string()),
  registryKey: optional(z.string()), registryHive: optional(z.string()), registryValueType: optional(z.string()), registryValue: optional(z.string()),
  accountName: optional(z.string()), domainName: optional(z.string()), userSid: optional(z.string()), aadUserId: optional(z.string()),
  userPrincipalName: optional(z.string()), detectionStatus: optional(z.string()),
});

export const alertSchema = entity({
  id: required,
  incidentId: optional(z.number()),
  investigationId: optional(z.number()),
  assignedTo: optional(z.string()),
  severity: required,
  status: required,
  classification: optional(z.string()),
  determination: optional(z.string()),
  investigationState: optional(z.string()),
  detectionSource: text,
  detectorId: text,
  category: text,
  threatFamilyName: optional(z.string()),
  threatName: optional(z.string()),
  title: z.string(),
  description: text,
  alertCreationTime: text,
  firstEventTime: optional(z.string()),
  lastEventTime: optional(z.string()),
  lastUpdateTime: instant,
  resolvedTime: optional(z.string()),
  machineId: text,
  computerDnsName: text,
  rbacGroupName: optional(z.string()),
  aadTenantId: text,
  mitreTechniques: list(z.string()),
  relatedUser: optional(entity({ userName: text, domainName: text })),
  loggedOnUsers: list(entity({ accountName: text, domainName: text })),
  comments: list(entity({ comment: text, createdBy: text, createdTime: text })),
  evidence: list(evidence),
  domains: list(z.string()),
});

export const machineSchema = entity({
  id: required,
  computerDnsName: required,
  firstSeen: text,
  lastSeen: text,
  osPlatform: text,
  osVersion: optional(z.string()),
  version: optional(z.string()),
  osProcessor: text,
  osArchitecture: text,
  osBuild: optional(z.number()),
  agentVersion: text,
  lastIpAddress: text,
  lastExternalIpAddress: text,
  ipAddresses: list(entity({
    ipAddress: z.string(), macAddress: optional(z.string()), type: text, operationalStatus: text,
  })),
  healthStatus: text,
  onboardingStatus: text,
  riskScore: optional(z.string()),
  exposureLevel: optional(z.string()),
  deviceValue: optional(z.string()),
  rbacGroupId: count,
  rbacGroupName: optional(z.string()),
  isAadJoined: flag,
  aadDeviceId: optional(z.string()),
  machineTags: list(z.string()),
  defenderAvStatus: text,
  managedBy: text,
  managedByStatus: text,
  isPotentialDuplication: flag,
  isExcluded: flag,
  exclusionReason: optional(z.string()),
  mergedIntoMachineId: optional(z.string()),
  vmMetadata: optional(entity({ vmId: text, cloudProvider: text, resourceId: text, subscriptionId: text })),
});

export const machineActionSchema = entity({
  id: required,
  type: required,
  title: optional(z.string()),
  scope: optional(z.string()),
  requestor: text,
  requestorComment: text,
  status: required,
  machineId: required,
  computerDnsName: text,
  creationDateTimeUtc: instant,
  lastUpdateDateTimeUtc: instant,
  cancellationRequestor: optional(z.string()),
  cancellationComment: optional(z.string()),
  cancellationDateTimeUtc: optional(z.string()),
  errorHResult: count,
  externalId: optional(z.string()),
  requestSource: text,
  relatedFileInfo: optional(entity({ fileIdentifier: z.string(), fileIdentifierType: z.string() })),
  commands: list(z.unknown()),
  troubleshootInfo: optional(z.unknown()),
});

export const indicatorSchema = entity({
  id: z.union([z.string().min(1), z.number()]).transform(String),
  indicatorValue: required,
  indicatorType: required,
  action: required,
  title: text,
  expirationTime: optional(z.string()),
});

/**
 * What the bot reads, typed as the model: enum-valued fields (severity, status, type, …) are
 * checked as present strings, not against today's enum members, so a value Defender adds later is
 * shown as sent instead of failing the whole answer.
 */
export interface EntitySchema<T> {
  parse(value: unknown): { ok: true; value: T } | { ok: false };
}

function entitySchema<T>(schema: z.ZodType): EntitySchema<T> {
  return {
    parse(value) {
      const result = schema.safeParse(value);
      return result.success ? { ok: true, value: fillIn(schema, result.data) as T } : { ok: false };
    },
  };
}

export const ALERT: EntitySchema<Alert> = entitySchema<Alert>(alertSchema);
export const MACHINE: EntitySchema<Machine> = entitySchema<Machine>(machineSchema);
export const MACHINE_ACTION: EntitySchema<MachineAction> = entitySchema<MachineAction>(machineActionSchema);
export const INDICATOR: EntitySchema<Indicator> = entitySchema<Indicator>(indicatorSchema);
