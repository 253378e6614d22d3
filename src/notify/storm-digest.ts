import type { DigestEntry } from '../cards/views/digest';
import type { Alert } from '../defender/model';
import { ConflictError, type DocumentWrite, type OutboxItem, type Store, type StoredDocument } from '../store/store';
import { SEVERITY_RANK, type SubscribableSeverity } from './subscriptions';

/**
 * When one conversation would get more than `afterCards` cards for alerts raised within `windowMs`, further alerts
 * below `bypassSeverity` go into one digest card for it, updated in place, until its last `windowMs`
 * hold fewer than `afterCards` alerts again (the storm has ended).
 */
export interface DigestSettings {
  /** 0: never digest. */
  afterCards: number;
  windowMs: number;
  bypassSeverity: SubscribableSeverity;
}

export const DEFAULT_DIGEST_SETTINGS: DigestSettings = { afterCards: 10, windowMs: 5 * 60_000, bypassSeverity: 'High' };

/** What a digest keeps of each alert (keyed by its id): enough to count it, list it and open it. */
export type DigestedAlert = Omit<DigestEntry, 'id'>;

/** One storm's digest card in one conversation. */
export interface Digest {
  id: string;
  conversationId: string;
  locale: string;
  /** Alerts at or above it got cards of their own during this storm. */
  bypassSeverity: SubscribableSeverity;
  startedAt: string;
  endedAt: string | null;
  /** Grows with every change: a delivery is stale once the card shows this version or a later one. */
  version: number;
  alerts: Record<string, DigestedAlert>;
}

/** One conversation's recent alerts (the newest `afterCards` creation times, epoch ms) and its open digest. */
interface StormState {
  arrivals: number[];
  digestId: string | null;
}

/** What the outbox carries for a digest: which one; the sender renders it as stored when it sends. */
export interface DigestDeliveryPayload {
  kind: 'digest';
  digestId: string;
  locale: string;
}

export const DIGESTS = 'notify-digests';
const STORMS = 'notify-storms';
/** A digest holds at most this many alerts (its stored size stays bounded); the storm goes on in a new one. */
export const MAX_DIGEST_ALERTS = 5_000;
/** An ended digest is kept this long, so later changes of its alerts still update its card. */
const ENDED_DIGEST_TTL_SECONDS = 30 * 24 * 3600;

export function isDigestPayload(value: unknown): value is DigestDeliveryPayload {
  const payload = (value && typeof value === 'object' ? value : {}) as Partial<DigestDeliveryPayload>;
  return payload.kind === 'digest' && typeof payload.digestId === 'string' && typeof payload.locale === 'string';
}

/** A digest as stored (undefined once its retention has passed). */
export async function readDigest(store: Store, digestId: string): Promise<Digest | undefined> {
  return (await store.get<Digest>(DIGESTS, digestId))?.value;
}

/** The sender's record key of a digest card (beside the alerts' `alertId/conversationId` keys). */
export function digestPostKey(digestId: string): string {
  return `digest/${digestId}`;
}

interface Loaded<T> {
  doc: StoredDocument<T> | undefined;
  value: T;
  changed: boolean;
}

/**
 * The storm state of the conversations one poll page touches: decides for each new alert whether it
 * gets its own card or goes into the conversation's digest, and records changes of digested alerts.
 * Everything is read from the store and written back with the page (with etags: a second replica
 * that polls at the same time gets a ConflictError, never a second digest), so a restart mid-storm
 * goes on with the same digest. `changes` says what to write and which digest deliveries to enqueue.
 */
export class StormBook {
  private readonly storms = new Map<string, Loaded<StormState>>();
  private readonly digests = new Map<string, Loaded<Digest>>();
  /** Alerts that went into a digest on this page (for telemetry). */
  digested = 0;

  constructor(private readonly store: Store, private readonly settings: DigestSettings, private readonly now: number) {}

  /** A new alert for a conversation: its own card, or the id of the digest it went into. */
  async route(alert: Alert, conversationId: string, locale: string): Promise<{ card: true } | { card: false; digestId: string }> {
    if (this.settings.afterCards <= 0) return { card: true };
    const storm = await this.storm(conversationId);
    const state = storm.value;
    const open = state.digestId ? await this.digest(state.digestId, conversationId, locale) : undefined;
    if (open?.value.alerts[alert.id]) {
      this.put(open, alert);
      return { card: false, digestId: open.value.id };
    }
    const raisedAt = this.raisedAt(alert);
    const stormy = this.recentAt(state, raisedAt).length >= this.settings.afterCards;
    state.arrivals = [...state.arrivals, raisedAt].sort((a, b) => a - b).slice(-this.settings.afterCards);
    storm.changed = true;
    if (open && !stormy) {
      this.end(open);
      state.digestId = null;
    }
    if (!stormy || SEVERITY_RANK[alert.severity] >= SEVERITY_RANK[this.settings.bypassSeverity]) return { card: true };
    let digest = open;
    if (!digest || Object.keys(digest.value.alerts).length >= MAX_DIGEST_ALERTS) {
      if (digest) this.end(digest);
      digest = this.start(conversationId, locale);
      state.digestId = digest.value.id;
    }
    this.put(digest, alert);
    this.digested++;
    return { card: false, digestId: digest.value.id };
  }

  /** An alert already in a digest changed: the digest shows its new state. */
  async changed(alert: Alert, digestId: string, conversationId: string, locale: string): Promise<void> {
    const digest = await this.digest(digestId, conversationId, locale);
    if (digest.doc) this.put(digest, alert);
  }

