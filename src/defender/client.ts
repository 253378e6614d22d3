import net from 'node:net';
import { distance } from 'fastest-levenshtein';
import type { AlertUpdate } from './alert-triage';
import { accessOfActionType, RESPONSE_ENDPOINTS, type ResponseEndpoint } from './response-endpoints';
import { DefenderApiError, type DefenderOperation, type DefenderSubject } from './errors';
import { DefenderHttp, type AccessTokenSource, type DefenderCall, type DefenderHttpOptions } from './http';
import { ISOLATION_HISTORY_QUERY, isolationStateFrom, type IsolationState } from './isolation';
import type { Alert, AlertSeverity, AlertStatus, DeviceGroup, Machine, MachineAction, MachineActionType } from './model';
import { anyOf, compareInstants, odataDate, odataString, pathSegment, queryString } from './odata';
import { ALERT, type EntitySchema, INDICATOR, MACHINE, MACHINE_ACTION } from './schemas';
import type { Indicator, IndicatorSubmission } from './indicators';

export type { AccessTokenSource, RequestInfo, RetryTimer } from './http';
export type DefenderClientOptions = DefenderHttpOptions;

export interface AlertQuery {
  /** Any casing (`high`); sent as Defender's enum names. */
  severities?: string[];
  statuses?: string[];
  assignedTo?: string;
  /** Default 20; at most 10,000 (reference §4.2). */
  top?: number;
  /** `<property> [asc|desc]`; default `alertCreationTime desc`. */
  orderBy?: string;
}

export interface MachineActionQuery {
  /** Default 10. */
  top?: number;
  types?: readonly MachineActionType[];
}

const SEVERITIES: readonly AlertSeverity[] = ['UnSpecified', 'Informational', 'Low', 'Medium', 'High'];
const STATUSES: readonly AlertStatus[] = ['Unknown', 'New', 'InProgress', 'Resolved'];
const MAX_TOP = 10_000;
const DEFAULT_ALERT_TOP = 20;
const DEFAULT_ACTION_TOP = 10;
const DEFAULT_SEARCH_TOP = 10;
/** Candidates fetched to rank "did you mean" names from. */
const SUGGESTION_POOL = 50;
/** A guard against a server whose next-page links never end. */
const MAX_PAGES = 1000;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ORDER_BY = /^[A-Za-z][A-Za-z0-9]*( (asc|desc))?$/;

/**
 * The Defender for Endpoint API as the bot uses it. Every method takes the acting identity's token
 * source, so Defender applies that identity's own permissions, roles and device groups.
 * Each method makes one request (plus bounded retries for reads), except the paging iterator.
 */
export class DefenderClient {
  private readonly http: DefenderHttp;

  constructor(options: DefenderClientOptions) {
    this.http = new DefenderHttp(options);
  }

  async listAlerts(token: AccessTokenSource, query: AlertQuery = {}): Promise<Alert[]> {
    const conditions: string[] = [];
    if (query.severities?.length) conditions.push(anyOf('severity', query.severities.map((s) => canonical(s, SEVERITIES, 'severity'))));
    if (query.statuses?.length) conditions.push(anyOf('status', query.statuses.map((s) => canonical(s, STATUSES, 'status'))));
    if (query.assignedTo !== undefined) conditions.push(`assignedTo eq ${odataString(query.assignedTo)}`);
    const orderBy = query.orderBy ?? 'alertCreationTime desc';
    if (!ORDER_BY.test(orderBy)) throw DefenderApiError.invalidInput(`"${orderBy}" is not a valid sort order.`);
    const options = {
      $filter: conditions.length ? conditions.join(' and ') : undefined,
      $orderby: orderBy,
      $top: top(query.top ?? DEFAULT_ALERT_TOP),
    };
    return this.list(token, { method: 'GET', target: `/api/alerts${queryString(options)}`, route: '/api/alerts', operation: 'listAlerts' }, ALERT);
  }

