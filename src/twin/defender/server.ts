import crypto from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import net from 'node:net';
import Router from 'find-my-way';
import type { TwinClock } from '../clock';
import { SEEDED } from '../directory';
import type { EntraTwin } from '../entra';
import { bearerToken, readBody, sendJson, startTwinServer, type TwinRouter, type TwinServer } from '../http-server';
import { type ActionFailureRule, type ActionTiming, type DuplicatePolicy, MachineActionEngine } from './actions';
import { applyAlertChange, patchAlert } from './alert-updates';
import { CANCEL_PERMISSION, type Caller, DefenderAuthorizer, type Permission, PERMISSIONS, requireRole } from './auth';
import { bodySpec, parseBody } from './bodies';
import { DefenderApiError, defenderErrors } from './errors';
import { type Disruption, FaultInjector } from './faults';
import type { Alert } from './model';
import {
  ALERT_SPEC, applyODataQuery, buildNextLink, type EntitySpec, MACHINE_ACTION_SPEC, MACHINE_SPEC, type ODataQuery, ODataError,
  parseODataQuery,
} from './odata';
import { IndicatorStore } from './indicators';
import { isOffline } from './os-support';
import { DefenderRateLimits, PACKAGE_URI_ENDPOINT } from './rate-limits';
import { permissionForActionType, RESPONSE_ACTIONS, type ResponseActionEndpoint } from './response-actions';
import {
  errorResponse, methodNotAllowed, odataCollection, odataContext, odataCount, odataEntity, odataJson, type WireResponse,
} from './responses';
import { type DefenderTenantData, makeAlert, seedDefenderTenant } from './seed';
import { AttackStoryline } from './storyline';
import { TenantView } from './tenant-view';
import { normalizeInstant } from './timestamps';

export interface DefenderTwinOptions {
  entra: EntraTwin;
  clock: TwinClock;
  seed?: number;
  port?: number;
  /** The one tenant this Defender instance serves; default the directory's seeded tenant. */
  tenantId?: string;
  machineCount?: number;
  alertCount?: number;
}

/** One request as the twin saw it (no tokens, no bodies). */
export interface RecordedDefenderRequest {
  method: string;
  /** Path and query as sent. */
  path: string;
  /** The endpoint's name (e.g. 'machines.isolate'), undefined when no route matched. */
  endpoint?: string;
  status: number;
  appId?: string;
  upn?: string;
  /** The delegated permissions (`scp`) of a user's token. */
  scopes?: readonly string[];
  /** The injected fault that shaped the answer, if any. */
  fault?: Disruption['kind'];
  /** When the request arrived, on the twin's clock (epoch ms): e.g. to check a client waited out Retry-After. */
  receivedAtMs: number;
}

interface RequestContext {
  url: URL;
  params: Record<string, string>;
  caller: Caller;
  view: TenantView;
  body: string;
  contentType: string | undefined;
}

interface Endpoint {
  name: string;
  /** Undefined for real Defender routes the twin does not simulate: they answer 501 once authenticated. */
  permission?: Permission;
  handle(context: RequestContext): WireResponse;
}

const API_PREFIXES = ['/api', '/api/v1.0'];
const METHODS = ['GET', 'POST', 'PATCH', 'PUT', 'DELETE'] as const;
const FIND_BY_IP = /^findbyip\(\s*ip\s*=\s*'([^']*)'\s*,\s*timestamp\s*=\s*([^)]*?)\s*\)$/i;
const FIND_BY_IP_WINDOW_MS = 15 * 60_000;
const FIND_BY_IP_MAX_AGE_MS = 30 * 24 * 60 * 60_000;

/**
 * The Defender for Endpoint API twin (reference defender-api.md): one seeded tenant served over
 * HTTPS on loopback, tokens from the Entra twin, OData lists, response actions with a lifecycle on
 * the test clock, per-endpoint rate limits and fault injection.
 */
