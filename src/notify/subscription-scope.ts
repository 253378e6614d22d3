import type { AccessTokenSource, DefenderClient } from '../defender/client';
import { DefenderApiError } from '../defender/errors';
import type { DeviceGroup } from '../defender/model';
import type { Subscription, SubscriptionRegistry } from './subscriptions';

/**
 * Most device groups one look-up learns. A larger tenant's scope is cut at this many groups, which
 * only ever narrows a subscription; Defender allows 100 list requests a minute (reference §6).
 */
const MAX_DEVICE_GROUPS = 40;
/** The subscriber is re-checked at most this often when the bot sees them. */
const DEFAULT_RECHECK_INTERVAL_MS = 5 * 60 * 1000;

export type ScopeDecision =
  | { ok: true; groups: DeviceGroup[] }
  /** The identity sees no device in any group: a subscription would show nothing it may vouch for. */
  | { ok: false; problem: 'no_groups' }
  /** The named group is not one the identity can see (whether or not it exists: Defender does not say). */
  | { ok: false; problem: 'group_not_visible'; visible: DeviceGroup[] };

export interface SubscriptionScopeDeps {
  defender: DefenderClient;
  subscriptions: SubscriptionRegistry;
  log: (line: string) => void;
  recheckIntervalMs?: number;
  now?: () => number;
}

/**
 * The device groups a subscription may cover, learned from Defender with the identity's own token:
 * a device of a group the identity has not seen yet, one one-item request at a time, until none is
 * left (so G groups cost G + 1 small requests). Decides new subscriptions, who may remove one, and
 * narrows subscriptions when their subscriber's rights shrink.
 */
export class SubscriptionScopes {
  private readonly recheckedAt = new Map<string, number>();
  private readonly running = new Set<Promise<void>>();
  private readonly now: () => number;

  constructor(private readonly deps: SubscriptionScopeDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** The groups `token`'s identity can see (only among `within`, if given). */
  async visibleGroups(token: AccessTokenSource, within?: readonly number[]): Promise<DeviceGroup[]> {
    const found: DeviceGroup[] = [];
    while (found.length < MAX_DEVICE_GROUPS) {
      const next = await this.deps.defender.deviceGroupBeyond(token, found.map((group) => group.id), within);
      if (!next || found.some((group) => group.id === next.id)) break;
      found.push(next);
    }
    return found;
  }

  /** What a new subscription by this identity covers: every group it can see, or the ones it named if it can see each of them. */
  async forNewSubscription(token: AccessTokenSource, requestedGroups: readonly string[] = []): Promise<ScopeDecision> {
    const visible = await this.visibleGroups(token);
    if (visible.length === 0) return { ok: false, problem: 'no_groups' };
    const wanted = requestedGroups.map((group) => group.trim().toLowerCase()).filter(Boolean);
    if (wanted.length === 0) return { ok: true, groups: visible };
    const named = visible.filter((group) => wanted.includes(group.name.toLowerCase()));
    // Every group named must be one the subscriber sees: a typo must not quietly narrow the subscription.
    const seen = new Set(named.map((group) => group.name.toLowerCase()));
    return wanted.every((group) => seen.has(group)) ? { ok: true, groups: named } : { ok: false, problem: 'group_not_visible', visible };
  }

  /** Whether this identity can see every group the subscription covers. */
  async covers(token: AccessTokenSource, subscription: Subscription): Promise<boolean> {
    const scope = subscription.scope ?? [];
    const visible = await this.visibleGroups(token, scope.map((group) => group.id));
    return scope.every((group) => visible.some((seen) => seen.id === group.id));
  }

  /**
   * The bot saw a subscriber with their token: their subscriptions are narrowed to what they can
   * still see (at most every few minutes per subscriber, in the background of their turn).
   */
  subscriberSeen(oid: string, token: AccessTokenSource): void {
    const last = this.recheckedAt.get(oid);
    if (last !== undefined && this.now() - last < (this.deps.recheckIntervalMs ?? DEFAULT_RECHECK_INTERVAL_MS)) return;
    this.recheckedAt.set(oid, this.now());
    const work = this.recheckSubscriber(oid, token)
      .catch((error) => this.deps.log(`subscriptions: re-checking the device groups of ${oid} failed: ${describe(error)}`))
      .finally(() => this.running.delete(work));
    this.running.add(work);
  }

  /**
   * The daily check with the app's own read-only view: it cannot see anyone's Defender role, but it
   * sees which device groups still exist (by id, and their current names); a group deleted since
   * subscribing leaves every scope. Returns how many subscriptions changed.
   */
  async recheckWithAppView(appToken: AccessTokenSource): Promise<number> {
    const subscriptions = await this.deps.subscriptions.enabledSubscriptions();
    if (subscriptions.length === 0) return 0;
    const ids = scopeIds(subscriptions);
    const existing = ids.length > 0 ? await this.visibleGroups(appToken, ids) : [];
    const changed = await this.deps.subscriptions.narrowScopes(
      () => true, new Set(ids), new Map(existing.map((group) => [group.id, group.name])), REASONS.groupsGone,
    );
    return changed.length;
  }

  /** Waits for background re-checks (graceful shutdown, tests). */
  async settle(): Promise<void> {
    await Promise.all([...this.running]);
  }

  private async recheckSubscriber(oid: string, token: AccessTokenSource): Promise<void> {
    const theirs = (await this.deps.subscriptions.enabledSubscriptions()).filter((subscription) => subscription.createdBy.oid === oid);
    if (theirs.length === 0) return;
    const ids = scopeIds(theirs);
    const visible = ids.length === 0 ? [] : await this.visibleGroups(token, ids).catch((error: unknown) => {
      // 403: the subscriber lost the role (or the permission) to read devices: they see no group.
      if (error instanceof DefenderApiError && error.kind === 'forbidden') return [];
      throw error;
    });
    const changed = await this.deps.subscriptions.narrowScopes(
      (subscription) => subscription.createdBy.oid === oid, new Set(ids),
      new Map(visible.map((group) => [group.id, group.name])), REASONS.subscriberLostGroups,
    );
    if (changed.length > 0) this.deps.log(`subscriptions: ${changed.length} subscription(s) of ${oid} narrowed to the device groups they still see`);
  }
}

/** Why a subscription stopped; stored with it and shown by `subscriptions` (in English, like the other stored reasons). */
const REASONS = {
  subscriberLostGroups: 'Its subscriber can no longer see any of its device groups in Defender.',
  groupsGone: 'None of its device groups exists in Defender any more.',
};

/** Every device group id in these subscriptions' scopes, once. */
function scopeIds(subscriptions: readonly Subscription[]): number[] {
  return [...new Set(subscriptions.flatMap((subscription) => (subscription.scope ?? []).map((group) => group.id)))];
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
