/**
 * OData v4 query options as the Defender API supports them (reference §4): `$filter` on the documented
 * filterable properties, `$orderby`, `$top` (max 10,000), `$skip`, `$expand=evidence` (alerts),
 * `$count`, and the paging rules of §4.3.
 */
import type { Alert, Machine, MachineAction } from './model';
import { compileFilter, ODataError, type PropertyType, sortKey } from './odata-filter';

export { ODataError, type PropertyType } from './odata-filter';

/** Defender's maximum page size, and the largest `$top` it accepts. */
export const MAX_PAGE_SIZE = 10_000;

export const ALERT_SEVERITIES = ['UnSpecified', 'Informational', 'Low', 'Medium', 'High'] as const;
export const ALERT_STATUSES = ['Unknown', 'New', 'InProgress', 'Resolved'] as const;
export const ALERT_CLASSIFICATIONS = ['TruePositive', 'InformationalExpectedActivity', 'FalsePositive'] as const;
export const HEALTH_STATUSES = [
  'Active', 'Inactive', 'ImpairedCommunication', 'NoSensorData', 'NoSensorDataImpairedCommunication', 'Unknown',
] as const;
export const RISK_SCORES = ['None', 'Informational', 'Low', 'Medium', 'High'] as const;
export const EXPOSURE_LEVELS = ['None', 'Low', 'Medium', 'High'] as const;
export const DEVICE_VALUES = ['Low', 'Normal', 'High'] as const;
export const MACHINE_ACTION_TYPES = [
  'RunAntiVirusScan', 'Offboard', 'LiveResponse', 'CollectInvestigationPackage', 'Isolate', 'Unisolate',
  'StopAndQuarantineFile', 'RestrictCodeExecution', 'UnrestrictCodeExecution',
] as const;
export const MACHINE_ACTION_STATUSES = ['Pending', 'InProgress', 'Succeeded', 'Failed', 'TimeOut', 'Cancelled'] as const;

export interface EntitySpec<T> {
  /** The entity set, as in `@odata.context` (`$metadata#Alerts`). */
  name: 'Alerts' | 'Machines' | 'MachineActions';
  entityType: 'Alert' | 'Machine' | 'MachineAction';
  /** Reference §4.1: the only properties `$filter` may use. */
  filterable: readonly (keyof T & string)[];
  /** Every property and its type (enums list their members in order). */
  properties: { readonly [K in keyof T & string]: PropertyType };
  /** Navigation properties `$expand` accepts. */
  expandable: readonly string[];
}

export const ALERT_SPEC: EntitySpec<Alert> = {
  name: 'Alerts',
  entityType: 'Alert',
  filterable: ['alertCreationTime', 'lastUpdateTime', 'incidentId', 'investigationId', 'id', 'assignedTo', 'detectionSource',
    'lastEventTime', 'status', 'severity', 'category'],
  properties: {
    id: 'string', incidentId: 'number', investigationId: 'number', assignedTo: 'string', severity: ALERT_SEVERITIES,
    status: ALERT_STATUSES, classification: ALERT_CLASSIFICATIONS, determination: 'string', investigationState: 'string',
    detectionSource: 'string', detectorId: 'string', category: 'string', threatFamilyName: 'string', threatName: 'string',
    title: 'string', description: 'string', alertCreationTime: 'dateTime', firstEventTime: 'dateTime', lastEventTime: 'dateTime',
    lastUpdateTime: 'dateTime', resolvedTime: 'dateTime', machineId: 'string', computerDnsName: 'string', rbacGroupName: 'string',
    aadTenantId: 'string', mitreTechniques: 'stringCollection', relatedUser: 'complex', loggedOnUsers: 'complex',
    comments: 'complex', evidence: 'complex', domains: 'stringCollection',
  },
  expandable: ['evidence'],
};