  /**
   * Alerts updated after `since` (a watermark), oldest change first, with evidence, page by page.
   * With `pageSize` (what the notifier uses) it pages by the watermark and stops at a short page,
   * because Defender gives no nextLink when `$top` is set (reference §4.3). Without it, it follows
   * `@odata.nextLink`, refusing a link that lost the query's `$filter`, `$orderby` or `$expand`:
   * users report real next links without `$filter` that page through everything (issue #8316).
   */
  async *alertsChangedSince(token: AccessTokenSource, since: string, pageSize?: number): AsyncIterable<Alert[]> {
    if (pageSize !== undefined) {
      yield* this.alertsByWatermark(token, odataDate(since), top(pageSize));
      return;
    }
    const base = { $filter: `lastUpdateTime gt ${odataDate(since)}`, $expand: 'evidence', $orderby: 'lastUpdateTime asc' };
    let target: string | undefined = `/api/alerts${queryString(base)}`;
    for (let page = 0; target !== undefined && page < MAX_PAGES; page++) {
      const { items, nextLink }: Page<Alert> = await this.page(token, listAlertsCall(target), ALERT);
      if (items.length > 0) yield items;
      if (nextLink !== undefined) requireSameQuery(nextLink, base, 'listAlerts');
      target = nextLink;
    }
    if (target !== undefined) throw tooManyAlertPages();
  }

  /**
   * Pages of `size` alerts changed after `since`, each next page asked from the last alert read
   * (`lastUpdateTime ge` its time, less the alerts of that time already read), not with `$skip`:
   * an alert that changes between two reads moves to the end, and with `$skip` the alert after
   * its old place would never be read. A full page of one single timestamp cannot move the
   * watermark on; the alerts of that timestamp are then read with `eq` and `$skip` (in Defender's
   * order of ties), stepping back by as many as left that timestamp since the previous page (its
   * `@odata.count` dropped), so that none is skipped; those that left come again, later, as changes.
   * (Without `@odata.count`, which Defender does not document, there is no stepping back.)
   */
  private async *alertsByWatermark(token: AccessTokenSource, since: string, size: number): AsyncIterable<Alert[]> {
    let from: { operator: 'gt' | 'ge'; time: string } = { operator: 'gt', time: since };
    let tie: { skip: number; count?: number } | undefined;
    // The ids of the alerts read whose lastUpdateTime is `from.time`: a `ge` page starts with them again.
    const readAtFrom = new Set<string>();
    const alreadyRead = (alert: Alert) => readAtFrom.has(alert.id) && compareInstants(alert.lastUpdateTime, from.time) === 0;
    for (let page = 0; page < MAX_PAGES; page++) {
      const query = {
        $filter: `lastUpdateTime ${tie ? 'eq' : from.operator} ${from.time}`, $expand: 'evidence', $orderby: 'lastUpdateTime asc',
        $top: size, $skip: tie?.skip || undefined, $count: tie ? 'true' : undefined,
      };
      const { items, count } = await this.page(token, listAlertsCall(`/api/alerts${queryString(query)}`), ALERT);
      const fresh = items.filter((alert) => !alreadyRead(alert));
      if (fresh.length > 0) yield fresh;
      const full = items.length === size;
      if (tie) {
        for (const alert of fresh) readAtFrom.add(alert.id);
        if (!full) {
          from = { operator: 'gt', time: from.time };
          tie = undefined;
          readAtFrom.clear();
        } else {
          const left = tie.count !== undefined && count !== undefined ? Math.max(0, tie.count - count) : 0;
          tie = { skip: left > 0 ? Math.max(0, tie.skip - left) : tie.skip + items.length, count };
        }
        continue;
      }
      if (!full) return;
      const last = items[items.length - 1].lastUpdateTime;
      if (compareInstants(last, from.time) !== 0) readAtFrom.clear();
      for (const alert of items) if (compareInstants(alert.lastUpdateTime, last) === 0) readAtFrom.add(alert.id);
      from = { operator: 'ge', time: odataDate(last) };
      if (compareInstants(items[0].lastUpdateTime, last) === 0) tie = { skip: 0 };
    }
    throw tooManyAlertPages();
  }