  /**
   * Ends the open digests of conversations whose storm is over (fewer than `afterCards` alerts in
   * the window); returns how many stay open.
   */
  async endCalmStorms(): Promise<number> {
    let open = 0;
    for (const doc of await this.store.list<StormState>(STORMS)) {
      if (!doc.value.digestId) {
        // Quiet conversations drop out, so this list stays as short as the conversations alerted lately.
        if (this.recent(doc.value).length === 0 && !this.storms.has(doc.key)) await this.forget(doc);
        continue;
      }
      if (this.recent(doc.value).length >= this.settings.afterCards) {
        open++;
        continue;
      }
      const storm = this.storms.get(doc.key) ?? { doc, value: doc.value, changed: false };
      this.storms.set(doc.key, storm);
      const digest = await this.digest(doc.value.digestId, doc.key, 'en-US');
      if (digest.doc) this.end(digest);
      storm.value.digestId = null;
      storm.changed = true;
    }
    return open;
  }

  private async forget(doc: StoredDocument<StormState>): Promise<void> {
    try {
      await this.store.delete(STORMS, doc.key, doc.etag);
    } catch (error) {
      // An alert for the conversation arrived meanwhile: its state stays.
      if (!(error instanceof ConflictError)) throw error;
    }
  }

  /**
   * What the page changed, for one `Store.commit` with the page's other writes: the storm states and
   * digests (each against the version read: a replica that wrote one meanwhile makes the commit
   * conflict) and the deliveries of the digests whose cards are due.
   */
  changes(notBefore: number): { writes: DocumentWrite[]; items: OutboxItem[] } {
    const writes: DocumentWrite[] = [];
    for (const [conversationId, storm] of this.storms) {
      if (storm.changed) writes.push({ collection: STORMS, key: conversationId, value: storm.value, options: { etag: storm.doc?.etag } });
    }
    const items: OutboxItem[] = [];
    for (const [id, digest] of this.digests) {
      if (!digest.changed) continue;
      const ttl = digest.value.endedAt ? { ttlSeconds: ENDED_DIGEST_TTL_SECONDS } : {};
      writes.push({ collection: DIGESTS, key: id, value: digest.value, options: { etag: digest.doc?.etag, ...ttl } });
      const payload: DigestDeliveryPayload = { kind: 'digest', digestId: id, locale: digest.value.locale };
      items.push({ key: `${digestPostKey(id)}/v${digest.value.version}`, conversationId: digest.value.conversationId, payload, notBefore });
    }
    return { writes, items };
  }

  private recent(state: StormState): number[] {
    return this.recentAt(state, this.now);
  }

  /** The arrivals within the window before `at` (and any after it: a late alert joins the storm around it). */
  private recentAt(state: StormState, at: number): number[] {
    return state.arrivals.filter((arrival) => arrival > at - this.settings.windowMs);
  }

  /**
   * When Defender raised the alert, not when a poll saw it: a pause in polling (a restart, a
   * takeover, the store or Defender away) is no pause in the storm. Never later than now.
   */
  private raisedAt(alert: Alert): number {
    const raised = Date.parse(alert.alertCreationTime);
    return Number.isNaN(raised) ? this.now : Math.min(raised, this.now);
  }

  private async storm(conversationId: string): Promise<Loaded<StormState>> {
    let storm = this.storms.get(conversationId);
    if (!storm) {
      const doc = await this.store.get<StormState>(STORMS, conversationId);
      storm = { doc, value: doc ? { ...doc.value } : { arrivals: [], digestId: null }, changed: false };
      this.storms.set(conversationId, storm);
    }
    return storm;
  }

  /** A digest by id; one named by a storm state but not stored (past its retention) starts empty. */
  private async digest(id: string, conversationId: string, locale: string): Promise<Loaded<Digest>> {
    let digest = this.digests.get(id);
    if (!digest) {
      const doc = await this.store.get<Digest>(DIGESTS, id);
      digest = { doc, value: doc?.value ?? emptyDigest(id, conversationId, locale, this.settings.bypassSeverity, this.now), changed: false };
      this.digests.set(id, digest);
    }
    return digest;
  }

  private start(conversationId: string, locale: string): Loaded<Digest> {
    const id = `${conversationId}/${this.now}`;
    const digest = { doc: undefined, value: emptyDigest(id, conversationId, locale, this.settings.bypassSeverity, this.now), changed: true };
    this.digests.set(id, digest);
    return digest;
  }

  private end(digest: Loaded<Digest>): void {
    digest.value.endedAt = new Date(this.now).toISOString();
    digest.value.version++;
    digest.changed = true;
  }

  private put(digest: Loaded<Digest>, alert: Alert): void {
    const entry: DigestedAlert = {
      title: alert.title, severity: alert.severity, device: alert.computerDnsName ?? '', status: alert.status, createdAt: alert.alertCreationTime,
    };
    const known = digest.value.alerts[alert.id];
    if (known && JSON.stringify(known) === JSON.stringify(entry)) return;
    // In place: a storm's page adds up to a thousand alerts to one digest.
    digest.value.alerts[alert.id] = entry;
    digest.value.version++;
    digest.changed = true;
  }
}

function emptyDigest(id: string, conversationId: string, locale: string, bypassSeverity: SubscribableSeverity, now: number): Digest {
  return { id, conversationId, locale, bypassSeverity, startedAt: new Date(now).toISOString(), endedAt: null, version: 0, alerts: {} };
}
