import type { IncomingMessage, ServerResponse } from 'node:http';
import Router from 'find-my-way';
import type { TwinClock } from '../clock';
import { GRAPH_API } from '../directory';
import { canAccessDevice, type Caller, type RbacPermission, requireRole } from '../defender/auth';
import { DefenderApiError } from '../defender/errors';
import { compileFilter, ODataError } from '../defender/odata-filter';
import type { DefenderTwin } from '../defender/server';
import { type EntraTwin, TokenRejectedError } from '../entra';
import { bearerToken, readBody, sendJson, startTwinServer, type TwinRouter, type TwinServer } from '../http-server';
import { type RateWindow, SlidingWindowLimiter } from '../rate-limiter';
import { GraphError, graphErrors } from './errors';
import { type HuntingTable, huntingTables } from './hunting-tables';
import { KqlError, runKql } from './kql';
import {
  CLASSIFICATIONS, DETERMINATIONS, graphAlert, type GraphIncident, INCIDENT_SEVERITIES, INCIDENT_STATUSES, IncidentBook,
} from './incidents';

/** One request as the Graph twin saw it (no tokens, no bodies). */
export interface RecordedGraphRequest {
  method: string;
  /** Path and query as sent. */
  path: string;
  status: number;
  upn?: string;
  receivedAtMs: number;
}

/** Graph's documented `/security` limit: 150 requests per minute per app per tenant (throttling-limits). */
export const GRAPH_SECURITY_WINDOWS: readonly RateWindow[] = [{ limit: 150, windowMs: 60_000 }];

/** Advanced hunting's API quota: 45 calls a minute per tenant; at most 100,000 rows (advanced-hunting-limits). */
export const HUNTING_WINDOWS: readonly RateWindow[] = [{ limit: 45, windowMs: 60_000 }];
export const HUNTING_ROW_LIMIT = 100_000;
const DEFAULT_TIMESPAN_MS = 30 * 24 * 3_600_000;

const HUNT = ['ThreatHunting.Read.All'];
const READ = ['SecurityIncident.Read.All', 'SecurityIncident.ReadWrite.All'];
const WRITE = ['SecurityIncident.ReadWrite.All'];
const MAX_TOP = 50;
const INCIDENT_FILTER = {
  entityType: 'microsoft.graph.security.incident',
  properties: {
    status: INCIDENT_STATUSES, severity: INCIDENT_SEVERITIES, assignedTo: 'string', classification: CLASSIFICATIONS,
    determination: DETERMINATIONS, createdDateTime: 'dateTime', lastUpdateDateTime: 'dateTime', id: 'string', displayName: 'string',
  },
  filterable: ['assignedTo', 'classification', 'createdDateTime', 'determination', 'lastUpdateDateTime', 'severity', 'status'],
} as const;

/**
 * Microsoft Graph's security API over the Defender twin's data: `/v1.0/security/incidents` (list
 * with `$filter`, `$top`, `$expand=alerts`; get; PATCH; comments). A user token sees an incident when
 * one of its alerts is on a device in their device groups, and sees only those alerts [I: the
 * Graph docs do not say; this is how the Defender portal scopes incidents]; anything else is 404.
 */
export class GraphTwin {
  readonly requests: RecordedGraphRequest[] = [];
  /** Graph's throttling; tests may tighten it (`limiter = new SlidingWindowLimiter(...)`). */
  limiter: SlidingWindowLimiter;
  /** Advanced hunting's own quota, on top of Graph's. */
  huntingLimiter: SlidingWindowLimiter;
  /** Rows a hunting query may return; more is an error (tests lower it). */
  huntingRowLimit = HUNTING_ROW_LIMIT;
  private readonly book: IncidentBook;

  private constructor(
    private readonly server: TwinServer,
    private readonly entra: EntraTwin,
    private readonly defender: DefenderTwin,
    private readonly clock: TwinClock,
  ) {
    this.limiter = new SlidingWindowLimiter(GRAPH_SECURITY_WINDOWS, clock);
    this.huntingLimiter = new SlidingWindowLimiter(HUNTING_WINDOWS, clock);
    this.book = new IncidentBook(defender.tenantId);
  }