  /** One alert, with its evidence (a single GET includes it; reference §4.2). */
  async getAlert(token: AccessTokenSource, id: string): Promise<Alert> {
    const call = this.get(`/api/alerts/${pathSegment(id, 'alert id')}`, '/api/alerts/{id}', 'getAlert', { kind: 'alert', id });
    return entity(await this.http.read(token, call), ALERT, call.operation);
  }

  /** Triage as the user (`PATCH /api/alerts/{id}`, Alert.ReadWrite): one request, never retried; the updated alert. */
  async updateAlert(token: AccessTokenSource, id: string, update: AlertUpdate): Promise<Alert> {
    const call: DefenderCall = {
      method: 'PATCH',
      target: `/api/alerts/${pathSegment(id, 'alert id')}`,
      route: '/api/alerts/{id}',
      operation: 'updateAlert',
      subject: { kind: 'alert', id },
      body: Object.fromEntries(Object.entries(update).filter(([, value]) => value !== undefined)),
    };
    return entity(await this.http.act(token, call), ALERT, 'updateAlert');
  }

  /** By device id or computer name (both are accepted by `GET /api/machines/{id}`; reference §3.1 R5). */
  async getMachine(token: AccessTokenSource, idOrComputerName: string): Promise<Machine> {
    const call = this.get(`/api/machines/${pathSegment(idOrComputerName, 'device name')}`, '/api/machines/{id}', 'getMachine', { kind: 'device', id: idOrComputerName });
    return entity(await this.http.read(token, call), MACHINE, call.operation);
  }

  /** Which of these devices the caller can see (one request; Defender leaves out the others). */
  async machinesByIds(token: AccessTokenSource, ids: readonly string[]): Promise<Machine[]> {
    if (ids.length === 0) return [];
    const options = { $filter: anyOf('id', ids), $top: top(ids.length) };
    return this.searchMachineList(token, `/api/machines${queryString(options)}`);
  }

  /** Devices whose name starts with `text`. */
  async searchMachines(token: AccessTokenSource, text: string, count = DEFAULT_SEARCH_TOP): Promise<Machine[]> {
    const options = { $filter: `startswith(computerDnsName,${odataString(text)})`, $top: top(count) };
    return this.searchMachineList(token, `/api/machines${queryString(options)}`);
  }

  /**
   * "Did you mean": names of devices close to `name`, best first. One request (devices sharing the
   * first characters), or two when nothing shares them (devices sharing the first character).
   */
  async closestMachineNames(token: AccessTokenSource, name: string, limit = 3): Promise<string[]> {
    const wanted = name.trim().toLowerCase();
    if (wanted === '') return [];
    let candidates = await this.searchMachines(token, wanted.slice(0, 3), SUGGESTION_POOL);
    if (candidates.length === 0 && wanted.length > 1) candidates = await this.searchMachines(token, wanted.slice(0, 1), SUGGESTION_POOL);
    return rankByCloseness(wanted, candidates.map((machine) => machine.computerDnsName)).slice(0, limit);
  }

  /**
   * A device group the caller can see that is not among `known` (and, if given, is among `within`),
   * from one device of it: `rbacGroupId` is filterable (reference §4.1), so each call reveals one
   * more group for a one-item page. Ungrouped devices (`rbacGroupId` 0) never count.
   */
  async deviceGroupBeyond(token: AccessTokenSource, known: readonly number[], within?: readonly number[]): Promise<DeviceGroup | undefined> {
    if (within?.length === 0) return undefined;
    const ids = [...known, ...(within ?? [])];
    if (!ids.every((id) => Number.isSafeInteger(id))) throw DefenderApiError.invalidInput('A device group id must be a whole number.');
    const conditions = ['rbacGroupId ne 0', ...known.map((id) => `rbacGroupId ne ${id}`)];
    if (within) conditions.push(`(${within.map((id) => `rbacGroupId eq ${id}`).join(' or ')})`);
    const options = { $filter: conditions.join(' and '), $top: 1 };
    const [machine] = await this.searchMachineList(token, `/api/machines${queryString(options)}`);
    return machine?.rbacGroupName ? { id: machine.rbacGroupId, name: machine.rbacGroupName } : undefined;
  }

