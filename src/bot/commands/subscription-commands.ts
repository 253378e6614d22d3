import type { Attachment, TurnContext } from 'botbuilder';
import type { SubscriptionScopes } from '../../notify/subscription-scope';
import { baseConversationId, type Subscription, type SubscriptionRegistry } from '../../notify/subscriptions';
import type { AuditEntry, Store } from '../../store/store';
import { type Acting, tokenSource } from '../acting';
import type { Screens } from '../screens';
import type { Command } from './parse';

export interface SubscriptionCommandDeps {
  screens: Screens;
  subscriptions: SubscriptionRegistry;
  scopes: SubscriptionScopes;
  audit: Pick<Store, 'appendAudit'>;
}

/**
 * `subscribe`: only an alert reader, and only for the device groups they can see with their own
 * token (the one they named, if they can see it). Audited, refusals included.
 */
export async function subscribe(
  command: Extract<Command, { name: 'subscribe' }>, acting: Acting, context: Pick<TurnContext, 'activity'>, deps: SubscriptionCommandDeps,
): Promise<Attachment> {
  const describe = `${command.minSeverity} and higher${routingDescription({ ...command, deviceGroup: command.deviceGroups.join(', ') })}`;
  const refusal = await deps.screens.cannotReadAlerts(acting);
  if (refusal) {
    await deps.audit.appendAudit(auditEntry(acting, 'Subscribe', describe, 'refused'));
    return refusal;
  }
  const decision = await deps.scopes.forNewSubscription(tokenSource(acting), command.deviceGroups);
  if (!decision.ok) {
    await deps.audit.appendAudit(auditEntry(acting, 'Subscribe', describe, 'refused'));
    return deps.screens.subscriptionRefused(acting, decision, command.deviceGroups.join(', '));
  }
  const subscription = await deps.subscriptions.subscribe(
    context.activity, { minSeverity: command.minSeverity, deviceGroups: command.deviceGroups, tags: command.tags, sources: command.sources },
    { oid: acting.token.oid, upn: acting.token.upn }, decision.groups,
  );
  await deps.audit.appendAudit(auditEntry(acting, 'Subscribe', describeSubscription(subscription), 'subscribed'));
  return deps.screens.subscribed(acting, subscription);
}

/**
 * `unsubscribe`: removes the subscriptions the user made, and those whose every device group the
 * user can read alerts in; the others stay, with a polite refusal. Audited.
 */
export async function unsubscribe(acting: Acting, context: Pick<TurnContext, 'activity'>, deps: SubscriptionCommandDeps): Promise<Attachment> {
  const token = tokenSource(acting);
  let reader: boolean | undefined;
  const isReader = async () => (reader ??= (await deps.screens.cannotReadAlerts(acting)) === undefined);
  const { removed, kept } = await deps.subscriptions.unsubscribe(
    context.activity.conversation.id,
    async (subscription) => subscription.createdBy.oid === acting.token.oid || ((await isReader()) && deps.scopes.covers(token, subscription)),
  );
  for (const subscription of removed) {
    await deps.audit.appendAudit(auditEntry(acting, 'Unsubscribe', describeSubscription(subscription), 'unsubscribed'));
  }
  for (const subscription of kept) {
    await deps.audit.appendAudit(auditEntry(acting, 'Unsubscribe', describeSubscription(subscription), 'refused'));
  }
  return deps.screens.unsubscribed(acting, removed.length, kept);
}

/** `High and higher, device groups Workstations, Servers (by carol@…)`: the audit log's words for a subscription. */
function describeSubscription(subscription: Subscription): string {
  const groups = (subscription.scope ?? []).map((group) => group.name).join(', ');
  return `${subscription.minSeverity} and higher, device groups ${groups || 'none'}${routingDescription({ ...subscription, deviceGroup: null })} (by ${subscription.createdBy.upn})`;
}

/** `, group Servers, tags VIP, sources WindowsDefenderAtp` for the audit log (English, as the rest of it). */
function routingDescription(filter: { deviceGroup?: string | null; tags?: readonly string[]; sources?: readonly string[] }): string {
  return [
    filter.deviceGroup ? `, group ${filter.deviceGroup}` : '',
    filter.tags?.length ? `, tags ${filter.tags.join(', ')}` : '',
    filter.sources?.length ? `, sources ${filter.sources.join(', ')}` : '',
  ].join('');
}

/** Subscriptions are about a conversation, not a device: the entry names no device. */
function auditEntry(acting: Acting, action: 'Subscribe' | 'Unsubscribe', comment: string, result: string): AuditEntry {
  return {
    time: new Date().toISOString(),
    userOid: acting.token.oid,
    upn: acting.token.upn,
    machineId: '',
    computerDnsName: '',
    action,
    comment,
    result,
    defenderActionId: null,
    conversationId: baseConversationId(acting.conversationId),
  };
}
