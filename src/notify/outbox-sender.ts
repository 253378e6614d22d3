import type { Attachment, ConversationReference } from 'botbuilder';
import type { Alert } from '../defender/model';
import { type ClaimedOutboxItem, type Store, StoreUnavailableError } from '../store/store';
import { ConnectorFailure, type ConnectorSender } from './connector';
import { type DeliveryPayload, isDeliveryPayload, POSTS, type PostRecord, cardKey } from './deliveries';
import { observeNotification } from '../telemetry';
import { Lease } from './lease';
import { type Digest, type DigestDeliveryPayload, digestPostKey, isDigestPayload, readDigest } from './storm-digest';
import { DEFAULT_SEND_RATE_LIMITS, SendPacer, type SendRateLimits } from './pacer';
import type { SubscriptionRegistry } from './subscriptions';

/** Whom a notification card is for: buttons are bound to the conversation, texts follow the locale. */
export interface CardTarget {
  conversationId: string;
  locale: string;
}

export type RenderAlertCard = (alert: Alert, target: CardTarget) => Attachment;
export type RenderDigestCard = (digest: Digest, target: CardTarget) => Attachment;

export interface OutboxSenderSettings {
  rateLimits: SendRateLimits;
  /** Lifetime of the sender lease (one replica sends at a time, so the rate limits hold across replicas). Default 30 s. */
  leaseTtlMs: number;
  /** Deliveries claimed at once; default 50. */
  claimBatch: number;
  /** How long claimed deliveries stay this replica's; must exceed `maxWaitMs` plus a send. Default 60 s. */
  claimLeaseMs: number;
  /** A claimed delivery waits at most this long for its send slot, else goes back to the outbox. Default 10 s. */
  maxWaitMs: number;
  /** Pause between looks at an empty outbox; default 1 s. */
  idleMs: number;
  /** Backoff after a transient failure or a 429 without Retry-After (full jitter). Default 2 s to 20 s. */
  backoff: { minMs: number; maxMs: number };
}

export const DEFAULT_SENDER_SETTINGS: OutboxSenderSettings = {
  rateLimits: DEFAULT_SEND_RATE_LIMITS,
  leaseTtlMs: 30_000,
  claimBatch: 50,
  claimLeaseMs: 60_000,
  maxWaitMs: 10_000,
  idleMs: 1_000,
  backoff: { minMs: 2_000, maxMs: 20_000 },
};

export interface OutboxSenderDeps {
  store: Store;
  subscriptions: SubscriptionRegistry;
  connector: ConnectorSender;
  renderAlertCard: RenderAlertCard;
  renderDigestCard: RenderDigestCard;
  replicaId: string;
  log: (line: string) => void;
  /** The replica's pacer for everything it posts (replies too); by default the sender's own, under `rateLimits`. */
  pacer?: SendPacer;
  now?: () => number;
}

/** What became of one delivery: done (sent or dropped for good), or to be tried again at `at`. */
type Outcome =
  | { done: true; /** the conversation is gone: its other deliveries are dropped */ dropRest?: boolean }
  | { done: false; at: number; /** the rest of the conversation's deliveries wait too, to keep their order */ holdRest: boolean };

const DONE: Outcome = { done: true };
export const SENDER_LEASE = 'notifier-sender';
/** How long an update waits for its card's post (which is ahead of it in the outbox) per attempt, at most. */
const MAX_WAIT_FOR_POST_MS = 60_000;

/**
 * Drains the outbox into Teams: posts each card once and records its activity id, updates posted
 * cards in place, paced under Teams' limits per conversation and overall, backing off on 429
 * (Retry-After) and transient failures, and disabling conversations the bot was removed from.
 */
export class OutboxSender {
  private readonly settings: OutboxSenderSettings;
  private readonly lease: Lease;
  private readonly pacer: SendPacer;
  private readonly now: () => number;
  private readonly failures = new Map<string, number>();
  /** Posts Teams took whose record the store did not (it went away): written before anything else when it is back. */
  private readonly unrecordedPosts = new Map<string, PostRecord>();
  /** The store went away mid-batch: this replica's claims are given back as soon as it answers again. */
  private claimsToRelease = false;
  private readonly wake = new Set<() => void>();
  private timer: NodeJS.Timeout | undefined;
  private cycle: Promise<void> | undefined;
  private running = false;
  private stopping = false;

  constructor(private readonly deps: OutboxSenderDeps, settings: Partial<OutboxSenderSettings> = {}) {
    this.settings = { ...DEFAULT_SENDER_SETTINGS, ...settings };
    this.now = deps.now ?? Date.now;
    this.lease = new Lease(deps.store, SENDER_LEASE, deps.replicaId, this.settings.leaseTtlMs, this.now);
    this.pacer = deps.pacer ?? new SendPacer(this.settings.rateLimits);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.stopping = false;
    this.schedule(0);
  }