  static async start(options: { entra: EntraTwin; defender: DefenderTwin; clock: TwinClock; port?: number }): Promise<GraphTwin> {
    let twin: GraphTwin | undefined;
    const router: TwinRouter = Router({
      caseSensitive: false,
      ignoreTrailingSlash: true,
      defaultRoute: (req, res) => twin?.serve(req, res, () => {
        throw graphErrors.badRequest(`Resource not found for the segment '${new URL(req.url ?? '/', 'https://x').pathname}'.`);
      }),
    });
    const server = await startTwinServer(router, { port: options.port });
    twin = new GraphTwin(server, options.entra, options.defender, options.clock);
    twin.routes(router);
    return twin;
  }

  get baseUrl(): string {
    return this.server.baseUrl;
  }

  /** Sets Graph's throttling windows (e.g. one request a minute, to see a 429). */
  setLimits(windows: readonly RateWindow[]): void {
    this.limiter = new SlidingWindowLimiter(windows, this.clock);
  }

  /** Sets advanced hunting's quota (e.g. one query a minute, to see a 429). */
  setHuntingLimits(windows: readonly RateWindow[]): void {
    this.huntingLimiter = new SlidingWindowLimiter(windows, this.clock);
  }

  /** The hunting tables of the whole tenant, as an app token would see them. */
  huntingTables(): Record<string, HuntingTable> {
    return huntingTables(this.defender.data.machines, this.defender.data.alerts);
  }

  /** Every incident of the tenant as an app token would see it. */
  incidents(): GraphIncident[] {
    return this.book.incidents(this.defender.data.alerts);
  }

  close(): Promise<void> {
    return this.server.close();
  }

  private routes(router: TwinRouter): void {
    router.post('/v1.0/security/runHuntingQuery', (req, res) => void this.serve(req, res, async (caller) => this.hunt(caller, await jsonBody(req))));
    router.get('/v1.0/security/incidents', (req, res) => void this.serve(req, res, (caller, url) => this.list(caller, url)));
    router.get('/v1.0/security/incidents/:id', (req, res, params) => void this.serve(req, res, (caller, url) =>
      this.withAlerts(caller, this.incident(caller, params.id ?? ''), url.searchParams.get('$expand'))));
    router.patch('/v1.0/security/incidents/:id', (req, res, params) => void this.serve(req, res, async (caller) => {
      this.authorize(caller, WRITE, 'alertsInvestigation');
      const incident = this.incident(caller, params.id ?? '');
      return this.book.patch(incident, await jsonBody(req), new Date(this.clock.now()).toISOString());
    }));
    router.post('/v1.0/security/incidents/:id/comments', (req, res, params) => void this.serve(req, res, async (caller) => {
      this.authorize(caller, WRITE, 'alertsInvestigation');
      const incident = this.incident(caller, params.id ?? '');
      const body = await jsonBody(req);
      const comments = this.book.comment(incident, body.comment, caller.requestor, new Date(this.clock.now()).toISOString());
      return { value: comments.map((comment) => ({ '@odata.type': '#microsoft.graph.security.alertComment', ...comment })) };
    }));
  }

