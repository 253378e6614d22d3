import { AsyncLocalStorage } from 'node:async_hooks';
import crypto from 'node:crypto';
import { type Attributes, type Meter, type Span, SpanKind, SpanStatusCode, type Tracer, context } from '@opentelemetry/api';
import type { RequestInfo } from '../defender/http';
import type { MachineAction } from '../defender/model';
import { withDeadline } from '../deadline';
import { withCorrelation } from '../logging';
import { ConflictError, type Store } from '../store/store';
import type { NotificationDelivery, NotificationKind, Recorder, TokenGrant, TurnActivity } from './index';
import { operationOf, type Service, statusClassOf } from './routes';

const SECONDS_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 30];
/** Notification lag: Defender's change to the card in Teams; the alert rule looks at 300 s. */
const LAG_BUCKETS = [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600];
const ACTION_AGE_BUCKETS = [10, 30, 60, 300, 900, 1800, 3600, 4 * 3600, 24 * 3600, 7 * 24 * 3600];

const ACTIVITY_TYPES = new Set(['message', 'invoke', 'conversationUpdate', 'installationUpdate', 'messageReaction', 'event', 'typing', 'endOfConversation']);
const INVOKE_NAMES = new Set(['adaptiveCard/action', 'signin/tokenExchange', 'signin/verifyState', 'signin/failure', 'task/fetch', 'task/submit']);
const CONVERSATION_TYPES = new Set(['personal', 'groupChat', 'channel']);
const ACTION_STATUSES = new Set(['Pending', 'InProgress', 'Succeeded', 'Failed', 'TimeOut', 'Cancelled']);
const FINAL_STATUSES = new Set(['Succeeded', 'Failed', 'TimeOut', 'Cancelled']);
/** Followed actions not heard of for this long are no longer counted (their follower stopped). */
const FOLLOW_FORGET_MS = 60 * 60 * 1000;
const MAX_FOLLOWED = 10_000;
const OUTBOX_PROBE_TIMEOUT_MS = 2000;

/** The bounded kind of an activity: its type, and for an invoke its name (`invoke signin/tokenExchange`). */
export function turnKindOf(activity: TurnActivity): string {
  const type = typeof activity.type === 'string' && ACTIVITY_TYPES.has(activity.type) ? activity.type : 'other';
  if (type !== 'invoke') return type;
  return `invoke ${typeof activity.name === 'string' && INVOKE_NAMES.has(activity.name) ? activity.name : 'other'}`;
}

function turnOutcomeOf(status: number, failed: boolean): string {
  if (failed || status >= 500) return 'error';
  if (status === 401 || status === 403) return 'unauthorized';
  if (status >= 400) return 'rejected';
  return 'ok';
}

/** The AADSTS number of an Entra error (msal's `errorNo`, or the code in its message), else `none`. */
export function aadstsOf(error: unknown): string {
  const shape = (error && typeof error === 'object' ? error : {}) as { errorNo?: unknown; errorMessage?: unknown; message?: unknown };
  if (typeof shape.errorNo === 'string' && /^\d{1,8}$/.test(shape.errorNo)) return shape.errorNo;
  const text = [shape.errorMessage, shape.message].filter((part): part is string => typeof part === 'string').join(' ');
  return /AADSTS(\d{1,8})/.exec(text)?.[1] ?? 'none';
}

function tokenOutcomeOf(error: unknown): string {
  if (error === undefined) return 'ok';
  const code = (error as { errorCode?: unknown }).errorCode;
  return typeof code === 'string' && /^[a-z_]{1,40}$/.test(code) ? code : 'other';
}

interface Followed {
  status: string;
  createdMs: number;
  seenMs: number;
}

/** The instruments and the hooks' implementation over the OpenTelemetry API's meter and tracer. */
export class OtelRecorder implements Recorder {
  private readonly turns;
  private readonly turnDuration;
  private readonly outbound;
  private readonly outboundDuration;
  private readonly throttled;
  private readonly retries;
  private readonly tokenRequests;
  private readonly notificationsShown;
  private readonly notificationLag;
  private readonly alertsDigestedCounter;
  private openDigests = 0;
  private readonly actionFinalAge;
  private readonly storeOperations;
  private readonly storeDuration;
  private readonly leases = new Map<string, number>();
  private readonly followed = new Map<string, Followed>();
  /** The store whose outbox the depth gauge reads: the one the bot uses. */
  private outboxStore: Store | undefined;
  private storeAvailable: number | undefined;
  private lastPollSucceededMs: number | undefined;
  /** The delivery whose Teams call is under way, for the connector's report. */
  private readonly delivering = new AsyncLocalStorage<NotificationDelivery>();
  private readonly polls;

