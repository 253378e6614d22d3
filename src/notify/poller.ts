import type { AccessTokenSource, DefenderClient } from '../defender/client';
import { DefenderApiError } from '../defender/errors';
import type { Alert } from '../defender/model';
import { compareInstants } from '../defender/odata';
import { ConflictError, type OutboxItem, type Store, type StoredDocument, StoreUnavailableError } from '../store/store';
import { cardUpdates, knownCards } from './card-updates';
import { CardStateWrites, cardKey, postDelivery, shownState } from './deliveries';
import { alertsDigested, digestsOpen, observePoll } from '../telemetry';
import { DEFAULT_DIGEST_SETTINGS, type DigestSettings, StormBook } from './storm-digest';
import { Lease } from './lease';
import { needsMachineTags } from './routing-filter';
import { matches, type Subscription, type SubscriptionRegistry } from './subscriptions';
import { vouchedPart } from './vouched-alert';

export interface AlertPollerSettings {
  /** How often the polling replica asks Defender for changed alerts; default 60 s (jittered by ±10 %). */
  pollIntervalMs: number;
  /** Lifetime of the poller lease: another replica takes over within this after the poller dies. Default 30 s. */
  leaseTtlMs: number;
  /**
   * Each poll re-reads alerts changed this long before the watermark, for alerts that reach the API
   * late and for equal timestamps at the boundary; re-reading is harmless. Default 2 min.
   */
  overlapMs: number;
  /**
   * `$top` page size (pages follow the watermark). Paging itself, rather than following `@odata.nextLink`: users report
   * real next links that lose `$filter` and never end (microsoft-365-docs issue #8316). Default 1,000.
   */
  pageSize: number;
  /** When a conversation's alerts go into one digest card instead of a card each. */
  digest: DigestSettings;
}

export const DEFAULT_POLL_PAGE_SIZE = 1000;
export const DEFAULT_POLLER_SETTINGS: AlertPollerSettings = {
  pollIntervalMs: 60_000, leaseTtlMs: 30_000, overlapMs: 120_000, pageSize: DEFAULT_POLL_PAGE_SIZE, digest: DEFAULT_DIGEST_SETTINGS,
};

export interface AlertPollerDeps {
  store: Store;
  subscriptions: SubscriptionRegistry;
  defender: DefenderClient;
  /** The app's own token (client credentials, read-only application permissions). */
  appToken: AccessTokenSource;
  replicaId: string;
  log: (line: string) => void;
  now?: () => number;
}

export interface PollResult {
  alerts: number;
  /** Of those, read again within the overlap, unchanged since this replica delivered them: nothing to do. */
  unchanged: number;
  enqueued: number;
  watermark: string;
}

interface Watermark {
  lastUpdateTime: string;
}

const STATE = 'notify-state';
const WATERMARK = 'watermark';
export const POLLER_LEASE = 'notifier-poller';

/**
 * Asks Defender, as the app, for alerts changed since a persisted watermark and turns them into
 * outbox deliveries: a post per new (alert, subscribed conversation), an update when what the card
 * shows (status, assignee, classification) changed. One replica polls at a time (a lease); the
 * watermark moves only after the page's deliveries are committed.
 */
export class AlertPoller {
  private readonly settings: AlertPollerSettings;
  private readonly lease: Lease;
  private readonly now: () => number;
  private timer: NodeJS.Timeout | undefined;
  private cycle: Promise<void> | undefined;
  private nextPollAt = 0;
  private running = false;
  /**
   * The alerts this replica delivered (committed) lately, by id, with the lastUpdateTime delivered:
   * the overlap reads each one again in the next polls, unchanged. Kept while within the overlap;
   * another replica, not knowing them, delivers them again, which the store makes a no-op.
   */
  private readonly delivered = new Map<string, string>();
  /** The poll under way (or the last one): polls of one replica run one after another. */
  private polling: Promise<unknown> = Promise.resolve();

  constructor(private readonly deps: AlertPollerDeps, settings: Partial<AlertPollerSettings> = {}) {
    this.settings = { ...DEFAULT_POLLER_SETTINGS, ...settings };
    this.now = deps.now ?? Date.now;
    this.lease = new Lease(deps.store, POLLER_LEASE, deps.replicaId, this.settings.leaseTtlMs, this.now);
  }

