import type { Alert } from '../defender/model';
import { compareInstants } from '../defender/odata';
import type { OutboxItem, Store, StoredDocument } from '../store/store';
import { CARD_STATES, type CardState, CardStateWrites, sameShownState, shownState, updateDelivery } from './deliveries';
import { inScope, type Subscription, type SubscriptionRegistry } from './subscriptions';
import { vouchedPart } from './vouched-alert';

/** The updates one changed alert calls for on the notification cards already posted for it, and what each card will show. */
export interface CardUpdates {
  items: OutboxItem[];
  cards: [key: string, state: CardState][];
  /** Conversations that hold a card of the alert already. */
  posted: Set<string>;
  /** Changed alerts shown in a storm digest rather than a card of their own: the digest follows them (the poller's part). */
  digested: { key: string; digestId: string; conversationId: string; locale: string }[];
}

/**
 * An update of each posted card of the alert whose shown state (status, assignee, classification)
 * changed, in conversations where a subscription still vouches for the device's group, showing
 * only the vouched part (what the card showed there before).
 */
export function cardUpdates(
  alert: Alert, known: readonly StoredDocument<CardState>[], subscriptions: readonly Subscription[], notBefore: number,
): CardUpdates {
  const result: CardUpdates = { items: [], cards: [], posted: new Set(), digested: [] };
  const card = { shown: shownState(alert), lastUpdateTime: alert.lastUpdateTime };
  for (const doc of known) {
    const conversationId = doc.key.slice(alert.id.length + 1);
    result.posted.add(conversationId);
    const vouching = subscriptions.filter((subscription) => subscription.conversationId === conversationId);
    if (vouching.length === 0 || sameShownState(doc.value.shown, card.shown)) continue;
    // A posted card follows its alert only while a subscription there still vouches for the device's group.
    if (!vouching.some((subscription) => inScope(alert, subscription))) continue;
    if (compareInstants(alert.lastUpdateTime, doc.value.lastUpdateTime) <= 0) continue;
    const { digestId } = doc.value;
    if (digestId) {
      result.digested.push({ key: doc.key, digestId, conversationId, locale: vouching[0].locale });
      continue;
    }
    result.items.push(updateDelivery(vouchedPart(alert), conversationId, vouching[0].locale, notBefore));
    result.cards.push([doc.key, card]);
  }
  return result;
}

export function knownCards(store: Store, alertId: string): Promise<StoredDocument<CardState>[]> {
  return store.list<CardState>(CARD_STATES, { prefix: `${alertId}/` });
}

/**
 * A user's triage changed an alert: every notification card of it the bot posted is updated now
 * (through the outbox, paced like every notification) rather than at the next poll. A storm digest
 * that shows the alert is left to the next poll, which sees the change and updates the digest.
 */
export class PostedCards {
  constructor(private readonly store: Store, private readonly subscriptions: SubscriptionRegistry, private readonly now: () => number = Date.now) {}

  /** How many card updates were enqueued. */
  async alertChanged(alert: Alert): Promise<number> {
    const updates = cardUpdates(alert, await knownCards(this.store, alert.id), await this.subscriptions.enabledSubscriptions(), this.now());
    if (updates.items.length === 0) return 0;
    const cards = new CardStateWrites();
    for (const [key, state] of updates.cards) cards.replace(key, state);
    return this.store.commit(cards.writes(), updates.items);
  }
}