  constructor(private readonly meter: Meter, private readonly tracer: Tracer) {
    this.turns = meter.createCounter('chatops.turns', { unit: '{turn}', description: 'Activities from Teams handled, by kind and outcome.' });
    this.turnDuration = meter.createHistogram('chatops.turn.duration', {
      unit: 's', description: 'Time to answer an activity from Teams.', advice: { explicitBucketBoundaries: SECONDS_BUCKETS },
    });
    this.outbound = meter.createCounter('chatops.outbound.requests', { unit: '{request}', description: 'HTTP requests to Defender, Graph, Entra ID and Teams, by service, operation and status class.' });
    this.outboundDuration = meter.createHistogram('chatops.outbound.duration', {
      unit: 's', description: 'Time to the response headers of an outbound HTTP request.', advice: { explicitBucketBoundaries: SECONDS_BUCKETS },
    });
    this.throttled = meter.createCounter('chatops.outbound.throttled', { unit: '{response}', description: 'Outbound requests answered 429 (throttled), by service and operation.' });
    this.retries = meter.createCounter('chatops.outbound.retries', { unit: '{request}', description: 'Outbound requests that were retries of an earlier attempt, by service and operation.' });
    this.tokenRequests = meter.createCounter('chatops.entra.token_requests', { unit: '{request}', description: 'Token requests to Entra ID (on-behalf-of for users, client credentials for the app), by outcome and AADSTS code.' });
    this.notificationsShown = meter.createCounter('chatops.notifications.shown', { unit: '{card}', description: 'Alert notification cards posted or updated in Teams.' });
    this.alertsDigestedCounter = meter.createCounter('chatops.notifications.digested', { unit: '{alert}', description: 'Alerts shown in a storm digest card instead of a card of their own.' });
    this.notificationLag = meter.createHistogram('chatops.notification.lag', {
      unit: 's', description: "From the alert's lastUpdateTime in Defender to its card posted or updated in Teams.", advice: { explicitBucketBoundaries: LAG_BUCKETS },
    });
    this.actionFinalAge = meter.createHistogram('chatops.actions.final_age', {
      unit: 's', description: 'Age of a followed response action when it reached its final status.', advice: { explicitBucketBoundaries: ACTION_AGE_BUCKETS },
    });
    this.polls = meter.createCounter('chatops.notify.polls', { unit: '{poll}', description: 'Polls of Defender for changed alerts by this replica, by outcome (ok, error).' });
    this.storeOperations = meter.createCounter('chatops.store.operations', { unit: '{operation}', description: 'Storage calls by operation and outcome (ok, conflict, error).' });
    this.storeDuration = meter.createHistogram('chatops.store.duration', {
      unit: 's', description: 'Time of a storage call.', advice: { explicitBucketBoundaries: SECONDS_BUCKETS },
    });
    this.observeGauges();
  }

  async turn<T>(activity: TurnActivity, correlationId: string, statusCode: () => number, work: () => Promise<T>): Promise<T> {
    const kind = turnKindOf(activity);
    const conversationType = activity.conversation?.conversationType;
    const attributes: Attributes = {
      'chatops.correlation_id': correlationId,
      'chatops.turn.kind': kind,
      ...(typeof conversationType === 'string' && CONVERSATION_TYPES.has(conversationType) ? { 'chatops.conversation.type': conversationType } : {}),
    };
    const started = performance.now();
    let failed = false;
    return this.tracer.startActiveSpan(`turn ${kind}`, { kind: SpanKind.SERVER, attributes }, async (span) => {
      try {
        return await work();
      } catch (error) {
        failed = true;
        throw error;
      } finally {
        const status = statusCode();
        const outcome = turnOutcomeOf(status, failed);
        span.setAttribute('http.response.status_code', status);
        if (outcome === 'error') span.setStatus({ code: SpanStatusCode.ERROR });
        span.end();
        this.turns.add(1, { kind, outcome });
        this.turnDuration.record((performance.now() - started) / 1000, { kind, outcome });
      }
    });
  }