export const MACHINE_SPEC: EntitySpec<Machine> = {
  name: 'Machines',
  entityType: 'Machine',
  filterable: ['computerDnsName', 'id', 'version', 'deviceValue', 'aadDeviceId', 'machineTags', 'lastSeen', 'exposureLevel',
    'onboardingStatus', 'lastIpAddress', 'healthStatus', 'osPlatform', 'riskScore', 'rbacGroupId'],
  properties: {
    id: 'string', computerDnsName: 'string', firstSeen: 'dateTime', lastSeen: 'dateTime', osPlatform: 'string',
    osVersion: 'string', version: 'string', osProcessor: 'string', osArchitecture: 'string', osBuild: 'number',
    agentVersion: 'string', lastIpAddress: 'string', lastExternalIpAddress: 'string', ipAddresses: 'complex',
    healthStatus: HEALTH_STATUSES, onboardingStatus: 'string', riskScore: RISK_SCORES, exposureLevel: EXPOSURE_LEVELS,
    deviceValue: DEVICE_VALUES, rbacGroupId: 'number', rbacGroupName: 'string', isAadJoined: 'boolean', aadDeviceId: 'string',
    machineTags: 'stringCollection', defenderAvStatus: 'string', managedBy: 'string', managedByStatus: 'string',
    isPotentialDuplication: 'boolean', isExcluded: 'boolean', exclusionReason: 'string', mergedIntoMachineId: 'string',
    vmMetadata: 'complex',
  },
  expandable: [],
};

export const MACHINE_ACTION_SPEC: EntitySpec<MachineAction> = {
  name: 'MachineActions',
  entityType: 'MachineAction',
  filterable: ['id', 'status', 'machineId', 'type', 'requestor', 'creationDateTimeUtc'],
  properties: {
    id: 'string', type: MACHINE_ACTION_TYPES, title: 'string', scope: 'string', requestor: 'string', requestorComment: 'string',
    status: MACHINE_ACTION_STATUSES, machineId: 'string', computerDnsName: 'string', creationDateTimeUtc: 'dateTime',
    lastUpdateDateTimeUtc: 'dateTime', cancellationRequestor: 'string', cancellationComment: 'string',
    cancellationDateTimeUtc: 'dateTime', errorHResult: 'number', externalId: 'string', requestSource: 'string',
    relatedFileInfo: 'complex', commands: 'complex', troubleshootInfo: 'complex',
  },
  expandable: [],
};

export interface ODataQuery {
  filter?: (item: object) => boolean;
  orderBy: { property: string; descending: boolean }[];
  /** Orders items per `orderBy` with the entity's property types (enum members by rank, instants by time). */
  compare?: (a: object, b: object) => number;
  top?: number;
  skip: number;
  expandEvidence: boolean;
  count: boolean;
}

export interface ODataPage<T> {
  items: T[];
  /** Set when more items match and no `$top` was given: the `$skip` of the next page. */
  nextSkip?: number;
  /** Set for `$count=true`: how many items match the filter, across all pages. */
  count?: number;
}

const SUPPORTED_OPTIONS = ['$filter', '$orderby', '$top', '$skip', '$expand', '$count'];
const NON_NEGATIVE_INTEGER = /^\d+$/;

/** Reads the OData query options of a request; other (non-`$`) parameters are left to the caller. Throws ODataError. */
export function parseODataQuery<T>(params: URLSearchParams, spec: EntitySpec<T>): ODataQuery {
  for (const key of new Set(params.keys())) {
    if (!key.startsWith('$')) continue;
    if (!SUPPORTED_OPTIONS.includes(key)) {
      throw new ODataError(`The query option '${key}' is not supported. Supported: ${SUPPORTED_OPTIONS.join(', ')}.`);
    }
    if (params.getAll(key).length > 1) {
      throw new ODataError(`Query option '${key}' was specified more than once, but it must be specified at most once.`);
    }
  }
  const filterText = params.get('$filter');
  const orderBy = parseOrderBy(params.get('$orderby'), spec);
  const top = parseCount('$top', params.get('$top'));
  if (top !== undefined && top > MAX_PAGE_SIZE) {
    throw new ODataError(`The limit of '${MAX_PAGE_SIZE}' for Top query has been exceeded. The value from the incoming request is '${top}'.`);
  }
  return {
    filter: filterText === null ? undefined : compileFilter(filterText, spec),
    orderBy,
    compare: orderBy.length > 0 ? comparator(orderBy, (property, value) => sortKey(spec.properties[property as keyof T & string], value)) : undefined,
    top,
    skip: parseCount('$skip', params.get('$skip')) ?? 0,
    expandEvidence: parseExpand(params.get('$expand'), spec),
    count: parseBoolean('$count', params.get('$count')),
  };
}

function parseCount(option: string, text: string | null): number | undefined {
  if (text === null) return undefined;
  if (!NON_NEGATIVE_INTEGER.test(text.trim())) {
    throw new ODataError(`Invalid value '${text}' for ${option} query option found. The ${option} query option requires a non-negative integer value.`);
  }
  return Number(text.trim());
}