  /** Stops sending; deliveries claimed but not sent go back to the outbox for any replica. */
  async stop(): Promise<void> {
    this.running = false;
    this.stopping = true;
    clearTimeout(this.timer);
    for (const wake of this.wake) wake();
    await this.cycle;
    await this.settleAfterOutage().catch(() => {
      if (this.unrecordedPosts.size > 0) this.deps.log(`notifier: ${this.unrecordedPosts.size} cards Teams took could not be recorded (the store is unavailable); they may be posted again`);
    });
    await this.lease.release().catch((error) => this.deps.log(`notifier: releasing the sender lease failed: ${describe(error)}`));
  }

  /** Claims due deliveries and sends them, if this replica holds (or can take) the sender lease; returns how many it claimed. */
  async drainOnce(): Promise<number> {
    await this.settleAfterOutage();
    if (!(await this.lease.hold())) return 0;
    const items = await this.claim();
    const byConversation = new Map<string, ClaimedOutboxItem[]>();
    for (const item of items) byConversation.set(item.conversationId, [...(byConversation.get(item.conversationId) ?? []), item]);
    const batch = { storeLost: false };
    await Promise.all([...byConversation].map(([conversationId, queue]) => this.sendConversation(conversationId, queue, batch)));
    if (batch.storeLost) this.claimsToRelease = true;
    return items.length;
  }

  /** A claim whose answer is lost may still have been taken: then this replica holds items it does not know about. */
  private async claim(): Promise<ClaimedOutboxItem[]> {
    try {
      return await this.deps.store.claimOutbox(this.deps.replicaId, this.settings.claimBatch, this.settings.claimLeaseMs);
    } catch (error) {
      if (error instanceof StoreUnavailableError) this.claimsToRelease = true;
      throw error;
    }
  }

  /** What the store missed while it was away: the records of posts Teams took, then this replica's claims given back (due at once). */
  private async settleAfterOutage(): Promise<void> {
    for (const [key, record] of this.unrecordedPosts) {
      await this.deps.store.put<PostRecord>(POSTS, key, record, { etag: '*' });
      this.unrecordedPosts.delete(key);
    }
    if (!this.claimsToRelease) return;
    const released = await this.deps.store.releaseOutboxClaims(this.deps.replicaId);
    this.claimsToRelease = false;
    if (released > 0) this.deps.log(`notifier: gave back ${released} deliveries claimed when the store went away`);
  }

  private schedule(delayMs: number): void {
    if (!this.running) return;
    this.timer = setTimeout(() => {
      let next = this.settings.idleMs;
      this.cycle = this.drainOnce()
        .then((claimed) => { if (claimed > 0) next = 0; })
        // A store outage is logged once by the store itself, not here every cycle.
        .catch((error) => { if (!(error instanceof StoreUnavailableError)) this.deps.log(`notifier: sending from the outbox failed: ${describe(error)}`); })
        .finally(() => {
          this.cycle = undefined;
          this.schedule(next);
        });
    }, delayMs);
  }

  /**
   * One conversation's deliveries, in order; a failure that holds the conversation gives the rest
   * back. When the store goes away the whole batch stops (nothing could be recorded); its claims are
   * given back when the store answers again.
   */
  private async sendConversation(conversationId: string, queue: ClaimedOutboxItem[], batch: { storeLost: boolean }): Promise<void> {
    try {
      let reference = await this.deps.subscriptions.activeReference(conversationId);
      for (const [index, item] of queue.entries()) {
        if (batch.storeLost) return;
        const outcome = await this.attempt(item, reference).catch((error): Outcome => {
          if (error instanceof StoreUnavailableError) throw error;
          this.deps.log(`notifier: delivery ${item.key} failed unexpectedly: ${describe(error)}`);
          return { done: false, at: this.now() + this.backoffMs(conversationId), holdRest: true };
        });
        if (outcome.done) {
          await this.deps.store.completeOutbox(item.id, this.deps.replicaId);
          if (outcome.dropRest) reference = undefined;
          continue;
        }
        const rest = outcome.holdRest ? queue.slice(index) : [item];
        for (const held of rest) await this.deps.store.retryOutbox(held.id, this.deps.replicaId, outcome.at);
        if (outcome.holdRest) return;
      }
    } catch (error) {
      if (!(error instanceof StoreUnavailableError)) throw error;
      batch.storeLost = true;
    }
  }