  /** Devices seen with this internal IP within ±15 minutes of `at` (reference §3.1 R6). */
  async findMachinesByIp(token: AccessTokenSource, ip: string, at: Date): Promise<Machine[]> {
    if (net.isIP(ip) === 0) throw DefenderApiError.invalidInput(`"${ip}" is not an IP address.`);
    const target = `/api/machines/findbyip(ip=${odataString(ip)},timestamp=${odataDate(at)})`;
    return this.list(token, this.get(target, '/api/machines/findbyip', 'findMachinesByIp'), MACHINE);
  }

  async machineAlerts(token: AccessTokenSource, machineId: string): Promise<Alert[]> {
    const target = `/api/machines/${pathSegment(machineId, 'device id')}/alerts`;
    return this.list(token, this.get(target, '/api/machines/{id}/alerts', 'machineAlerts', { kind: 'device', id: machineId }), ALERT);
  }

  /** The device's response actions, newest first. */
  async machineActions(token: AccessTokenSource, machineId: string, query: MachineActionQuery = {}): Promise<MachineAction[]> {
    const conditions = [`machineId eq ${odataString(machineId)}`];
    if (query.types?.length) conditions.push(anyOf('type', query.types));
    const options = {
      $filter: conditions.join(' and '),
      $orderby: 'creationDateTimeUtc desc',
      $top: top(query.top ?? DEFAULT_ACTION_TOP),
    };
    return this.list(token, this.get(`/api/machineactions${queryString(options)}`, '/api/machineactions', 'machineActions'), MACHINE_ACTION);
  }

  /** These response actions, as far as the caller can see them: one request for up to 50 ids. */
  async machineActionsByIds(token: AccessTokenSource, ids: readonly string[]): Promise<MachineAction[]> {
    if (ids.length === 0) return [];
    for (const id of ids) if (!GUID.test(id)) throw DefenderApiError.invalidInput(`"${id}" is not a response action id.`);
    const options = { $filter: anyOf('id', ids), $top: top(ids.length) };
    return this.list(token, this.get(`/api/machineactions${queryString(options)}`, '/api/machineactions', 'machineActions'), MACHINE_ACTION);
  }

  /**
   * The newest isolation actions of every device the caller can see, newest first, in one request
   * (`$filter=(type eq 'Isolate' or type eq 'Unisolate')`): Defender has no list of isolated
   * devices (reference §8), so the state of each is read from these. `$top` answers carry no next link.
   */
  async isolationHistory(token: AccessTokenSource, count: number): Promise<MachineAction[]> {
    const options = { $filter: anyOf('type', ISOLATION_HISTORY_QUERY.types), $orderby: 'creationDateTimeUtc desc', $top: top(count) };
    return this.list(token, this.get(`/api/machineactions${queryString(options)}`, '/api/machineactions', 'machineActions'), MACHINE_ACTION);
  }

  /** Whether the device is isolated, from one request for its isolation history (reference §8). */
  async isolationState(token: AccessTokenSource, machineId: string): Promise<IsolationState> {
    return isolationStateFrom(await this.machineActions(token, machineId, ISOLATION_HISTORY_QUERY));
  }

  async getMachineAction(token: AccessTokenSource, actionId: string): Promise<MachineAction> {
    if (!GUID.test(actionId)) throw DefenderApiError.invalidInput(`"${actionId}" is not a response action id.`);
    const call = this.get(`/api/machineactions/${actionId}`, '/api/machineactions/{id}', 'getMachineAction', { kind: 'responseAction', id: actionId });
    return entity(await this.http.read(token, call), MACHINE_ACTION, call.operation);
  }

  /** One request, never retried: a repeated isolate may be refused or return the pending action. */
  async isolate(token: AccessTokenSource, machineId: string, comment: string, isolationType: 'Full' | 'Selective'): Promise<MachineAction> {
    return this.respond(token, RESPONSE_ENDPOINTS.isolate, machineId, comment, { IsolationType: isolationType });
  }