function parseBoolean(option: string, text: string | null): boolean {
  if (text === null || text === 'false') return false;
  if (text === 'true') return true;
  throw new ODataError(`'${text}' is not a valid value for ${option}; use true or false.`);
}

function parseExpand<T>(text: string | null, spec: EntitySpec<T>): boolean {
  if (text === null) return false;
  const names = text.split(',').map((name) => name.trim());
  for (const name of names) {
    if (!spec.expandable.includes(name)) {
      throw new ODataError(`Could not find a navigation property named '${name}' on type '${spec.entityType}' for $expand.`);
    }
  }
  return names.includes('evidence');
}

const ORDER_BY_ITEM = /^([A-Za-z_][A-Za-z0-9_]*)(?:\s+(asc|desc))?$/;

function parseOrderBy<T>(text: string | null, spec: EntitySpec<T>): ODataQuery['orderBy'] {
  if (text === null) return [];
  return text.split(',').map((item) => {
    const match = ORDER_BY_ITEM.exec(item.trim());
    if (!match) throw new ODataError(`Syntax error in $orderby: '${item.trim()}' is not 'property', 'property asc' or 'property desc'.`);
    const [, property, direction] = match;
    const type = spec.properties[property as keyof T & string];
    if (type === undefined) throw new ODataError(`Could not find a property named '${property}' on type '${spec.entityType}'.`);
    if (type === 'complex' || type === 'stringCollection') {
      throw new ODataError(`The property '${property}' cannot be used in $orderby: it is not a single primitive value.`);
    }
    return { property, descending: direction === 'desc' };
  });
}

type SortKeyOf = (property: string, value: unknown) => unknown;

/** Sorts by each orderBy key in turn; null sorts before any value (OData), so it comes last when descending. */
function comparator(orderBy: ODataQuery['orderBy'], keyOf: SortKeyOf): (a: object, b: object) => number {
  return (a, b) => {
    for (const { property, descending } of orderBy) {
      const x = keyOf(property, (a as Record<string, unknown>)[property] ?? null) as string | number | boolean | null;
      const y = keyOf(property, (b as Record<string, unknown>)[property] ?? null) as string | number | boolean | null;
      if (x === y) continue;
      const ascending = x === null ? -1 : y === null ? 1 : x < y ? -1 : x > y ? 1 : 0;
      if (ascending !== 0) return descending ? -ascending : ascending;
    }
    return 0;
  };
}

/**
 * Filters, orders and pages `items` (reference §4.3): without `$top` at most 10,000 items and a
 * `nextSkip` when more match; with `$top`, min($top, 10,000) items and never a `nextSkip`.
 * Items that tie on every `$orderby` key keep their order in `items` (the sort is stable; alerts
 * stay in the order they were seeded or raised), the same on every request: Defender documents no
 * tie order, and a stable one is what `$skip` paging through ties needs. Evidence handling
 * (`expandEvidence`) is left to the caller.
 */
export function applyODataQuery<T>(items: readonly T[], query: ODataQuery): ODataPage<T> {
  const matching = query.filter ? items.filter((item) => query.filter!(item as object)) : [...items];
  if (query.orderBy.length > 0) {
    matching.sort((query.compare ?? comparator(query.orderBy, (_property, value) => value)) as (a: T, b: T) => number);
  }
  const pageSize = Math.min(query.top ?? MAX_PAGE_SIZE, MAX_PAGE_SIZE);
  const page = matching.slice(query.skip, query.skip + pageSize);
  const end = query.skip + page.length;
  return {
    items: page,
    ...(query.top === undefined && end < matching.length ? { nextSkip: end } : {}),
    ...(query.count ? { count: matching.length } : {}),
  };
}

/** Encodes a query component but keeps the characters OData URLs show as they are (`$`, quotes, parentheses, `,`, `:`, `/`). */
function encodeQueryComponent(text: string): string {
  return encodeURIComponent(text).replace(/%(24|2C|3A|2F)/g, (escape) => decodeURIComponent(escape));
}

/** nextLink per reference §4.3: `${collectionUrl}?{original query params}&$skip={n}` (an existing $skip is replaced). */
export function buildNextLink(collectionUrl: string, params: URLSearchParams, nextSkip: number): string {
  const parts = [...params]
    .filter(([key]) => key !== '$skip')
    .map(([key, value]) => `${encodeQueryComponent(key)}=${encodeQueryComponent(value)}`);
  parts.push(`$skip=${nextSkip}`);
  return `${collectionUrl}?${parts.join('&')}`;
}
