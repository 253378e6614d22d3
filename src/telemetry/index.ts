/**
 * The telemetry hooks the bot's choke points call, one line each. Until `startTelemetry` (./start)
 * has run they do nothing and load nothing: the OpenTelemetry SDK is loaded only when enabled.
 * Every label a hook records is bounded (kinds, operations, status classes, codes): never a user,
 * device, alert, conversation or token.
 */
import type { RequestInfo } from '../defender/http';
import type { MachineAction } from '../defender/model';
import type { Store } from '../store/store';

/** The activity fields a turn is classified by; the body is untrusted, so every field may be anything. */
export interface TurnActivity {
  type?: unknown;
  name?: unknown;
  conversation?: { conversationType?: unknown };
}

export type TokenGrant = 'on_behalf_of' | 'client_credentials';
export type NotificationKind = 'post' | 'update';

/** What the hooks forward to while telemetry runs (./recorder implements it). */
export interface Recorder {
  turn<T>(activity: TurnActivity, correlationId: string, statusCode: () => number, work: () => Promise<T>): Promise<T>;
  notification<T>(kind: NotificationKind, work: () => Promise<T>): Promise<T>;
  poll<T>(work: () => Promise<T>): Promise<T>;
  notificationShown(kind: NotificationKind, alertLastUpdateTime: string, shownAtMs: number): void;
  tokenRequest(grant: TokenGrant, error: unknown): void;
  defenderRequest(info: RequestInfo): void;
  leaseHeld(name: string, held: boolean): void;
  actionFollowed(action: Pick<MachineAction, 'id' | 'status' | 'creationDateTimeUtc'>): void;
  store(store: Store): Store;
}

let recorder: Recorder | undefined;

/** Set by startTelemetry, cleared by its shutdown. */
export function setRecorder(next: Recorder | undefined): void {
  recorder = next;
}

/** One inbound activity: a trace, a count by kind and outcome, a latency. */
export function observeTurn<T>(activity: TurnActivity, correlationId: string, statusCode: () => number, work: () => Promise<T>): Promise<T> {
  return recorder ? recorder.turn(activity, correlationId, statusCode, work) : work();
}

/** One outbox delivery being sent: a trace of its Teams calls, under a correlation id of its own. */
export function observeNotification<T>(kind: NotificationKind, work: () => Promise<T>): Promise<T> {
  return recorder ? recorder.notification(kind, work) : work();
}

/** One poll of Defender for changed alerts: a trace of its Defender and Entra calls, its outcome, when it last succeeded. */
export function observePoll<T>(work: () => Promise<T>): Promise<T> {
  return recorder ? recorder.poll(work) : work();
}

/** A notification card posted or updated in Teams: how long after Defender's change it showed. */
export function notificationShown(kind: NotificationKind, alertLastUpdateTime: string, shownAtMs = Date.now()): void {
  recorder?.notificationShown(kind, alertLastUpdateTime, shownAtMs);
}

/** A token request to Entra ID finished (`error` undefined when it succeeded). */
export function tokenRequestDone(grant: TokenGrant, error?: unknown): void {
  recorder?.tokenRequest(grant, error);
}

/** One HTTP attempt to the Defender API (DefenderHttp's `onRequest`). */
export function defenderRequestDone(info: RequestInfo): void {
  recorder?.defenderRequest(info);
}

/** Whether this replica holds a named lease after asking for it. */
export function leaseHeld(name: string, held: boolean): void {
  recorder?.leaseHeld(name, held);
}

/** The latest state of a response action the bot follows to its final status. */
export function actionFollowed(action: Pick<MachineAction, 'id' | 'status' | 'creationDateTimeUtc'>): void {
  recorder?.actionFollowed(action);
}

/** The store, timed and counted per operation, with its availability and the outbox depth as gauges. */
export function observedStore(store: Store): Store {
  return recorder ? recorder.store(store) : store;
}