export class DefenderTwin {
  readonly faults = new FaultInjector();
  readonly rateLimits: DefenderRateLimits;
  readonly requests: RecordedDefenderRequest[] = [];
  /** The attack local mode plays; `POST /twin/storyline/next` (loopback, no token) plays its next step now. */
  readonly storyline = new AttackStoryline({
    machines: () => this.data.machines, addAlert: (partial) => this.addAlert(partial), updateAlert: (id, change) => this.updateAlert(id, change),
  });
  /** The tenant's custom indicators (`POST /api/indicators`). */
  readonly indicators = new IndicatorStore();
  /**
   * Called with each answered request, after its answer was computed and before it is sent: e.g. to
   * change an alert between two page reads of a client, as an analyst in the portal would.
   */
  afterAnswer: ((request: RecordedDefenderRequest) => void) | undefined;
  /** Body property names are case-sensitive (§3.2); switch off to accept any casing. */
  strictBodyCasing = true;
  private readonly engine: MachineActionEngine;
  private readonly authorizer: DefenderAuthorizer;

  private constructor(
    private readonly server: TwinServer,
    private readonly tenant: DefenderTenantData,
    private readonly clock: TwinClock,
    entra: EntraTwin,
    readonly tenantId: string,
  ) {
    this.rateLimits = new DefenderRateLimits(clock);
    this.authorizer = new DefenderAuthorizer(entra, tenantId);
    this.engine = new MachineActionEngine(
      tenant.actions,
      (id) => tenant.machines.find((machine) => machine.id === id),
      clock,
    );
  }

  static async start(options: DefenderTwinOptions): Promise<DefenderTwin> {
    const tenantId = options.tenantId ?? SEEDED.tenantId;
    const data = seedDefenderTenant({
      seed: options.seed, tenantId, now: options.clock.now(), machineCount: options.machineCount, alertCount: options.alertCount,
    });
    let twin: DefenderTwin | undefined;
    const router: TwinRouter = Router({
      caseSensitive: false,
      ignoreTrailingSlash: true,
      maxParamLength: 1000,
      defaultRoute: (req, res) => twin?.unrouted(req, res, router),
    });
    const server = await startTwinServer(router, { port: options.port });
    twin = new DefenderTwin(server, data, options.clock, options.entra, tenantId);
    twin.registerRoutes(router);
    return twin;
  }

  get baseUrl(): string {
    return this.server.baseUrl;
  }

  /** The live tenant (machines, alerts, action history), with every action brought up to the clock. */
  get data(): DefenderTenantData {
    this.engine.settle();
    return this.tenant;
  }

  /** Phase durations of machine actions; change them (or their fields) at any time. */
  get actionTiming(): ActionTiming {
    return this.engine.timing;
  }

  set actionTiming(timing: ActionTiming) {
    this.engine.timing = timing;
  }

  /** What a second in-flight action of the same type on the same device gets: 400, or the existing action. */
  get duplicatePolicy(): DuplicatePolicy {
    return this.engine.duplicatePolicy;
  }

  set duplicatePolicy(policy: DuplicatePolicy) {
    this.engine.duplicatePolicy = policy;
  }

  /** Rules that make matching actions end Failed (push to add, set length 0 to clear). */
  get actionFailures(): ActionFailureRule[] {
    return this.engine.failures;
  }

  /** Raises a new alert (status New unless given) on a machine, as Defender would, for notifications. */
  addAlert(partial: Partial<Alert> & { machineId: string }): Alert {
    const alert = makeAlert(this.tenant, partial, this.clock.now());
    this.tenant.alerts.push(alert);
    return alert;
  }

  /** Changes an alert as the portal or another analyst would; `lastUpdateTime` moves to now. */
  updateAlert(id: string, change: Partial<Alert>): Alert {
    const alert = this.tenant.alerts.find((candidate) => candidate.id === id);
    if (!alert) throw new Error(`no alert ${id} in the Defender twin`);
    return applyAlertChange(alert, change, this.clock.now());
  }

  close(): Promise<void> {
    this.storyline.stop();
    return this.server.close();
  }

  // -------------------------------------------------------------------------------------------
  // Routing and the request pipeline