  private async attempt(item: ClaimedOutboxItem, reference: Partial<ConversationReference> | undefined): Promise<Outcome> {
    if (isDigestPayload(item.payload)) return reference ? this.digest(item, item.payload, reference) : DONE;
    if (!isDeliveryPayload(item.payload)) {
      this.deps.log(`notifier: dropped delivery ${item.key}: its payload is not a notification`);
      return DONE;
    }
    // Unsubscribed, or disabled (removed from the conversation): nothing more goes there.
    if (!reference) return DONE;
    const payload = item.payload;
    return observeNotification(payload, () => (payload.kind === 'post' ? this.post(item, payload, reference) : this.update(item, payload, reference)));
  }

  private async post(item: ClaimedOutboxItem, payload: DeliveryPayload, reference: Partial<ConversationReference>): Promise<Outcome> {
    const key = cardKey(payload.alert.id, item.conversationId);
    if (this.unrecordedPosts.has(key)) return DONE;
    const record = (await this.deps.store.get<PostRecord>(POSTS, key))?.value;
    if (record?.state === 'posted' || record?.state === 'abandoned') return DONE;
    if (record?.state === 'sending') {
      this.deps.log(`notifier: the card for alert ${payload.alert.id} in ${item.conversationId} was being sent when a sender stopped; sending it again (Teams may show it twice)`);
    }
    const card = this.render(payload, item.conversationId);
    if (!card) return this.abandon(key, 'the card could not be rendered');
    return this.postCard(item, key, card, reference);
  }

  /** Posts a new card and records its activity id (and, for a digest, the version it shows). */
  private async postCard(item: ClaimedOutboxItem, key: string, card: Attachment, reference: Partial<ConversationReference>, version?: number): Promise<Outcome> {
    const wait = await this.waitForSlot(item.conversationId);
    if (wait) return wait;
    await this.deps.store.put<PostRecord>(POSTS, key, { state: 'sending', since: new Date(this.now()).toISOString() }, { etag: '*' });
    let activityId: string;
    try {
      activityId = await this.deps.connector.post(reference, card);
    } catch (error) {
      const failure = asFailure(error);
      // Only a failure without an answer, or a server error, may have posted the card after all.
      if (failure.kind !== 'transient') await this.deps.store.delete(POSTS, key);
      return this.afterFailure(item, failure, key);
    }
    this.failures.delete(item.conversationId);
    // Kept until the store has it: a card Teams took is never posted again for want of its record.
    const posted: PostRecord = { state: 'posted', activityId, postedAt: new Date(this.now()).toISOString(), ...(version === undefined ? {} : { version }) };
    this.unrecordedPosts.set(key, posted);
    await this.deps.store.put<PostRecord>(POSTS, key, posted, { etag: '*' });
    this.unrecordedPosts.delete(key);
    return DONE;
  }

  private async update(item: ClaimedOutboxItem, payload: DeliveryPayload, reference: Partial<ConversationReference>): Promise<Outcome> {
    const key = cardKey(payload.alert.id, item.conversationId);
    const record = (await this.deps.store.get<PostRecord>(POSTS, key))?.value;
    if (record?.state === 'abandoned') return DONE;
    if (record?.state !== 'posted') {
      // The card's post is still ahead in the outbox: this update waits for it, alone.
      return { done: false, at: this.now() + Math.min(MAX_WAIT_FOR_POST_MS, this.settings.backoff.minMs * item.attempts), holdRest: false };
    }
    const card = this.render(payload, item.conversationId);
    if (!card) return DONE;
    return this.updateCard(item, key, record, card, reference);
  }

  /** Updates a posted card in place; `recordVersion` (a digest's) is recorded once Teams took it. */
  private async updateCard(
    item: ClaimedOutboxItem, key: string, record: PostRecord & { state: 'posted' }, card: Attachment, reference: Partial<ConversationReference>, recordVersion?: number,
  ): Promise<Outcome> {
    const wait = await this.waitForSlot(item.conversationId);
    if (wait) return wait;
    try {
      await this.deps.connector.update(reference, record.activityId, card);
    } catch (error) {
      return this.afterFailure(item, asFailure(error), key);
    }
    this.failures.delete(item.conversationId);
    if (recordVersion !== undefined) await this.deps.store.put<PostRecord>(POSTS, key, { ...record, version: recordVersion }, { etag: '*' });
    return DONE;
  }

