import { type Activity, type ConversationReference, TurnContext } from 'botbuilder';
import type { Alert, AlertSeverity, DeviceGroup } from '../defender/model';
import { ConflictError, type Store, type StoredDocument } from '../store/store';
import { passesRouting, type RoutingFilter } from './routing-filter';

/** The severities a subscription can ask for, lowest first. */
export const SUBSCRIBABLE_SEVERITIES = ['Informational', 'Low', 'Medium', 'High'] as const;
export type SubscribableSeverity = (typeof SUBSCRIBABLE_SEVERITIES)[number];

/** One conversation's wish for alert notifications. A conversation may hold several (different filters). */
export interface Subscription extends RoutingFilter {
  /** The chat or channel, without a `;messageid=` thread suffix: notifications start new posts. */
  conversationId: string;
  /** What an installation or removal is about: the team for a channel, else the conversation itself. */
  scopeId: string;
  reference: Partial<ConversationReference>;
  minSeverity: SubscribableSeverity;
  /** The device groups the subscriber named (`group Servers, Finance`), as typed; null when they named none. */
  deviceGroup: string | null;
  /**
   * The device groups the subscriber could see in Defender with their own token when subscribing
   * (only the named one, if they named one), narrowed whenever their rights shrink: only alerts of
   * devices in these groups are posted. Never widened; absent on subscriptions older than scoping.
   */
  scope?: DeviceGroup[];
  locale: string;
  createdBy: { oid: string; upn: string };
  createdAt: string;
  /** Set when notifications stopped without anyone unsubscribing (the bot was removed, Teams refused). */
  disabled: { reason: string; at: string } | null;
}

export interface SubscriptionFilter extends RoutingFilter {
  minSeverity: SubscribableSeverity;
  deviceGroups?: readonly string[];
}

/** Where the bot is installed (captured from the installation event), by scope. */
export interface Installation {
  scopeId: string;
  reference: Partial<ConversationReference>;
  installedAt: string;
}

const SUBSCRIPTIONS = 'subscriptions';
const UNSCOPED_REASON = "It was made before notifications were limited to the subscriber's device groups: subscribe again.";
const INSTALLATIONS = 'installations';
export const SEVERITY_RANK: Record<AlertSeverity, number> = { UnSpecified: 0, Informational: 0, Low: 1, Medium: 2, High: 3 };

/**
 * Whether an alert is for this subscription: severity at or above its minimum, on a device in one
 * of the groups its subscriber vouched for, with one of its machine tags and detection sources (if
 * it names any; `machineTags` are the device's). A device in no group is in nobody's scope.
 */
export function matches(alert: Alert, subscription: Subscription, machineTags?: readonly string[]): boolean {
  if (SEVERITY_RANK[alert.severity] < SEVERITY_RANK[subscription.minSeverity]) return false;
  if (alert.severity === 'UnSpecified' && subscription.minSeverity !== SUBSCRIBABLE_SEVERITIES[0]) return false;
  return inScope(alert, subscription) && passesRouting(alert, subscription, machineTags);
}

/** Whether the alert's device is in one of the groups the subscription's subscriber vouched for. */
export function inScope(alert: Alert, subscription: Subscription): boolean {
  const group = alert.rbacGroupName?.toLowerCase();
  return group !== undefined && (subscription.scope ?? []).some((scoped) => scoped.name.toLowerCase() === group);
}

/** `high` → `High`; undefined for anything that is not a subscribable severity. */
export function parseSeverity(text: string): SubscribableSeverity | undefined {
  return SUBSCRIBABLE_SEVERITIES.find((severity) => severity.toLowerCase() === text.trim().toLowerCase());
}

/** A channel thread's id carries `;messageid=…`; notifications go to the channel itself. */
export function baseConversationId(conversationId: string): string {
  return conversationId.split(';')[0];
}

/**
 * The conversations the bot may notify, and what each asked for. Everything lives in the store, so
 * every replica sees the same subscriptions, and the bot keeps them across restarts.
 */