  private registerRoutes(router: TwinRouter): void {
    const route = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, select: Endpoint | ((params: Record<string, string>) => Endpoint)) => {
      for (const prefix of API_PREFIXES) {
        router.on(method, `${prefix}${path}`, (req, res, params) => {
          const clean = Object.fromEntries(Object.entries(params).map(([key, value]) => [key, value ?? '']));
          void this.serve(req, res, clean, typeof select === 'function' ? select(clean) : select);
        });
      }
    };
    const getMachine = this.getMachineEndpoint();
    const findByIp = this.findByIpEndpoint();

    // The twin's own admin route (not Defender's API): the server listens on loopback only.
    router.on('POST', '/twin/storyline/next', (_req, res) => {
      const { kind, alert } = this.storyline.next();
      sendJson(res, 200, { kind, id: alert.id, title: alert.title, severity: alert.severity, status: alert.status, computerDnsName: alert.computerDnsName });
    });
    route('GET', '/alerts', this.listAlertsEndpoint());
    route('GET', '/alerts/$count', this.countEndpoint('alerts.count', PERMISSIONS.readAlerts, ALERT_SPEC, (view) => view.alerts()));
    route('GET', '/alerts/:id', this.getAlertEndpoint());
    route('PATCH', '/alerts/:id', this.updateAlertEndpoint());
    route('GET', '/alerts/:id/machine', this.alertMachineEndpoint());
    route('GET', '/machines', this.listMachinesEndpoint());
    route('GET', '/machines/$count', this.countEndpoint('machines.count', PERMISSIONS.readMachines, MACHINE_SPEC, (view) => view.machines()));
    route('GET', '/machines/findbytag', this.findByTagEndpoint());
    route('GET', '/machines/:id', (params) => (/^findbyip\(/i.test(params.id) ? findByIp : getMachine));
    route('GET', '/machines/:id/alerts', this.machineAlertsEndpoint());
    route('GET', '/machines/:id/alerts/$count', this.countEndpoint(
      'machines.alerts.count', PERMISSIONS.readAlerts, ALERT_SPEC,
      (view, params) => view.alerts().filter((alert) => alert.machineId === view.machine(params.id).id),
    ));
    for (const action of RESPONSE_ACTIONS) route('POST', `/machines/:id/${action.segment}`, this.responseActionEndpoint(action));
    route('POST', '/machines/:id/tags', this.tagsEndpoint());
    route('POST', '/indicators', {
      name: 'indicators.submit',
      permission: PERMISSIONS.submitIndicator,
      handle: ({ body, contentType, caller }) => odataEntity('Indicators', this.indicators.submit(body, contentType, caller, this.clock.now())),
    });
    route('DELETE', '/indicators/:id', {
      name: 'indicators.delete',
      permission: PERMISSIONS.deleteIndicator,
      handle: () => { throw defenderErrors.notImplemented('deleting indicators'); },
    });
    route('GET', '/machineactions', this.listActionsEndpoint());
    route('GET', '/machineactions/$count', this.countEndpoint(
      'machineActions.count', PERMISSIONS.readMachines, MACHINE_ACTION_SPEC, (view) => view.actions(),
    ));
    route('GET', '/machineactions/:id', this.getActionEndpoint());
    route('POST', '/machineactions/:id/cancel', this.cancelActionEndpoint());
    route('GET', '/machineactions/:id/getPackageUri', this.packageUriEndpoint());

    const unimplemented: [method: 'GET' | 'POST', path: string, name: string, what: string][] = [
      ['GET', '/$metadata', 'metadata', 'the OData $metadata document'],
      ['POST', '/alerts/batchUpdate', 'alerts.batchUpdate', 'alerts/batchUpdate'],
      ['POST', '/alerts/CreateAlertByReference', 'alerts.createByReference', 'alerts/CreateAlertByReference'],
      ['POST', '/machines/AddOrRemoveTagForMultipleMachines', 'machines.tagMultiple', 'AddOrRemoveTagForMultipleMachines'],
      ['GET', '/machines/:id/logonusers', 'machines.logonUsers', 'machines/{id}/logonusers'],
      ['GET', '/machines/:id/availableMachineActions', 'machines.availableActions', 'machines/{id}/availableMachineActions'],
      ['POST', '/machines/:id/offboard', 'machines.offboard', 'offboard'],
      ['POST', '/machines/:id/runliveresponse', 'machines.liveResponse', 'live response (runliveresponse)'],
      ['POST', '/machines/:id/startInvestigation', 'machines.startInvestigation', 'automated investigations (startInvestigation)'],
      ['GET', '/machineactions/:id/GetLiveResponseResultDownloadLink(index=:index)', 'machineActions.liveResponseResult', 'GetLiveResponseResultDownloadLink'],
      ['POST', '/advancedqueries/run', 'advancedQueries.run', 'advanced hunting (advancedqueries/run)'],
    ];
    for (const [method, path, name, what] of unimplemented) {
      route(method, path, { name, handle: () => { throw defenderErrors.notImplemented(what); } });
    }
  }

