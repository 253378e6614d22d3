import type { Attachment, TurnContext } from 'botbuilder';
import type { Store } from '../../store/store';
import { type Acting, tokenSource } from '../acting';
import { DefenderApiError } from '../../defender/errors';
import { responseNamed } from '../responses/registry';
import { triageAlert, type TriageCommandDeps } from './alert-triage-commands';
import type { Command } from './parse';
import { subscribe, type SubscriptionCommandDeps, unsubscribe } from './subscription-commands';
import type { IncidentScreens } from '../incidents';
import type { HuntScreens } from '../hunting';
import { runIncidentCommand } from './incident-commands';
import type { ResponseActions } from '../responses';
import type { IndicatorActions } from '../indicators';
import type { PermissionScreen } from '../permissions';
import type { IsolatedDevices } from '../isolated-devices';

type SignedInCommand = Exclude<Command, { name: 'help' } | { name: 'signout' }>;

export interface CommandDeps extends SubscriptionCommandDeps, TriageCommandDeps {
  audit: Pick<Store, 'listAudit' | 'appendAudit'>;
  responses: ResponseActions;
  incidents: IncidentScreens;
  hunting: HuntScreens;
  indicators: IndicatorActions;
  permissions: PermissionScreen;
  isolated: IsolatedDevices;
}

/**
 * Runs a command as the signed-in user who typed it, and returns the card to post. It reads only the
 * turn's activity, which stays readable when the work outlives the turn (see turn-budget.ts).
 */
export async function runCommand(command: SignedInCommand, acting: Acting, context: Pick<TurnContext, 'activity'>, deps: CommandDeps): Promise<Attachment> {
  const { screens } = deps;
  // Seeing a subscriber with their token is when their subscriptions learn that their rights shrank.
  deps.scopes.subscriberSeen(acting.token.oid, tokenSource(acting));
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
    case 'respond': {
      const definition = responseNamed(command.response);
      // Only a command kept across a sign-in by an older version can name a response that no longer exists.
      if (!definition) throw DefenderApiError.invalidInput(`"${command.response}" is not a response action.`);
      const lookup = await screens.findDevice(acting, command.query);
      if (!lookup.found) return lookup.card;
      return screens.confirm(acting, definition, lookup.machine, { card: 'device' }, {
        comment: command.comment, choice: command.choice, argument: command.argument,
      });
    }
    case 'cancel': {
      const outcome = await deps.responses.cancelPending(acting, command.actionId, command.comment);
      return 'finished' in outcome ? screens.finishedAction(acting, outcome.finished) : screens.actionStatus(acting, outcome.cancelled, { refreshFor: [] });
    }
    case 'isolated':
      return deps.isolated.list(acting);
    case 'assign':
    case 'resolve':
      return triageAlert(command, acting, deps);
    case 'audit':
      return screens.audit(acting, deps.audit, command.query);
    case 'subscribe':
      return subscribe(command, acting, context, deps);
    case 'unsubscribe':
      return unsubscribe(acting, context, deps);
    case 'subscriptions':
      return screens.subscriptionList(acting, await deps.subscriptions.listSubscriptions(context.activity.conversation.id));
    case 'incidents':
    case 'incident':
      return runIncidentCommand(command, acting, deps.incidents);
    case 'hunt':
      return deps.hunting.hunt(acting, command);
    case 'block':
      return deps.indicators.ask(acting, command);
    case 'permissions':
      return deps.permissions.card(acting);
  }
}