  /** Keeps trying for the lease; while it holds it, polls every interval. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule(0);
  }

  /** Stops polling and lets another replica take over at once. */
  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    await this.cycle;
    await this.lease.release().catch((error) => this.deps.log(`notifier: releasing the poller lease failed: ${describe(error)}`));
  }

  /** One poll now, if this replica holds (or can take) the lease; undefined otherwise. */
  async pollOnce(): Promise<PollResult | undefined> {
    if (!(await this.lease.hold())) return undefined;
    return this.pollInTurn();
  }

  private schedule(delayMs: number): void {
    if (!this.running) return;
    this.timer = setTimeout(() => {
      this.cycle = this.tick().finally(() => {
        this.cycle = undefined;
        this.schedule(Math.min(this.settings.leaseTtlMs / 3, this.settings.pollIntervalMs));
      });
    }, delayMs);
  }

  private async tick(): Promise<void> {
    try {
      if (!(await this.lease.hold()) || this.now() < this.nextPollAt) return;
      this.nextPollAt = this.now() + jittered(this.settings.pollIntervalMs);
      await this.pollInTurn();
    } catch (error) {
      if (error instanceof DefenderApiError && error.kind === 'throttled') {
        this.nextPollAt = Math.max(this.nextPollAt, this.now() + (error.retryAfterSeconds ?? 60) * 1000);
      }
      // A store outage is logged once by the store itself; only other failures are this poll's to report.
      if (error instanceof StoreUnavailableError) return;
      this.deps.log(`notifier: ${error instanceof DefenderApiError ? 'polling Defender' : 'polling for alerts'} failed: ${describe(error)}`);
    }
  }

  /** A poll (one page read twice side by side would route its alerts twice: the store would refuse the second). */
  private pollInTurn(): Promise<PollResult> {
    const poll = () => observePoll(() => this.poll());
    const run = this.polling.then(poll, poll);
    this.polling = run.catch(() => undefined);
    return run;
  }

  private async poll(): Promise<PollResult> {
    const { store, defender, appToken } = this.deps;
    const askedAt = this.now();
    let watermark = await store.get<Watermark>(STATE, WATERMARK) ?? await this.initialWatermark();
    const subscriptions = await this.deps.subscriptions.enabledSubscriptions();
    const since = new Date(Date.parse(watermark.value.lastUpdateTime) - this.settings.overlapMs).toISOString();
    this.forgetDeliveredBefore(since);
    let alerts = 0;
    let unchanged = 0;
    let enqueued = 0;
    for await (const page of defender.alertsChangedSince(appToken, since, this.settings.pageSize)) {
      if (!(await this.lease.hold())) {
        this.deps.log('notifier: the poller lease passed to another replica; this poll stops');
        break;
      }
      alerts += page.length;
      const changed = page.filter((alert) => this.delivered.get(alert.id) !== alert.lastUpdateTime);
      unchanged += page.length - changed.length;
      try {
        if (changed.length > 0) enqueued += await this.deliver(changed, subscriptions);
      } catch (error) {
        if (!(error instanceof ConflictError)) throw error;
        this.deps.log('notifier: another replica delivered some of these alerts meanwhile; this poll stops');
        return { alerts, unchanged, enqueued, watermark: watermark.value.lastUpdateTime };
      }
      for (const alert of changed) this.delivered.set(alert.id, alert.lastUpdateTime);
      const newest = page.map((alert) => alert.lastUpdateTime).reduce((a, b) => (compareInstants(a, b) >= 0 ? a : b));
      if (compareInstants(newest, watermark.value.lastUpdateTime) <= 0) continue;
      try {
        watermark = await store.put<Watermark>(STATE, WATERMARK, { lastUpdateTime: newest }, { etag: watermark.etag });
      } catch (error) {
        if (!(error instanceof ConflictError)) throw error;
        this.deps.log('notifier: another replica moved the alert watermark; this poll stops');
        break;
      }
    }
    enqueued += await this.endCalmStorms(askedAt);
    return { alerts, unchanged, enqueued, watermark: watermark.value.lastUpdateTime };
  }

  /** Alerts changed before the overlap's start are not read again (unless they change). */
  private forgetDeliveredBefore(since: string): void {
    for (const [id, lastUpdateTime] of this.delivered) {
      if (compareInstants(lastUpdateTime, since) <= 0) this.delivered.delete(id);
    }
  }

  /**
   * Digests of storms that are over are ended (their cards say so), even when no alert came. Judged
   * as of when this poll asked Defender: alerts raised since (during a slow poll) are not seen yet.
   */
  private async endCalmStorms(askedAt: number): Promise<number> {
    const book = new StormBook(this.deps.store, this.settings.digest, askedAt);
    digestsOpen(await book.endCalmStorms());
    const { writes, items } = book.changes(this.now());
    return writes.length + items.length > 0 ? this.deps.store.commit(writes, items) : 0;
  }

  /** The first poll ever starts from now: subscriptions are for alerts from now on. */
  private async initialWatermark(): Promise<StoredDocument<Watermark>> {
    const value = { lastUpdateTime: new Date(this.now()).toISOString() };
    try {
      return await this.deps.store.put<Watermark>(STATE, WATERMARK, value);
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error;
      const stored = await this.deps.store.get<Watermark>(STATE, WATERMARK);
      if (!stored) throw error;
      return stored;
    }
  }

  /**
   * Enqueues what a page of changed alerts calls for and records what each card will show, in one
   * commit: a card state is created for each newly routed (alert, conversation), so a replica that
   * routed it meanwhile (a takeover mid-page) makes the commit conflict, and no alert ends up both
   * on a card of its own and in a digest.
   */
  private async deliver(alerts: readonly Alert[], subscriptions: readonly Subscription[]): Promise<number> {
    const items: OutboxItem[] = [];
    const cards = new CardStateWrites();
    const localeOf = new Map<string, string>();
    for (const subscription of subscriptions) {
      if (!localeOf.has(subscription.conversationId)) localeOf.set(subscription.conversationId, subscription.locale);
    }
    const notBefore = this.now();
    const book = new StormBook(this.deps.store, this.settings.digest, notBefore);
    const tagsOf = await this.machineTags(alerts, subscriptions);
    for (const alert of alerts) {
      const updates = cardUpdates(alert, await knownCards(this.deps.store, alert.id), subscriptions, notBefore);
      items.push(...updates.items);
      for (const [key, state] of updates.cards) cards.replace(key, state);
      const card = { shown: shownState(alert), lastUpdateTime: alert.lastUpdateTime };
      for (const { key, digestId, conversationId, locale } of updates.digested) {
        await book.changed(vouchedPart(alert), digestId, conversationId, locale);
        cards.replace(key, { ...card, digestId });
      }
      for (const conversationId of this.newAudience(alert, subscriptions, tagsOf.get(alert.machineId))) {
        if (updates.posted.has(conversationId)) continue;
        const locale = localeOf.get(conversationId) ?? 'en-US';
        const routed = await book.route(vouchedPart(alert), conversationId, locale);
        if (routed.card) items.push(postDelivery(vouchedPart(alert), conversationId, locale, notBefore));
        cards.create(cardKey(alert.id, conversationId), { ...card, ...(routed.card ? {} : { digestId: routed.digestId }) });
      }
    }
    const digests = book.changes(notBefore);
    items.push(...digests.items);
    const writes = [...digests.writes, ...cards.writes()];
    if (writes.length + items.length === 0) return 0;
    const added = await this.deps.store.commit(writes, items);
    alertsDigested(book.digested);
    return added;
  }

  /**
   * The machine tags of the page's devices (one request with the app's read-only token), only when a
   * subscription routes by tag: alerts do not carry their device's tags.
   */
  private async machineTags(alerts: readonly Alert[], subscriptions: readonly Subscription[]): Promise<Map<string, readonly string[]>> {
    if (!needsMachineTags(subscriptions) || alerts.length === 0) return new Map();
    const ids = [...new Set(alerts.map((alert) => alert.machineId))];
    const machines = await this.deps.defender.machinesByIds(this.deps.appToken, ids);
    return new Map(machines.map((machine) => [machine.id, machine.machineTags ?? []]));
  }

  /**
   * Conversations with an enabled subscription that matches the alert and existed when the alert
   * was raised: a subscription is for alerts from then on, not for older ones that change later.
   */
  private newAudience(alert: Alert, subscriptions: readonly Subscription[], machineTags?: readonly string[]): Set<string> {
    const raisedAt = Date.parse(alert.alertCreationTime);
    return new Set(subscriptions
      .filter((subscription) => matches(alert, subscription, machineTags) && raisedAt >= Date.parse(subscription.createdAt))
      .map((subscription) => subscription.conversationId));
  }
}

function jittered(ms: number): number {
  return Math.round(ms * (0.9 + Math.random() * 0.2));
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