  /**
   * Every routed request: injected faults, authentication (401/403), rate limit (429), permission
   * (403), then the endpoint; errors in Defender's shape. Faults that corrupt a body act after the
   * endpoint ran, so its side effects happen as they would when a response is lost on the way.
   */
  private async serve(req: IncomingMessage, res: ServerResponse, params: Record<string, string>, endpoint: Endpoint): Promise<void> {
    const url = new URL(req.url ?? '/', this.baseUrl);
    const record: RecordedDefenderRequest = {
      method: req.method ?? '', path: `${url.pathname}${url.search}`, endpoint: endpoint.name, status: 0, receivedAtMs: this.clock.now(),
    };
    this.requests.push(record);
    // Read the body as it arrives: a request is handled after injected latency even if the client gave up meanwhile.
    const body = req.method === 'GET' ? Promise.resolve('') : readBody(req);
    body.catch(() => undefined);
    const { latencyMs, disruption } = this.faults.take(endpoint.name);
    if (latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, latencyMs));
    if (disruption) record.fault = disruption.kind;
    if (disruption?.kind === 'resetConnection') {
      req.socket.destroy();
      return;
    }
    let response: WireResponse;
    if (disruption?.kind === 'throttle') {
      response = errorResponse(defenderErrors.tooManyRequests(disruption.retryAfterSeconds), {
        'Retry-After': String(disruption.retryAfterSeconds),
      });
    } else if (disruption?.kind === 'serverError') {
      response = errorResponse(disruption.status === 503 ? defenderErrors.serviceUnavailable() : defenderErrors.internal());
    } else {
      response = await this.answer(req, url, params, endpoint, record, body);
      if (disruption?.kind === 'malformedJson') response = { ...response, body: response.body.slice(0, Math.ceil(response.body.length / 2)) };
      if (disruption?.kind === 'emptyBody') response = { ...response, body: '' };
      if (disruption?.kind === 'nextLinkWithoutFilter') response = withoutFilterInNextLink(response);
    }
    record.status = response.status;
    this.afterAnswer?.(record);
    this.write(res, response);
  }

  private async answer(
    req: IncomingMessage, url: URL, params: Record<string, string>, endpoint: Endpoint, record: RecordedDefenderRequest,
    bodyRead: Promise<string>,
  ): Promise<WireResponse> {
    try {
      const caller = this.authorizer.authenticate(bearerToken(req));
      record.appId = caller.appId;
      if (caller.kind === 'user') {
        record.upn = caller.user.upn;
        record.scopes = caller.scopes;
      }
      const decision = this.rateLimits.take(caller, endpoint.name);
      if (!decision.allowed) {
        return errorResponse(defenderErrors.tooManyRequests(decision.retryAfterSeconds), {
          'Retry-After': String(decision.retryAfterSeconds),
        });
      }
      if (endpoint.permission) this.authorizer.authorize(caller, endpoint.permission);
      const body = await bodyRead.catch(() => {
        throw defenderErrors.invalidRequestBody('The request body could not be read.');
      });
      this.engine.settle();
      return endpoint.handle({
        url, params, caller, body, contentType: req.headers['content-type'], view: new TenantView(this.tenant, caller),
      });
    } catch (error) {
      if (error instanceof DefenderApiError) return errorResponse(error);
      if (error instanceof ODataError) return errorResponse(defenderErrors.odata(error.message));
      console.error('[defender twin] unexpected error', error);
      return errorResponse(defenderErrors.internal());
    }
  }

  /** No route: 405 with Allow when the path exists for other methods (§5.1), else 404. */
  private unrouted(req: IncomingMessage, res: ServerResponse, router: TwinRouter): void {
    const url = new URL(req.url ?? '/', this.baseUrl);
    const allowed = METHODS.filter((method) => router.find(method, url.pathname) !== null);
    const response = allowed.length > 0
      ? methodNotAllowed(allowed)
      : errorResponse(defenderErrors.notFound(`No Defender API resource matches ${url.pathname}.`));
    this.requests.push({ method: req.method ?? '', path: `${url.pathname}${url.search}`, status: response.status, receivedAtMs: this.clock.now() });
    this.write(res, response);
  }

  private write(res: ServerResponse, response: WireResponse): void {
    res.writeHead(response.status, { ...response.headers, 'Content-Length': Buffer.byteLength(response.body) });
    res.end(response.body);
  }

  // -------------------------------------------------------------------------------------------
  // Endpoints

  /** An OData collection answer; nextLink points at the twin itself so that clients can follow it. */
  private collection<T>(entitySet: string, items: readonly T[], query: ODataQuery, url: URL, project: (item: T) => unknown = (item) => item): WireResponse {
    const result = applyODataQuery(items, query);
    const extra: Record<string, unknown> = {};
    if (result.count !== undefined) extra['@odata.count'] = result.count;
    if (result.nextSkip !== undefined) {
      extra['@odata.nextLink'] = buildNextLink(`${this.baseUrl}${url.pathname}`, url.searchParams, result.nextSkip);
    }
    return odataCollection(entitySet, result.items.map(project), extra);
  }

  private listAlertsEndpoint(): Endpoint {
    return {
      name: 'alerts.list',
      permission: PERMISSIONS.readAlerts,
      handle: ({ url, view }) => this.alertCollection(view.alerts(), url),
    };
  }

  /** List items carry `evidence: []` unless `$expand=evidence` (§4.2). */
  private alertCollection(alerts: readonly Alert[], url: URL): WireResponse {
    const query = parseODataQuery(url.searchParams, ALERT_SPEC);
    return this.collection('Alerts', alerts, query, url, (alert) => (query.expandEvidence ? alert : { ...alert, evidence: [] }));
  }

  private countEndpoint<T>(
    name: string,
    permission: Permission,
    spec: EntitySpec<T>,
    items: (view: TenantView, params: Record<string, string>) => readonly T[],
  ): Endpoint {
    return {
      name,
      permission,
      handle: ({ url, view, params }) => {
        const query = parseODataQuery(url.searchParams, spec);
        const result = applyODataQuery(items(view, params), { ...query, top: undefined, skip: 0, count: true });
        return odataCount(result.count ?? result.items.length);
      },
    };
  }

  private getAlertEndpoint(): Endpoint {
    return {
      name: 'alerts.get',
      permission: PERMISSIONS.readAlerts,
      handle: ({ view, params }) => odataEntity('Alerts', view.alert(params.id)),
    };
  }

  private updateAlertEndpoint(): Endpoint {
    const spec = bodySpec(['status', 'assignedTo', 'classification', 'determination', 'comment']);
    return {
      name: 'alerts.update',
      permission: PERMISSIONS.writeAlerts,
      handle: ({ view, params, body, contentType, caller }) => {
        const patch = parseBody(body, contentType, spec, this.strictBodyCasing);
        const alert = view.alert(params.id);
        return odataEntity('Alerts', patchAlert(alert, patch, caller.requestor, this.clock.now()));
      },
    };
  }

  private alertMachineEndpoint(): Endpoint {
    return {
      name: 'alerts.machine',
      permission: PERMISSIONS.readMachines,
      handle: ({ view, params }) => odataEntity('Machines', view.machine(view.alert(params.id).machineId)),
    };
  }

  private listMachinesEndpoint(): Endpoint {
    return {
      name: 'machines.list',
      permission: PERMISSIONS.readMachines,
      handle: ({ url, view }) => {
        const machines = view.machines();
        // Documented oddity (§3.1 R4): no recent machines at all is 404, not an empty list.
        if (machines.length === 0) throw defenderErrors.notFound('No machines were found.');
        return this.collection('Machines', machines, parseODataQuery(url.searchParams, MACHINE_SPEC), url);
      },
    };
  }

  private getMachineEndpoint(): Endpoint {
    return {
      name: 'machines.get',
      permission: PERMISSIONS.readMachines,
      handle: ({ view, params }) => odataEntity('Machines', view.machine(params.id)),
    };
  }

  /** `findbyip(ip='…',timestamp=…)`: devices seen with that IP within ±15 minutes (§3.1 R6). */
  private findByIpEndpoint(): Endpoint {
    return {
      name: 'machines.findByIp',
      permission: PERMISSIONS.readMachines,
      handle: ({ view, params }) => {
        const match = FIND_BY_IP.exec(params.id);
        if (!match) throw defenderErrors.badRequest("Expected findbyip(ip='<IP>',timestamp=<ISO-8601 UTC>).");
        const [, ip, timestampText] = match;
        if (!net.isIP(ip)) throw defenderErrors.invalidIp(ip);
        const normalized = normalizeInstant(timestampText.replace(/^'(.*)'$/, '$1'));
        if (!normalized) throw defenderErrors.invalidInput(`'${timestampText}' is not a valid timestamp.`);
        const at = Date.parse(normalized);
        if (at < this.clock.now() - FIND_BY_IP_MAX_AGE_MS) {
          throw defenderErrors.badRequest('The timestamp must be within the last 30 days.');
        }
        const machines = view.machines().filter((machine) => {
          const hasIp = machine.lastIpAddress === ip || (machine.ipAddresses ?? []).some((address) => address.ipAddress === ip);
          const seenFrom = Date.parse(machine.firstSeen) - FIND_BY_IP_WINDOW_MS;
          // A reporting device still holds its address now; a silent one only until it was last seen.
          const seenUntil = isOffline(machine) ? Date.parse(machine.lastSeen) + FIND_BY_IP_WINDOW_MS : Number.POSITIVE_INFINITY;
          return hasIp && at >= seenFrom && at <= seenUntil;
        });
        return odataCollection('Machines', machines);
      },
    };
  }

  private findByTagEndpoint(): Endpoint {
    return {
      name: 'machines.findByTag',
      permission: PERMISSIONS.readMachines,
      handle: ({ view, url }) => {
        const tag = url.searchParams.get('tag');
        if (!tag) throw defenderErrors.missingParameter('tag');
        const prefixText = (url.searchParams.get('useStartsWithFilter') ?? 'false').toLowerCase();
        if (prefixText !== 'true' && prefixText !== 'false') {
          throw defenderErrors.invalidInput(`useStartsWithFilter must be true or false, got '${prefixText}'.`);
        }
        const wanted = tag.toLowerCase();
        const matches = (candidate: string) =>
          prefixText === 'true' ? candidate.toLowerCase().startsWith(wanted) : candidate.toLowerCase() === wanted;
        return odataCollection('Machines', view.machines().filter((machine) => (machine.machineTags ?? []).some(matches)));
      },
    };
  }

  private machineAlertsEndpoint(): Endpoint {
    return {
      name: 'machines.alerts',
      permission: PERMISSIONS.readAlerts,
      handle: ({ view, params, url }) => {
        const machine = view.machine(params.id);
        return this.alertCollection(view.alerts().filter((alert) => alert.machineId === machine.id), url);
      },
    };
  }

  /** Body (strict casing, required Comment), device (404 outside scope), OS gating, duplicates; 201 + MachineAction. */
  private responseActionEndpoint(action: ResponseActionEndpoint): Endpoint {
    return {
      name: action.name,
      permission: action.permission,
      handle: ({ view, params, body, contentType, caller }) => {
        const parsed = parseBody(body, contentType, action.body, this.strictBodyCasing);
        const machine = view.machine(params.id);
        const prepared = action.prepare(parsed, machine, this.strictBodyCasing);
        const { action: created } = this.engine.request(machine, {
          ...prepared, comment: parsed.Comment ?? '', requestor: caller.requestor,
        });
        // An in-flight duplicate returned under the 'returnExisting' policy is answered like a new one [I].
        return odataEntity('MachineActions', created, 201);
      },
    };
  }

  private tagsEndpoint(): Endpoint {
    const spec = bodySpec(['Value', 'Action'], ['Value', 'Action']);
    return {
      name: 'machines.tags',
      permission: PERMISSIONS.tagMachines,
      handle: ({ view, params, body, contentType }) => {
        const { Value: value = '', Action: operation = '' } = parseBody(body, contentType, spec, this.strictBodyCasing);
        const normalized = ['Add', 'Remove'].find((candidate) =>
          this.strictBodyCasing ? candidate === operation : candidate.toLowerCase() === operation.toLowerCase());
        if (!normalized) throw defenderErrors.invalidRequestBody(`Invalid Action '${operation}'. Valid values: Add, Remove.`);
        const machine = view.machine(params.id);
        const others = (machine.machineTags ?? []).filter((tag) => tag.toLowerCase() !== value.toLowerCase());
        machine.machineTags = normalized === 'Add' ? [...others, value] : others;
        return odataEntity('Machines', machine);
      },
    };
  }

  private listActionsEndpoint(): Endpoint {
    return {
      name: 'machineActions.list',
      permission: PERMISSIONS.readMachines,
      handle: ({ view, url }) =>
        this.collection('MachineActions', view.actions(), parseODataQuery(url.searchParams, MACHINE_ACTION_SPEC), url),
    };
  }

  private getActionEndpoint(): Endpoint {
    return {
      name: 'machineActions.get',
      permission: PERMISSIONS.readMachines,
      handle: ({ view, params }) => odataEntity('MachineActions', view.action(params.id)),
    };
  }

  /**
   * The short-lived link to a collected investigation package (get-package-sas-uri.md): Alerts
   * investigation and the device's group for a user; 404 while the collection has not succeeded;
   * `value` quoted inside the string, as the page's example shows. Rate limit 2/min, 120/h.
   */
  private packageUriEndpoint(): Endpoint {
    return {
      name: PACKAGE_URI_ENDPOINT,
      permission: PERMISSIONS.packageUri,
      handle: ({ view, params }) => {
        const action = view.action(params.id);
        if (action.type !== 'CollectInvestigationPackage' || action.status !== 'Succeeded') {
          throw defenderErrors.notFound(`No investigation package for machine action ${action.id}.`);
        }
        const link = `${this.baseUrl}/safedownload/WDATP_Investigation_Package.zip?token=${crypto.randomBytes(24).toString('base64url')}`;
        return odataJson(200, { '@odata.context': odataContext('Edm.String'), value: `"${link}"` });
      },
    };
  }

  private cancelActionEndpoint(): Endpoint {
    const spec = bodySpec(['Comment']);
    return {
      name: 'machineActions.cancel',
      permission: CANCEL_PERMISSION,
      handle: ({ view, params, body, contentType, caller }) => {
        const { Comment: comment } = parseBody(body, contentType, spec, this.strictBodyCasing);
        const action = view.action(params.id);
        requireRole(caller, permissionForActionType(action.type).rbac);
        return odataEntity('MachineActions', this.engine.cancel(action, caller.requestor, comment ?? null));
      },
    };
  }
}

/** The answer with `$filter` taken out of its nextLink (the fault of issue #8316); other answers unchanged. */
function withoutFilterInNextLink(response: WireResponse): WireResponse {
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(response.body) as Record<string, unknown>;
  } catch {
    return response;
  }
  const nextLink = body['@odata.nextLink'];
  if (typeof nextLink !== 'string') return response;
  const url = new URL(nextLink);
  url.searchParams.delete('$filter');
  return { ...response, body: JSON.stringify({ ...body, '@odata.nextLink': url.href }) };
}