export class SubscriptionRegistry {
  constructor(
    private readonly store: Store,
    private readonly log: (line: string) => void,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** The bot was installed (`installationUpdate` add, or the bot added to the conversation). */
  async recordInstall(activity: Activity): Promise<Installation> {
    const installation: Installation = {
      scopeId: scopeOf(activity), reference: notificationReference(activity), installedAt: this.now().toISOString(),
    };
    await this.store.put(INSTALLATIONS, installation.scopeId, installation, { etag: '*' });
    return installation;
  }

  /** The bot was removed: its installation is forgotten and the scope's subscriptions stop (still listed, as disabled). */
  async recordRemoval(activity: Activity): Promise<number> {
    const scopeId = scopeOf(activity);
    await this.store.delete(INSTALLATIONS, scopeId);
    const affected = (await this.all()).filter((doc) => doc.value.scopeId === scopeId && !doc.value.disabled);
    const reason = 'The app was removed from this conversation.';
    for (const doc of affected) await this.setDisabled(doc, reason);
    if (affected.length > 0) this.log(`notifications for ${scopeId} disabled: the app was removed (${affected.length} subscription(s))`);
    return affected.length;
  }

  async installation(scopeId: string): Promise<Installation | undefined> {
    return (await this.store.get<Installation>(INSTALLATIONS, scopeId))?.value;
  }

  /**
   * Subscribes the activity's conversation (creating, or replacing and re-enabling, the subscription
   * with this filter) to alerts of the device groups in `scope`, which the subscriber can see.
   */
  async subscribe(
    activity: Activity, filter: SubscriptionFilter, createdBy: { oid: string; upn: string }, scope: readonly DeviceGroup[],
  ): Promise<Subscription> {
    const reference = notificationReference(activity);
    const subscription: Subscription = {
      conversationId: reference.conversation?.id ?? '',
      scopeId: scopeOf(activity),
      reference,
      minSeverity: filter.minSeverity,
      deviceGroup: filter.deviceGroups?.map((group) => group.trim()).filter(Boolean).join(', ') || null,
      ...(filter.tags?.length ? { tags: [...filter.tags] } : {}),
      ...(filter.sources?.length ? { sources: [...filter.sources] } : {}),
      scope: scope.map(({ id, name }) => ({ id, name })),
      locale: activity.locale ?? 'en-US',
      createdBy,
      createdAt: this.now().toISOString(),
      disabled: null,
    };
    await this.store.put(SUBSCRIPTIONS, subscriptionKey(subscription), subscription, { etag: '*' });
    return subscription;
  }

  /** Removes the conversation's subscriptions that `mayRemove` allows; returns those removed and those kept. */
  async unsubscribe(
    conversationId: string, mayRemove: (subscription: Subscription) => boolean | Promise<boolean>,
  ): Promise<{ removed: Subscription[]; kept: Subscription[] }> {
    const removed: Subscription[] = [];
    const kept: Subscription[] = [];
    for (const doc of await this.ofConversation(conversationId)) {
      if (!(await mayRemove(doc.value))) {
        kept.push(doc.value);
        continue;
      }
      await this.store.delete(SUBSCRIPTIONS, doc.key);
      removed.push(doc.value);
    }
    return { removed, kept };
  }

  /**
   * Narrows the enabled subscriptions `which` selects: of the groups `checked`, only those in
   * `visible` (id → current name, so a renamed group keeps matching) stay in their scope. One left
   * with no group stops, listed as disabled with `reason`. Never adds a group. Returns the
   * subscriptions it changed.
   */
  async narrowScopes(
    which: (subscription: Subscription) => boolean, checked: ReadonlySet<number>, visible: ReadonlyMap<number, string>, reason: string,
  ): Promise<Subscription[]> {
    const changed: Subscription[] = [];
    for (const doc of await this.all()) {
      const subscription = doc.value;
      if (subscription.disabled || !which(subscription)) continue;
      const before = subscription.scope ?? [];
      const scope = before
        .filter(({ id }) => !checked.has(id) || visible.has(id))
        .map((group) => ({ id: group.id, name: visible.get(group.id) ?? group.name }));
      const why = subscription.scope ? reason : UNSCOPED_REASON;
      const disabled = scope.length === 0 ? { reason: why, at: this.now().toISOString() } : null;
      if (!disabled && scope.length === before.length && scope.every((group, index) => group.name === before[index].name)) continue;
      try {
        // Only over the version read: a subscription replaced meanwhile (subscribe again) is left as it now is.
        await this.store.put(SUBSCRIPTIONS, doc.key, { ...subscription, scope, disabled }, { etag: doc.etag });
      } catch (error) {
        if (error instanceof ConflictError) continue;
        throw error;
      }
      if (disabled) this.log(`notifications to ${subscription.conversationId} disabled: ${why}`);
      changed.push({ ...subscription, scope, disabled });
    }
    return changed;
  }

  /** The conversation's subscriptions, disabled ones included (with their reason). */
  async listSubscriptions(conversationId: string): Promise<Subscription[]> {
    return (await this.ofConversation(conversationId)).map((doc) => doc.value);
  }

  /** Stops notifications to a conversation Teams will not let the bot post to. */
  async disable(conversationId: string, reason: string): Promise<number> {
    const docs = (await this.ofConversation(conversationId)).filter((doc) => !doc.value.disabled);
    for (const doc of docs) await this.setDisabled(doc, reason);
    if (docs.length > 0) this.log(`notifications to ${baseConversationId(conversationId)} disabled: ${reason}`);
    return docs.length;
  }

  /** Every subscription that still notifies. */
  async enabledSubscriptions(): Promise<Subscription[]> {
    return (await this.all()).map((doc) => doc.value).filter((subscription) => !subscription.disabled);
  }

  /** Where to send a conversation's notifications, if any subscription of it is still enabled. */
  async activeReference(conversationId: string): Promise<Partial<ConversationReference> | undefined> {
    return (await this.listSubscriptions(conversationId)).find((subscription) => !subscription.disabled)?.reference;
  }

  private async setDisabled(doc: StoredDocument<Subscription>, reason: string): Promise<void> {
    const disabled = { reason, at: this.now().toISOString() };
    await this.store.put(SUBSCRIPTIONS, doc.key, { ...doc.value, disabled }, { etag: '*' });
  }

  private ofConversation(conversationId: string): Promise<StoredDocument<Subscription>[]> {
    return this.store.list<Subscription>(SUBSCRIPTIONS, { prefix: `${baseConversationId(conversationId)}/` });
  }

  private all(): Promise<StoredDocument<Subscription>[]> {
    return this.store.list<Subscription>(SUBSCRIPTIONS);
  }
}

/** One subscription per conversation and filter; the key of one without tags or sources is unchanged. */
function subscriptionKey(subscription: Subscription): string {
  const base = `${subscription.conversationId}/${subscription.minSeverity}/${subscription.deviceGroup?.toLowerCase() ?? '*'}`;
  const list = (values?: readonly string[]) => (values?.length ? values.map((value) => value.toLowerCase()).sort().join(',') : '*');
  return subscription.tags?.length || subscription.sources?.length ? `${base}/${list(subscription.tags)}/${list(subscription.sources)}` : base;
}

/** The team of a channel activity, else the conversation: what the bot is installed in and removed from. */
function scopeOf(activity: Activity): string {
  const teamId = (activity.channelData as { team?: { id?: string } } | undefined)?.team?.id;
  return teamId ?? baseConversationId(activity.conversation.id);
}

/**
 * A reference that starts new messages in the conversation: no activity to reply to, no user, the
 * channel rather than the thread the command was typed in.
 */
function notificationReference(activity: Activity): Partial<ConversationReference> {
  const { activityId: _activityId, user: _user, ...reference } = TurnContext.getConversationReference(activity);
  return { ...reference, conversation: { ...activity.conversation, id: baseConversationId(activity.conversation.id) } };
}