  notification<T>(delivery: NotificationDelivery, work: () => Promise<T>): Promise<T> {
    const correlationId = crypto.randomUUID();
    const kind: NotificationKind = delivery.kind === 'update' ? 'update' : 'post';
    const attributes = { 'chatops.correlation_id': correlationId, 'chatops.notification.kind': kind };
    // A root span: the sender's loop is not part of any turn.
    return this.delivering.run(delivery, () => withCorrelation(correlationId, () => this.tracer.startActiveSpan(`notification ${kind}`, { kind: SpanKind.PRODUCER, attributes, root: true }, async (span) => {
      try {
        return await work();
      } catch (error) {
        span.setStatus({ code: SpanStatusCode.ERROR });
        throw error;
      } finally {
        span.end();
      }
    })));
  }

  poll<T>(work: () => Promise<T>): Promise<T> {
    return this.tracer.startActiveSpan('notify poll', { kind: SpanKind.CLIENT, root: true }, async (span) => {
      try {
        const result = await work();
        this.polls.add(1, { outcome: 'ok' });
        this.lastPollSucceededMs = Date.now();
        return result;
      } catch (error) {
        this.polls.add(1, { outcome: 'error' });
        span.setStatus({ code: SpanStatusCode.ERROR });
        throw error;
      } finally {
        span.end();
      }
    });
  }

  alertsDigested(count: number): void {
    this.alertsDigestedCounter.add(count);
  }

  digestsOpen(count: number): void {
    this.openDigests = count;
  }

  notificationShown(kind: NotificationKind): void {
    this.notificationsShown.add(1, { kind });
    const changedAt = Date.parse(this.delivering.getStore()?.alert.lastUpdateTime ?? '');
    if (Number.isNaN(changedAt)) return;
    this.notificationLag.record(Math.max(0, Date.now() - changedAt) / 1000, { kind });
  }

  tokenRequest(grant: TokenGrant, error: unknown): void {
    this.tokenRequests.add(1, { grant, outcome: tokenOutcomeOf(error), aadsts: error === undefined ? 'none' : aadstsOf(error) });
  }

  defenderRequest(info: RequestInfo): void {
    const operation = operationOf(info.method, info.path);
    this.outboundRequest('defender', operation, info.status, info.ms, info.attempt > 1);
  }

  /** One outbound HTTP request, after its response headers (or its failure): metrics and a span that ends now. */
  outboundRequest(service: Service, operation: string, status: number | 'error', ms: number, retry = false, span?: Span): void {
    const statusClass = statusClassOf(status);
    this.outbound.add(1, { service, operation, status_class: statusClass });
    this.outboundDuration.record(ms / 1000, { service, operation, status_class: statusClass });
    if (status === 429) this.throttled.add(1, { service, operation });
    if (retry) this.retries.add(1, { service, operation });
    const ended = span ?? this.tracer.startSpan(`${service} ${operation}`, {
      kind: SpanKind.CLIENT, startTime: Date.now() - ms, attributes: { 'chatops.service': service, 'chatops.operation': operation },
    }, context.active());
    if (typeof status === 'number') ended.setAttribute('http.response.status_code', status);
    if (retry) ended.setAttribute('http.request.resend_count', 1);
    if (status === 'error' || status >= 500) ended.setStatus({ code: SpanStatusCode.ERROR });
    ended.end();
  }

  /** A span for an outbound request whose response is still to come (node's http client events). */
  startOutboundSpan(service: Service, operation: string): Span {
    return this.tracer.startSpan(`${service} ${operation}`, {
      kind: SpanKind.CLIENT, attributes: { 'chatops.service': service, 'chatops.operation': operation },
    }, context.active());
  }

  leaseHeld(name: string, held: boolean): void {
    this.leases.set(name, held ? 1 : 0);
  }

  actionFollowed(action: Pick<MachineAction, 'id' | 'status' | 'creationDateTimeUtc'>): void {
    const now = Date.now();
    const status = ACTION_STATUSES.has(action.status) ? action.status : 'other';
    const createdMs = Date.parse(action.creationDateTimeUtc);
    const known = this.followed.get(action.id);
    if (FINAL_STATUSES.has(status)) {
      this.followed.delete(action.id);
      if (!Number.isNaN(createdMs)) this.actionFinalAge.record(Math.max(0, now - createdMs) / 1000, { status });
      return;
    }
    if (!known && this.followed.size >= MAX_FOLLOWED) return;
    this.followed.set(action.id, { status, createdMs: Number.isNaN(createdMs) ? now : createdMs, seenMs: now });
  }