  /** One request, never retried. */
  async unisolate(token: AccessTokenSource, machineId: string, comment: string): Promise<MachineAction> {
    return this.respond(token, RESPONSE_ENDPOINTS.unisolate, machineId, comment);
  }

  /** A machine action (isolate, scan, …) on one device: one request, never retried; the body is the comment plus `body`. */
  async respond(token: AccessTokenSource, endpoint: ResponseEndpoint, machineId: string, comment: string, body: Record<string, string> = {}): Promise<MachineAction> {
    const call: DefenderCall = {
      method: 'POST',
      target: `/api/machines/${pathSegment(machineId, 'device id')}/${endpoint.segment}`,
      route: `/api/machines/{id}/${endpoint.segment}`,
      operation: endpoint.operation,
      subject: { kind: 'device', id: machineId },
      body: { Comment: requiredComment(comment), ...body },
    };
    return entity(await this.http.act(token, call), MACHINE_ACTION, endpoint.operation);
  }

  /**
   * Cancels an action that has not finished (https://learn.microsoft.com/defender-endpoint/api/cancel-machine-action):
   * one request, never retried; 200 + the action. A refusal names the access of the action's own type.
   */
  async cancelMachineAction(token: AccessTokenSource, action: Pick<MachineAction, 'id' | 'type'>, comment: string): Promise<MachineAction> {
    if (!GUID.test(action.id)) throw DefenderApiError.invalidInput(`"${action.id}" is not a response action id.`);
    const call: DefenderCall = {
      method: 'POST',
      target: `/api/machineactions/${action.id}/cancel`,
      route: '/api/machineactions/{id}/cancel',
      operation: 'cancelAction',
      subject: { kind: 'responseAction', id: action.id },
      access: accessOfActionType(action.type),
      body: { Comment: requiredComment(comment) },
    };
    return entity(await this.http.act(token, call), MACHINE_ACTION, 'cancelAction');
  }

