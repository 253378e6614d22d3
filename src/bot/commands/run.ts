import type { Attachment, TurnContext } from 'botbuilder';
import type { SubscriptionRegistry } from '../../notify/subscriptions';
import type { Store } from '../../store/store';
import type { Acting } from '../acting';
import type { Screens } from '../screens';
import type { Command } from './parse';

type SignedInCommand = Exclude<Command, { name: 'help' } | { name: 'signout' }>;

export interface CommandDeps {
  screens: Screens;
  subscriptions: SubscriptionRegistry;
  audit: Pick<Store, 'listAudit'>;
}

/**
 * Runs a command as the signed-in user who typed it, and returns the card to post. It reads only the
 * turn's activity, which stays readable when the work outlives the turn (see turn-budget.ts).
 */
export async function runCommand(command: SignedInCommand, acting: Acting, context: Pick<TurnContext, 'activity'>, deps: CommandDeps): Promise<Attachment> {
  const { screens } = deps;
  switch (command.name) {
    case 'alerts':
      return screens.alertList(acting, command);
    case 'alert':
      return screens.alert(acting, command.alertId);
    case 'device': {
      const lookup = await screens.findDevice(acting, command.query);
      return lookup.found ? screens.device(acting, lookup.machine) : lookup.card;
    }
    case 'actions': {
      const lookup = await screens.findDevice(acting, command.query);
      return lookup.found ? screens.actions(acting, lookup.machine) : lookup.card;
    }
    case 'isolate':
    case 'release': {
      const lookup = await screens.findDevice(acting, command.query);
      if (!lookup.found) return lookup.card;
      const isolationType = command.name === 'isolate' ? command.isolationType : 'Full';
      return screens.confirm(acting, command.name, lookup.machine, { card: 'device' }, { comment: command.comment, isolationType });
    }
    case 'audit':
      return screens.audit(acting, deps.audit, command.query);
    case 'subscribe': {
      const refusal = await screens.cannotReadAlerts(acting);
      if (refusal) return refusal;
      const subscription = await deps.subscriptions.subscribe(
        context.activity, { minSeverity: command.minSeverity, deviceGroup: command.deviceGroup }, { oid: acting.token.oid, upn: acting.token.upn },
      );
      return screens.subscribed(acting, subscription);
    }
    case 'unsubscribe':
      return screens.unsubscribed(acting, await deps.subscriptions.unsubscribe(context.activity.conversation.id));
    case 'subscriptions':
      return screens.subscriptionList(acting, await deps.subscriptions.listSubscriptions(context.activity.conversation.id));
  }
}