  /**
   * A storm digest's card, rendered from the digest as stored now (not as it was when enqueued):
   * posted once, then updated in place; a delivery older than what the card shows is dropped, so a
   * backlog of digest changes costs one send, not one per change.
   */
  private async digest(item: ClaimedOutboxItem, payload: DigestDeliveryPayload, reference: Partial<ConversationReference>): Promise<Outcome> {
    const digest = await readDigest(this.deps.store, payload.digestId);
    if (!digest) return DONE;
    const key = digestPostKey(digest.id);
    if (this.unrecordedPosts.has(key)) return { done: false, at: this.now() + this.settings.backoff.minMs, holdRest: false };
    const record = (await this.deps.store.get<PostRecord>(POSTS, key))?.value;
    if (record?.state === 'abandoned') return DONE;
    if (record?.state === 'posted' && (record.version ?? 0) >= digest.version) return DONE;
    if (record?.state === 'sending') {
      this.deps.log(`notifier: the digest card ${digest.id} was being sent when a sender stopped; sending it again (Teams may show it twice)`);
    }
    let card: Attachment;
    try {
      card = this.deps.renderDigestCard(digest, { conversationId: item.conversationId, locale: payload.locale });
    } catch (error) {
      this.deps.log(`notifier: the digest card ${digest.id} could not be rendered: ${describe(error)}`);
      return this.abandon(key, 'the card could not be rendered');
    }
    if (record?.state !== 'posted') return this.postCard(item, key, card, reference, digest.version);
    return this.updateCard(item, key, record, card, reference, digest.version);
  }

  private async afterFailure(item: ClaimedOutboxItem, failure: ConnectorFailure, key: string): Promise<Outcome> {
    const conversationId = item.conversationId;
    switch (failure.kind) {
      case 'throttled': {
        const at = this.now() + (failure.retryAfterMs ?? this.backoffMs(conversationId)) + Math.random() * 250;
        this.pacer.block(conversationId, at);
        this.deps.log(`notifier: Teams throttled ${conversationId} (${failure.message}); retrying after ${Math.round(at - this.now())} ms`);
        return { done: false, at, holdRest: true };
      }
      case 'transient': {
        const at = this.now() + this.backoffMs(conversationId);
        this.deps.log(`notifier: sending to ${conversationId} failed (${failure.message}); retrying after ${Math.round(at - this.now())} ms`);
        return { done: false, at, holdRest: true };
      }
      case 'gone':
        await this.deps.subscriptions.disable(conversationId, `Teams refused to deliver to this conversation (${failure.message}): the app was removed or the conversation no longer exists.`);
        return { done: true, dropRest: true };
      case 'message_gone':
        this.deps.log(`notifier: the card for ${key} was deleted in Teams; it is no longer updated`);
        return this.abandon(key, 'the card was deleted');
      case 'rejected':
        this.deps.log(`notifier: Teams rejected the card for ${key} (${failure.message}); it is dropped`);
        return this.abandon(key, `Teams rejected it (${failure.message})`);
    }
  }

  private async abandon(key: string, reason: string): Promise<Outcome> {
    await this.deps.store.put<PostRecord>(POSTS, key, { state: 'abandoned', reason }, { etag: '*' });
    return DONE;
  }

  private render(payload: DeliveryPayload, conversationId: string): Attachment | undefined {
    try {
      return this.deps.renderAlertCard(payload.alert, { conversationId, locale: payload.locale });
    } catch (error) {
      this.deps.log(`notifier: the card for alert ${payload.alert.id} could not be rendered: ${describe(error)}`);
      return undefined;
    }
  }

  /**
   * Waits for a free send slot in the conversation (replies take theirs first); an outcome instead
   * when it is too far off or the sender stops.
   */
  private async waitForSlot(conversationId: string): Promise<Outcome | undefined> {
    const deadline = this.now() + this.settings.maxWaitMs;
    for (;;) {
      const now = this.now();
      const slot = this.pacer.reserve(conversationId, now, 'notification');
      if (slot.reserved) return undefined;
      if (slot.at > deadline) return { done: false, at: slot.at, holdRest: true };
      await this.sleep(slot.at - now);
      if (this.stopping) return { done: false, at: this.now(), holdRest: true };
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wake.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake.add(done);
    });
  }

  /** Exponential with full jitter, per conversation, reset by a success. */
  private backoffMs(conversationId: string): number {
    const failures = (this.failures.get(conversationId) ?? 0) + 1;
    this.failures.set(conversationId, failures);
    const { minMs, maxMs } = this.settings.backoff;
    const ceiling = Math.min(maxMs, minMs * 2 ** (failures - 1));
    return minMs + Math.random() * (ceiling - minMs);
  }
}

function asFailure(error: unknown): ConnectorFailure {
  return error instanceof ConnectorFailure ? error : new ConnectorFailure('transient', undefined, describe(error));
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
