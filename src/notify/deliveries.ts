import type { Alert } from '../defender/model';
import type { DocumentWrite, OutboxItem } from '../store/store';

/**
 * What the poller puts in the outbox and the sender takes out: a card to post for an alert, or an
 * update of the card already posted. Keys are deterministic, so enqueueing the same delivery again
 * (a re-read alert, a poll repeated after a crash) is a no-op.
 */
export interface DeliveryPayload {
  kind: 'post' | 'update';
  alert: Alert;
  locale: string;
}

/** What a card shows that makes it worth updating when it changes. */
export interface ShownState {
  status: Alert['status'];
  assignedTo: string | null;
  classification: Alert['classification'];
}

/** The poller's record of one (alert, conversation) card: what the newest enqueued delivery shows. */
export interface CardState {
  shown: ShownState;
  lastUpdateTime: string;
  /** Set when the alert went into a storm digest instead of a card of its own. */
  digestId?: string;
}

/**
 * The sender's record of one (alert, conversation) post. `sending` is written just before the
 * request: found after a crash, it means the post may or may not have reached Teams.
 */
export type PostRecord =
  | { state: 'sending'; since: string }
  | { state: 'posted'; activityId: string; postedAt: string; /** a digest card: the digest version it shows */ version?: number }
  | { state: 'abandoned'; reason: string };

export const CARD_STATES = 'notify-cards';
export const POSTS = 'notify-posts';

/** The card states one commit writes, one per card (an alert listed twice in a page is written once). */
export class CardStateWrites {
  private readonly byKey = new Map<string, { state: CardState; create: boolean }>();

  /** A card newly routed: created, never overwritten (a conflict if another poll routed it). */
  create(key: string, state: CardState): void {
    this.byKey.set(key, { state, create: this.byKey.get(key)?.create ?? true });
  }

  /** A known card's new state. */
  replace(key: string, state: CardState): void {
    this.byKey.set(key, { state, create: this.byKey.get(key)?.create ?? false });
  }

  writes(): DocumentWrite[] {
    return [...this.byKey].map(([key, { state, create }]) => ({ collection: CARD_STATES, key, value: state, options: create ? {} : { etag: '*' } }));
  }
}

export function cardKey(alertId: string, conversationId: string): string {
  return `${alertId}/${conversationId}`;
}

export function shownState(alert: Alert): ShownState {
  return { status: alert.status, assignedTo: alert.assignedTo, classification: alert.classification };
}

export function sameShownState(a: ShownState, b: ShownState): boolean {
  return a.status === b.status && a.assignedTo === b.assignedTo && a.classification === b.classification;
}

export function postDelivery(alert: Alert, conversationId: string, locale: string, notBefore: number): OutboxItem {
  return delivery(`alert/${alert.id}/${conversationId}/post`, { kind: 'post', alert, locale }, conversationId, notBefore);
}

/** One update per change of the alert: the key carries the alert's lastUpdateTime. */
export function updateDelivery(alert: Alert, conversationId: string, locale: string, notBefore: number): OutboxItem {
  return delivery(`alert/${alert.id}/${conversationId}/update/${alert.lastUpdateTime}`, { kind: 'update', alert, locale }, conversationId, notBefore);
}

function delivery(key: string, payload: DeliveryPayload, conversationId: string, notBefore: number): OutboxItem {
  return { key, conversationId, payload, notBefore };
}

export function isDeliveryPayload(value: unknown): value is DeliveryPayload {
  if (!value || typeof value !== 'object') return false;
  const payload = value as Partial<DeliveryPayload>;
  return (payload.kind === 'post' || payload.kind === 'update') && typeof payload.locale === 'string'
    && typeof payload.alert === 'object' && payload.alert !== null && typeof payload.alert.id === 'string';
}