  storeCall(store: Store, operation: string, call: () => unknown): unknown {
    this.outboxStore = store;
    return this.timedStoreCall(operation, call);
  }

  /** Times one storage call, sync or async, without changing what it returns. */
  private timedStoreCall(operation: string, call: () => unknown): unknown {
    const started = performance.now();
    const done = (error?: unknown) => {
      const outcome = error === undefined ? 'ok' : error instanceof ConflictError ? 'conflict' : 'error';
      this.storeOperations.add(1, { operation, outcome });
      this.storeDuration.record((performance.now() - started) / 1000, { operation });
      this.storeAvailable = outcome === 'error' ? 0 : 1;
    };
    let result: unknown;
    try {
      result = call();
    } catch (error) {
      done(error);
      throw error;
    }
    if (!(result instanceof Promise)) {
      done();
      return result;
    }
    return result.then((value: unknown) => {
      done();
      return value;
    }, (error: unknown) => {
      done(error ?? new Error('rejected'));
      throw error;
    });
  }

  private observeGauges(): void {
    const meter = this.meter;
    meter.createObservableGauge('chatops.leases.held', { unit: '{lease}', description: 'Leases this replica holds (1) or not (0), by lease: one replica polls and one sends.' })
      .addCallback((result) => { for (const [lease, held] of this.leases) result.observe(held, { lease }); });
    meter.createObservableGauge('chatops.notify.last_poll', { unit: 's', description: 'When this replica last polled Defender successfully (Unix time); absent on replicas that have not polled.' })
      .addCallback((result) => { if (this.lastPollSucceededMs !== undefined) result.observe(this.lastPollSucceededMs / 1000); });
    meter.createObservableGauge('chatops.notify.digest_mode', { unit: '1', description: "Whether this replica's last poll left a storm digest open (1: some conversation's alerts are being grouped) or not (0)." })
      .addCallback((result) => result.observe(this.openDigests > 0 ? 1 : 0));
    meter.createObservableGauge('chatops.notify.digests_open', { unit: '{digest}', description: "Storm digests open after this replica's last poll (one per conversation in a storm)." })
      .addCallback((result) => result.observe(this.openDigests));
    const followed = meter.createObservableGauge('chatops.actions.followed', { unit: '{action}', description: 'Response actions being followed to their final status, by current status.' });
    const oldest = meter.createObservableGauge('chatops.actions.followed.oldest_age', { unit: 's', description: 'Age of the oldest followed response action, by current status.' });
    meter.addBatchObservableCallback((result) => {
      const now = Date.now();
      const byStatus = new Map<string, { count: number; oldestMs: number }>();
      for (const [id, entry] of this.followed) {
        if (now - entry.seenMs > FOLLOW_FORGET_MS) { this.followed.delete(id); continue; }
        const row = byStatus.get(entry.status) ?? { count: 0, oldestMs: now };
        byStatus.set(entry.status, { count: row.count + 1, oldestMs: Math.min(row.oldestMs, entry.createdMs) });
      }
      for (const status of ['Pending', 'InProgress']) {
        const row = byStatus.get(status) ?? { count: 0, oldestMs: now };
        result.observe(followed, row.count, { status });
        result.observe(oldest, Math.max(0, now - row.oldestMs) / 1000, { status });
      }
    }, [followed, oldest]);
    const depth = meter.createObservableGauge('chatops.outbox.depth', { unit: '{delivery}', description: 'Notification deliveries waiting in the outbox (all replicas: the outbox is shared).' });
    const available = meter.createObservableGauge('chatops.store.available', { unit: '1', description: 'Whether the last storage call (or the outbox probe at this scrape) succeeded (1) or failed (0).' });
    meter.addBatchObservableCallback(async (result) => {
      const store = this.outboxStore;
      if (store) {
        try {
          const pending = await withDeadline(this.timedStoreCall('pendingOutbox', () => store.pendingOutbox()) as Promise<number>, OUTBOX_PROBE_TIMEOUT_MS, `the store did not answer within ${OUTBOX_PROBE_TIMEOUT_MS} ms`);
          result.observe(depth, pending);
        } catch {
          this.storeAvailable = 0;
        }
      }
      if (this.storeAvailable !== undefined) result.observe(available, this.storeAvailable);
    }, [depth, available]);
  }
}
