/**
 * The telemetry hooks the bot's choke points call, one line each. Until `startTelemetry` (./start)
 * has run they do nothing and load nothing: the OpenTelemetry SDK is loaded only when enabled.
 * Every label a hook records is bounded (kinds, operations, status classes, codes): never a user,
 * device, alert, conversation or token.
 */
import type { ConfidentialClientApplication } from '@azure/msal-node';
import type { RequestInfo } from '../defender/http';
import type { MachineAction } from '../defender/model';
import type { ConnectorSender } from '../notify/connector';
import type { Store } from '../store/store';

/** The activity fields a turn is classified by; the body is untrusted, so every field may be anything. */
export interface TurnActivity {
  type?: unknown;
  name?: unknown;
  conversation?: { conversationType?: unknown };
}

export type TokenGrant = 'on_behalf_of' | 'client_credentials' | 'authorization_code';
export type NotificationKind = 'post' | 'update';

/** What an outbox delivery is, as far as telemetry looks: its kind and when Defender changed the alert. */
export interface NotificationDelivery {
  kind: NotificationKind;
  alert: { lastUpdateTime: string };
}

/** What the hooks forward to while telemetry runs (./recorder implements it). */
export interface Recorder {
  turn<T>(activity: TurnActivity, correlationId: string, statusCode: () => number, work: () => Promise<T>): Promise<T>;
  notification<T>(delivery: NotificationDelivery, work: () => Promise<T>): Promise<T>;
  poll<T>(work: () => Promise<T>): Promise<T>;
  /** The delivery being observed reached Teams. */
  notificationShown(kind: NotificationKind): void;
  /** Alerts a poll put into storm digests instead of cards of their own. */
  alertsDigested(count: number): void;
  /** Storm digests still open after this replica's poll. */
  digestsOpen(count: number): void;
  tokenRequest(grant: TokenGrant, error: unknown): void;
  defenderRequest(info: RequestInfo): void;
  leaseHeld(name: string, held: boolean): void;
  actionFollowed(action: Pick<MachineAction, 'id' | 'status' | 'creationDateTimeUtc'>): void;
  /** One call of a storage method. */
  storeCall(store: Store, operation: string, call: () => unknown): unknown;
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
export function observeNotification<T>(delivery: NotificationDelivery, work: () => Promise<T>): Promise<T> {
  return recorder ? recorder.notification(delivery, work) : work();
}

/** The notifier's connector, reporting each card it posted or updated (and so the delivery's lag). */
export function observedConnector(connector: ConnectorSender): ConnectorSender {
  return {
    post: async (reference, card) => {
      const activityId = await connector.post(reference, card);
      recorder?.notificationShown('post');
      return activityId;
    },
    update: async (reference, activityId, card) => {
      await connector.update(reference, activityId, card);
      recorder?.notificationShown('update');
    },
  };
}

/** Alerts one poll page put into storm digests (instead of a card each). */
export function alertsDigested(count: number): void {
  if (count > 0) recorder?.alertsDigested(count);
}

/** How many storm digests are open after this replica's poll. */
export function digestsOpen(count: number): void {
  recorder?.digestsOpen(count);
}

/** One poll of Defender for changed alerts: a trace of its Defender and Entra calls, its outcome, when it last succeeded. */
export function observePoll<T>(work: () => Promise<T>): Promise<T> {
  return recorder ? recorder.poll(work) : work();
}

const GRANTS = {
  acquireTokenOnBehalfOf: 'on_behalf_of',
  acquireTokenByClientCredential: 'client_credentials',
  acquireTokenByCode: 'authorization_code',
} as const satisfies Record<string, TokenGrant>;

/** Counts every token request of an msal client by grant, outcome and AADSTS code (called once per client). */
export function observeTokenRequests(msal: ConfidentialClientApplication): void {
  const methods = msal as unknown as Record<keyof typeof GRANTS, (...args: unknown[]) => Promise<unknown>>;
  for (const [method, grant] of Object.entries(GRANTS) as [keyof typeof GRANTS, TokenGrant][]) {
    const request = methods[method].bind(msal);
    methods[method] = async (...args) => {
      try {
        const result = await request(...args);
        recorder?.tokenRequest(grant, undefined);
        return result;
      } catch (error) {
        recorder?.tokenRequest(grant, error);
        throw error;
      }
    };
  }
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

/**
 * The store, each call timed and counted per operation while telemetry runs (and the outbox depth and
 * availability read at each scrape); while it does not, each call goes straight through.
 */
export function observedStore(store: Store): Store {
  return new Proxy(store, {
    get: (target, property, receiver) => {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value !== 'function' || typeof property !== 'string' || property === 'close') return value;
      const method = value as (...args: unknown[]) => unknown;
      return (...args: unknown[]) => (recorder ? recorder.storeCall(target, property, () => method.apply(target, args)) : method.apply(target, args));
    },
  });
}