  /**
   * `POST /security/runHuntingQuery` {Query, Timespan}: the KQL subset of kql.ts over the caller's
   * devices only (device-group scoping for Graph hunting is unconfirmed; the portal scopes it so).
   */
  private hunt(caller: Caller, body: Record<string, unknown>): Record<string, unknown> {
    this.authorize(caller, HUNT, 'viewData');
    const decision = this.huntingLimiter.take(caller.tenantId);
    if (!decision.allowed) throw graphErrors.throttled(decision.retryAfterSeconds);
    const query = body.Query;
    if (typeof query !== 'string' || query.trim() === '') throw graphErrors.badRequest("The request body must contain 'Query', a KQL query.");
    const spanMs = body.Timespan === undefined ? DEFAULT_TIMESPAN_MS : isoDuration(body.Timespan);
    const since = new Date(this.clock.now() - spanMs).toISOString();
    const { machines } = this.defender.data;
    const visibleMachines = machines.filter((machine) => canAccessDevice(caller, machine));
    const tables = huntingTables(visibleMachines, this.visibleAlerts(caller));
    for (const table of Object.values(tables)) table.rows = table.rows.filter((row) => String(row.Timestamp) >= since);
    let result;
    try {
      result = runKql(query, tables, this.clock.now());
    } catch (error) {
      if (error instanceof KqlError) throw graphErrors.badRequest(error.message);
      throw error;
    }
    if (result.results.length > this.huntingRowLimit) {
      throw graphErrors.badRequest(`Query result exceeded the limit of ${this.huntingRowLimit} rows. Narrow the query (where, take) and try again.`);
    }
    return { '@odata.context': 'https://graph.microsoft.com/v1.0/$metadata#microsoft.graph.security.huntingQueryResults', schema: result.schema, results: result.results };
  }

  private list(caller: Caller, url: URL): Record<string, unknown> {
    this.authorize(caller, READ, 'viewData');
    const params = url.searchParams;
    for (const name of params.keys()) {
      if (name.startsWith('$') && !['$filter', '$top', '$expand', '$skip', '$count'].includes(name)) {
        throw graphErrors.badRequest(`Query option '${name}' is not allowed.`);
      }
    }
    let incidents = this.visibleIncidents(caller);
    const filter = params.get('$filter');
    if (filter !== null) {
      try {
        const predicate = compileFilter(filter, INCIDENT_FILTER);
        incidents = incidents.filter((incident) => predicate(incident));
      } catch (error) {
        if (error instanceof ODataError) throw graphErrors.badRequest(`Invalid filter clause: ${error.message}`);
        throw error;
      }
    }
    const top = params.has('$top') ? Number(params.get('$top')) : MAX_TOP;
    if (!Number.isInteger(top) || top < 1 || top > MAX_TOP) throw graphErrors.badRequest(`Invalid $top value; it must be between 1 and ${MAX_TOP}.`);
    const skip = Number(params.get('$skip') ?? '0') || 0;
    const page = incidents.slice(skip, skip + top);
    const expand = params.get('$expand');
    const next = skip + top < incidents.length ? new URL(url.href) : undefined;
    next?.searchParams.set('$skip', String(skip + top));
    return {
      '@odata.context': 'https://graph.microsoft.com/v1.0/$metadata#security/incidents',
      ...(params.get('$count') === 'true' ? { '@odata.count': incidents.length } : {}),
      value: page.map((incident) => this.withAlerts(caller, incident, expand)),
      ...(next ? { '@odata.nextLink': `${this.baseUrl}${next.pathname}${next.search}` } : {}),
    };
  }

  private withAlerts(caller: Caller, incident: GraphIncident, expand: string | null): Record<string, unknown> {
    if (expand === null) return { ...incident };
    if (expand.trim().toLowerCase() !== 'alerts') throw graphErrors.badRequest(`Could not find a property named '${expand}' on type 'microsoft.graph.security.incident'.`);
    const alerts = this.visibleAlerts(caller).filter((alert) => String(alert.incidentId) === incident.id);
    return { ...incident, alerts: alerts.map(graphAlert) };
  }

  private incident(caller: Caller, id: string): GraphIncident {
    this.authorize(caller, READ, 'viewData');
    const found = this.visibleIncidents(caller).find((incident) => incident.id === id);
    if (!found) throw graphErrors.notFound(`Incident ${id} was not found.`);
    return found;
  }

  private visibleIncidents(caller: Caller): GraphIncident[] {
    const visibleIds = new Set(this.visibleAlerts(caller).map((alert) => String(alert.incidentId)));
    return this.incidents().filter((incident) => visibleIds.has(incident.id));
  }

