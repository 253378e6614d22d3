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
  private readonly book: IncidentBook;

  private constructor(
    private readonly server: TwinServer,
    private readonly entra: EntraTwin,
    private readonly defender: DefenderTwin,
    private readonly clock: TwinClock,
  ) {
    this.limiter = new SlidingWindowLimiter(GRAPH_SECURITY_WINDOWS, clock);
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

  /** Every incident of the tenant as an app token would see it. */
  incidents(): GraphIncident[] {
    return this.book.incidents(this.defender.data.alerts);
  }

  close(): Promise<void> {
    return this.server.close();
  }

  private routes(router: TwinRouter): void {
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
