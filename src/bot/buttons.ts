import crypto from 'node:crypto';
import { stringsForLocale } from '../cards/strings';
import { actionStateFrom, ISOLATION_HISTORY_QUERY, type IsolationState } from '../defender/isolation';
import type { MachineAction, MachineActionType } from '../defender/model';
import type { ResponseDefinition } from './responses/definition';
import { RESPONSE_DEFINITIONS, RESPONSE_FAMILIES, verbOf } from './responses/registry';
import type { ActionSigner } from './signed-actions';
import type { CardAction, CardRefresh } from './views';

export const VERBS = {
  openAlert: 'alert.open',
  openDevice: 'device.open',
  refreshAlert: 'alert.refresh',
  refreshDevice: 'device.refresh',
  actionStatus: 'action.status',
  cancel: 'response.cancel',
  cancelAction: 'action.cancel',
  assignAlert: 'alert.assign',
  digestAlerts: 'digest.alerts',
} as const;

/** How long a button stays valid: confirmations briefly, everything else as long as a card lives. */
export const CONFIRM_LIFETIME_SECONDS = 60 * 60;
export const CARD_LIFETIME_SECONDS = 30 * 24 * 60 * 60;

/** Where Cancel returns to: the device card, or the alert card the response started from. */
export type BackTo = { card: 'device' } | { card: 'alert'; alertId: string };

export interface ButtonTitles {
  open: string;
  isolate: string;
  release: string;
  confirmIsolate: string;
  confirmRelease: string;
  cancel: string;
  cancelAction: string;
  respond: string;
}

/** Signed buttons and refresh actions for one conversation. */
export class Buttons {
  constructor(
    private readonly signer: ActionSigner,
    private readonly conversationId: string,
    private readonly titles: ButtonTitles,
    private readonly locale = 'en-US',
  ) {}

  openAlert(alertId: string): CardAction {
    return this.action(this.titles.open, VERBS.openAlert, { alertId });
  }

  openDevice(machineId: string): CardAction {
    return this.action(this.titles.open, VERBS.openDevice, { machineId });
  }

  /**
   * The responses the device's state allows, each family of actions decided by its own history:
   * Isolate or Release from the isolation state (Cancel instead while an isolation action is
   * pending), a scan unless one is under way (`history`: the device's recent actions, when read).
   * Nothing when the isolation state is unknown.
   */
  responses(machineId: string, isolation: IsolationState | undefined, back: BackTo, history: readonly MachineAction[] = []): CardAction[] {
    if (!isolation) return [];
    return RESPONSE_FAMILIES.flatMap((family) => family === ISOLATION_HISTORY_QUERY.types
      ? this.offers(family, isolation, machineId, back)
      : this.offers(family, actionStateFrom(history, family), machineId, back, { cancel: false }));
  }

  /** What a family's state allows: Cancel of its pending action, or each of its responses not blocked. */
  offers(
    family: readonly MachineActionType[], state: IsolationState, machineId: string, back: BackTo, options = { cancel: true },
  ): CardAction[] {
    if (state.pending) return options.cancel ? [this.cancelAction(state.pending.id, machineId, back)] : [];
    return RESPONSE_DEFINITIONS
      .filter((definition) => definition.family === family && !definition.blocked(state))
      .map((definition) => this.ask(definition, machineId, back));
  }

  /** Cancels a pending action (POST machineactions/{id}/cancel as the clicking user). */
  cancelAction(actionId: string, machineId: string, back: BackTo): CardAction {
    return this.action(this.titles.cancelAction, VERBS.cancelAction, { actionId, machineId, ...backParams(back) }, 'destructive');
  }

  /** Assigns the alert to the clicker (`PATCH /api/alerts/{id}` as them); the card is then updated for everyone. */
  assignToMe(alertId: string): CardAction {
    return this.action(stringsForLocale(this.locale).triage.assignToMe, VERBS.assignAlert, { alertId });
  }

  /** One page of a storm digest's alerts, each with Open, posted below (`page` from 1). */
  digestAlerts(digestId: string, page: number): CardAction {
    const strings = stringsForLocale(this.locale).digest;
    return this.action(page === 1 ? strings.showAll : strings.nextPage, VERBS.digestAlerts, { digestId, page: String(page) });
  }

  /** A notification card cannot know each reader's view: this shows the clicker the alert with the responses their view allows. */
  respond(alertId: string): CardAction {
    return this.action(this.titles.respond, VERBS.refreshAlert, { alertId });
  }

  ask(definition: ResponseDefinition, machineId: string, back: BackTo): CardAction {
    const title = definition.texts(stringsForLocale(this.locale)).button;
    return this.action(title, verbOf(definition, 'ask'), { machineId, ...backParams(back) }, definition.style);
  }

  confirm(definition: ResponseDefinition, machineId: string): CardAction {
    const verb = verbOf(definition, 'confirm');
    const data = this.signer.sign(verb, { machineId }, this.conversationId, crypto.randomUUID());
    return { title: definition.texts(stringsForLocale(this.locale)).confirm, verb, data: { ...data }, style: definition.style };
  }

  cancel(machineId: string, back: BackTo): CardAction {
    return this.action(this.titles.cancel, VERBS.cancel, { machineId, ...backParams(back) });
  }

  /**
   * Refresh actions name who Teams refreshes the card for automatically (`userIds`, Teams user ids):
   * without the list Teams refreshes for every member of a chat or channel of up to 60 (teams-bot.md
   * §6.1), each refresh costing Defender reads as that viewer. An empty list means manual refresh only.
   */
  deviceRefresh(machineId: string, userIds: string[]): CardRefresh {
    return this.refresh(VERBS.refreshDevice, { machineId }, userIds);
  }

  alertRefresh(alertId: string, userIds: string[]): CardRefresh {
    return this.refresh(VERBS.refreshAlert, { alertId }, userIds);
  }

  actionRefresh(actionId: string, machineId: string, userIds: string[]): CardRefresh {
    return this.refresh(VERBS.actionStatus, { actionId, machineId }, userIds);
  }

  private action(title: string, verb: string, params: Record<string, string>, style?: CardAction['style']): CardAction {
    return { title, verb, data: { ...this.signer.sign(verb, params, this.conversationId) }, ...(style ? { style } : {}) };
  }

  private refresh(verb: string, params: Record<string, string>, userIds: string[]): CardRefresh {
    return { verb, data: { ...this.signer.sign(verb, params, this.conversationId) }, userIds };
  }
}

export function backParams(back: BackTo): Record<string, string> {
  return back.card === 'alert' ? { back: 'alert', alertId: back.alertId } : { back: 'device' };
}

export function backFrom(params: Record<string, string>): BackTo {
  return params.back === 'alert' && params.alertId ? { card: 'alert', alertId: params.alertId } : { card: 'device' };
}