  /**
   * The short-lived download link of a collected investigation package
   * (https://learn.microsoft.com/defender-endpoint/api/get-package-sas-uri): 404 until the collection
   * succeeded; 2 calls a minute, so never retried (a retry would only spend the next call). The
   * documented example quotes the link inside `value`; either form is accepted, only an https URL returned.
   */
  async investigationPackageUri(token: AccessTokenSource, actionId: string): Promise<string> {
    if (!GUID.test(actionId)) throw DefenderApiError.invalidInput(`"${actionId}" is not a response action id.`);
    const call = this.get(`/api/machineactions/${actionId}/getPackageUri`, '/api/machineactions/{id}/getPackageUri', 'getPackageUri', {
      kind: 'responseAction', id: actionId,
    });
    const { value } = await this.http.act(token, call);
    const link = typeof value === 'string' ? value.trim().replace(/^"(.*)"$/, '$1') : '';
    if (!/^https:\/\/[^\s"]+$/.test(link)) {
      throw new DefenderApiError('malformed_response', { operation: 'getPackageUri', detail: 'The package link is not an https URL.' });
    }
    return link;
  }

  /**
   * Submits (or, for the same value and type, updates) a custom indicator as the user
   * (`POST /api/indicators`, Ti.ReadWrite; learn.microsoft.com/defender-endpoint/api/post-ti-indicator):
   * one request, never retried.
   */
  async submitIndicator(token: AccessTokenSource, submission: IndicatorSubmission): Promise<Indicator> {
    const call: DefenderCall = {
      method: 'POST', target: '/api/indicators', route: '/api/indicators', operation: 'submitIndicator', body: { ...submission, generateAlert: true },
    };
    return entity(await this.http.act(token, call), INDICATOR, 'submitIndicator');
  }

  /** `GET /api/machines` answers 404 when no device matches (a documented oddity, reference §3.1 R4): an empty list. */
  private async searchMachineList(token: AccessTokenSource, target: string): Promise<Machine[]> {
    try {
      return await this.list(token, this.get(target, '/api/machines', 'searchMachines'), MACHINE);
    } catch (error) {
      if (error instanceof DefenderApiError && error.kind === 'not_found') return [];
      throw error;
    }
  }

  private get(target: string, route: string, operation: DefenderOperation, subject?: DefenderSubject): DefenderCall {
    return { method: 'GET', target, route, operation, subject };
  }

  private async list<T>(token: AccessTokenSource, call: DefenderCall, schema: EntitySchema<T>): Promise<T[]> {
    return (await this.page(token, call, schema)).items;
  }

  private async page<T>(token: AccessTokenSource, call: DefenderCall, schema: EntitySchema<T>): Promise<Page<T>> {
    const body = await this.http.read(token, call);
    const { value, '@odata.nextLink': nextLink, '@odata.count': count } = body;
    if (!Array.isArray(value) || (nextLink !== undefined && typeof nextLink !== 'string')) {
      throw new DefenderApiError('malformed_response', { operation: call.operation });
    }
    const items: T[] = [];
    for (const item of value) {
      const parsed = schema.parse(item);
      if (!parsed.ok) throw new DefenderApiError('malformed_response', { operation: call.operation });
      items.push(parsed.value);
    }
    return { items, nextLink, count: typeof count === 'number' ? count : undefined };
  }
}

interface Page<T> {
  items: T[];
  nextLink: string | undefined;
  /** `@odata.count` (asked for with `$count=true`; undefined when absent): how many items match, across pages. */
  count: number | undefined;
}

function listAlertsCall(target: string): DefenderCall {
  return { method: 'GET', target, route: '/api/alerts', operation: 'listAlerts' };
}

function tooManyAlertPages(): DefenderApiError {
  return new DefenderApiError('malformed_response', { operation: 'listAlerts', detail: `More than ${MAX_PAGES} pages of alerts.` });
}

/** A next-page link must carry the query it continues; otherwise it would page through other data. */
function requireSameQuery(nextLink: string, query: Record<string, string>, operation: DefenderOperation): void {
  let params: URLSearchParams;
  try {
    params = new URL(nextLink, 'https://next-link.invalid').searchParams;
  } catch (error) {
    throw new DefenderApiError('malformed_response', { operation, detail: 'The next-page link is not a URL.' }, error);
  }
  const lost = Object.entries(query).filter(([key, value]) => params.get(key) !== value).map(([key]) => key);
  if (lost.length > 0) {
    throw new DefenderApiError('malformed_response', {
      operation, detail: `The next-page link does not carry the query's ${lost.join(', ')}; paging stopped rather than read unfiltered data.`,
    });
  }
}

function top(value: number): number {
  if (!Number.isInteger(value) || value < 1 || value > MAX_TOP) {
    throw DefenderApiError.invalidInput(`The number of items must be between 1 and ${MAX_TOP}.`);
  }
  return value;
}

function canonical<T extends string>(value: string, allowed: readonly T[], what: string): T {
  const match = allowed.find((candidate) => candidate.toLowerCase() === value.trim().toLowerCase());
  if (!match) throw DefenderApiError.invalidInput(`"${value}" is not an alert ${what}; use one of ${allowed.join(', ')}.`);
  return match;
}

function requiredComment(comment: string): string {
  const trimmed = comment.trim();
  if (trimmed === '') throw DefenderApiError.invalidInput('Defender requires a comment for every response action.');
  return trimmed;
}

/** Names nearest to `wanted` first, comparing with the full name and with its host part. */
export function rankByCloseness(wanted: string, names: readonly string[]): string[] {
  const score = (name: string) => {
    const lower = name.toLowerCase();
    return Math.min(distance(wanted, lower), distance(wanted, lower.split('.')[0]));
  };
  return [...new Set(names)]
    .map((name) => ({ name, score: score(name) }))
    .sort((a, b) => a.score - b.score || a.name.localeCompare(b.name))
    .map(({ name }) => name);
}

function entity<T>(body: Record<string, unknown>, schema: EntitySchema<T>, operation: DefenderOperation): T {
  const { '@odata.context': _context, ...fields } = body;
  const parsed = schema.parse(fields);
  if (!parsed.ok) throw new DefenderApiError('malformed_response', { operation });
  return parsed.value;
}