  private visibleAlerts(caller: Caller) {
    const { machines, alerts } = this.defender.data;
    return alerts.filter((alert) => canAccessDevice(caller, machines.find((machine) => machine.id === alert.machineId) ?? alert));
  }

  private authorize(caller: Caller, needed: readonly string[], rbac: RbacPermission): void {
    const held = caller.kind === 'app' ? caller.roles : caller.scopes;
    if (!needed.some((permission) => held.includes(permission))) {
      throw graphErrors.forbidden(`Missing permission: one of ${needed.join(', ')} is required.`);
    }
    try {
      requireRole(caller, rbac);
    } catch (error) {
      if (error instanceof DefenderApiError) throw graphErrors.forbidden(error.message);
      throw error;
    }
  }

  private authenticate(req: IncomingMessage): Caller {
    const token = bearerToken(req);
    if (!token) throw graphErrors.unauthenticated();
    let claims;
    try {
      claims = this.entra.verifyAccessToken(token, GRAPH_API.identifierUris);
    } catch (error) {
      if (error instanceof TokenRejectedError) {
        throw error.reason === 'audience' ? graphErrors.unauthenticated('Invalid audience.') : graphErrors.unauthenticated();
      }
      throw error;
    }
    if (claims.tid !== this.defender.tenantId) throw graphErrors.forbidden('The tenant has no Microsoft Defender XDR.');
    if (claims.idtyp === 'app') {
      return { kind: 'app', tenantId: claims.tid, appId: claims.appid, requestor: claims.appid, roles: claims.roles ?? [] };
    }
    const user = this.entra.directory.users.get(claims.oid);
    if (!user) throw graphErrors.unauthenticated();
    return {
      kind: 'user', tenantId: claims.tid, appId: claims.appid, requestor: user.upn,
      scopes: (claims.scp ?? '').split(' ').filter(Boolean), user,
    };
  }

  private async serve(
    req: IncomingMessage, res: ServerResponse, handle: (caller: Caller, url: URL) => unknown,
  ): Promise<void> {
    const url = new URL(req.url ?? '/', this.baseUrl);
    const record: RecordedGraphRequest = { method: req.method ?? '', path: `${url.pathname}${url.search}`, status: 200, receivedAtMs: this.clock.now() };
    this.requests.push(record);
    try {
      const caller = this.authenticate(req);
      if (caller.kind === 'user') record.upn = caller.user.upn;
      const decision = this.limiter.take(`${caller.tenantId}|${caller.appId}`);
      if (!decision.allowed) throw graphErrors.throttled(decision.retryAfterSeconds);
      const body = await handle(caller, url);
      sendJson(res, 200, body);
    } catch (error) {
      const graphError = error instanceof GraphError ? error : new GraphError(500, 'UnknownError', 'The twin failed unexpectedly.');
      record.status = graphError.status;
      sendJson(res, graphError.status, graphError.body(new Date(this.clock.now())), graphError.headers);
    }
  }
}

async function jsonBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  if (!/^application\/json/i.test(req.headers['content-type'] ?? '')) throw graphErrors.badRequest('The request body must be JSON (Content-Type: application/json).');
  try {
    const parsed: unknown = JSON.parse(await readBody(req, 64 * 1024));
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // answered below
  }
  throw graphErrors.badRequest('The request body is not a valid JSON object.');
}

/** An ISO 8601 duration such as P30D, PT24H or P1DT12H, in ms. */
function isoDuration(value: unknown): number {
  const match = typeof value === 'string' ? /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?)?$/.exec(value) : null;
  if (!match || value === 'P' || value === 'PT') throw graphErrors.badRequest(`Timespan '${String(value)}' is not an ISO 8601 duration such as P30D.`);
  const [, days = '0', hours = '0', minutes = '0'] = match;
  return ((Number(days) * 24 + Number(hours)) * 60 + Number(minutes)) * 60_000;
}
