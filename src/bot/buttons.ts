import crypto from 'node:crypto';
import { fill, stringsForLocale } from '../cards/strings';
import { actionStateFrom, ISOLATION_HISTORY_QUERY, type IsolationState } from '../defender/isolation';
import type { Alert, Machine, MachineAction, MachineActionType } from '../defender/model';
import type { ResponseDefinition } from './responses/definition';
import { RESPONSE_DEFINITIONS, RESPONSE_FAMILIES, verbOf } from './responses/registry';
import type { ActionSigner } from './signed-actions';
import { triageOffers, triageVerb, updateAlert } from './triage/registry';
import type { CardAction, CardRefresh } from './views';

export const VERBS = {
  openAlert: 'alert.open',
  openDevice: 'device.open',
  refreshAlert: 'alert.refresh',
  refreshDevice: 'device.refresh',
  actionStatus: 'action.status',
  cancel: 'response.cancel',
  cancelAction: 'action.cancel',
  askIndicator: 'indicator.ask',
  confirmIndicator: 'indicator.confirm',
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
   * pending), a scan unless one is under way (`history`: the device's recent actions, when read),
   * and only what the device's OS supports (`machine`, when read). Nothing when the isolation state is unknown.
   */
  responses(
    machineId: string, isolation: IsolationState | undefined, back: BackTo, history: readonly MachineAction[] = [], machine?: Machine,
  ): CardAction[] {
    if (!isolation) return [];
    return RESPONSE_FAMILIES.flatMap((family) => family === ISOLATION_HISTORY_QUERY.types
      ? this.offers(family, isolation, machineId, back, { cancel: true, machine })
      : this.offers(family, actionStateFrom(history, family), machineId, back, { cancel: false, machine }));
  }

  /** What a family's state allows: Cancel of its pending action, or each of its responses not blocked. */
  offers(
    family: readonly MachineActionType[], state: IsolationState, machineId: string, back: BackTo,
    options: { cancel: boolean; machine?: Machine } = { cancel: true },
  ): CardAction[] {
    if (state.pending) return options.cancel ? [this.cancelAction(state.pending.id, machineId, back)] : [];
    const { machine } = options;
    return RESPONSE_DEFINITIONS
      .filter((definition) => definition.family === family && !definition.argument && (definition.offeredOn ?? [back.card]).includes(back.card))
      .filter((definition) => !definition.blocked(state) && !(machine && definition.supports && !definition.supports(machine)))
      .map((definition) => this.ask(definition, machineId, back));
  }

  /** The responses an alert's evidence offers on its device: Stop and quarantine for each file with a SHA-1. */
  fromEvidence(alert: Alert, back: BackTo): CardAction[] {
    if (!alert.machineId) return [];
    return RESPONSE_DEFINITIONS.flatMap((definition) => (definition.argument?.fromAlert(alert) ?? [])
      .map((argument) => this.ask(definition, alert.machineId, back, argument)));
  }

  /** A finished action's result (the investigation package), fetched when clicked, for the clicker only. */
  result(definition: ResponseDefinition, action: MachineAction): CardAction[] {
    if (!definition.result || action.status !== 'Succeeded' || action.type !== definition.endpoint.actionType) return [];
    return [this.resultOf(definition, action)];
  }

  /** The result button of an action known to have succeeded (titled `again` for a fresh link once the last one expired). */
  resultOf(
    definition: ResponseDefinition, action: { id: string; machineId: string; computerDnsName: string }, kind: 'button' | 'again' = 'button',
  ): CardAction {
    const title = definition.result?.texts(stringsForLocale(this.locale))[kind] ?? '';
    return this.action(title, verbOf(definition, 'result'), { actionId: action.id, machineId: action.machineId, device: action.computerDnsName });
  }

  /** Cancels a pending action (POST machineactions/{id}/cancel as the clicking user). */
  cancelAction(actionId: string, machineId: string, back: BackTo): CardAction {
    return this.action(this.titles.cancelAction, VERBS.cancelAction, { actionId, machineId, ...backParams(back) }, 'destructive');
  }

  /** The triage steps the alert's state offers (`viewerUpn` undefined: a notification card), each one PATCH as the clicker. */
  triage(alert: Alert, viewerUpn?: string): CardAction[] {
    const strings = stringsForLocale(this.locale);
    return triageOffers(alert, viewerUpn).map((definition) => {
      const { button } = definition;
      return this.action(button!.title(strings), triageVerb(definition, button!.form ? 'form' : 'run'), { alertId: alert.id });
    });
  }

  /** Asks for an indicator from the alert's evidence (the clicker's own view of it). */
  blockIndicator(alertId: string): CardAction {
    return this.action(stringsForLocale(this.locale).indicators.button, VERBS.askIndicator, { alertId });
  }

  /** One page of a storm digest's alerts, each with Open, posted below (`page` from 1). */
  digestAlerts(digestId: string, page: number): CardAction {
    const strings = stringsForLocale(this.locale).digest;
    return this.action(page === 1 ? strings.showAll : strings.nextPage, VERBS.digestAlerts, { digestId, page: String(page) });
  }

  /** The triage form's Save, one-time: its inputs (status, verdict, comment) are merged into the data by Teams. */
  triageSave(alertId: string): CardAction {
    const verb = triageVerb(updateAlert, 'save');
    const data = this.signer.sign(verb, { alertId }, this.conversationId, crypto.randomUUID());
    return { title: stringsForLocale(this.locale).triage.save, verb, data: { ...data }, style: 'positive' };
  }

  /**
   * A notification card cannot know each reader's view: this shows the clicker the alert with the
   * responses their view allows (also the triage form's Cancel, titled so).
   */
  respond(alertId: string, title = this.titles.respond): CardAction {
    return this.action(title, VERBS.refreshAlert, { alertId });
  }

  ask(definition: ResponseDefinition, machineId: string, back: BackTo, argument?: { value: string; label: string }): CardAction {
    const title = fill(definition.texts(stringsForLocale(this.locale)).button, { file: argument?.label ?? '' });
    const params = { machineId, ...backParams(back), ...argumentParams(definition, argument?.value) };
    return this.action(title, verbOf(definition, 'ask'), params, definition.style);
  }

  confirm(definition: ResponseDefinition, machineId: string, argument?: string): CardAction {
    const verb = verbOf(definition, 'confirm');
    const data = this.signer.sign(verb, { machineId, ...argumentParams(definition, argument) }, this.conversationId, crypto.randomUUID());
    return { title: definition.texts(stringsForLocale(this.locale)).confirm, verb, data: { ...data }, style: definition.style };
  }

  /** Approve and Deny of a request the two-person rule holds (the store keeps its expiry, so they live as long as a card). */
  approval(definition: ResponseDefinition, approvalId: string): CardAction[] {
    const strings = stringsForLocale(this.locale).approvals;
    return [
      this.action(strings.approve, verbOf(definition, 'approve'), { approvalId }, 'positive'),
      this.action(strings.deny, verbOf(definition, 'deny'), { approvalId }, 'destructive'),
    ];
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

  /** A button of a feature with its own verbs (e.g. a release reminder's Extend), signed like every other. */
  signed(title: string, verb: string, params: Record<string, string>): CardAction {
    return this.action(title, verb, params);
  }

  private action(title: string, verb: string, params: Record<string, string>, style?: CardAction['style']): CardAction {
    return { title, verb, data: { ...this.signer.sign(verb, params, this.conversationId) }, ...(style ? { style } : {}) };
  }

  private refresh(verb: string, params: Record<string, string>, userIds: string[]): CardRefresh {
    return { verb, data: { ...this.signer.sign(verb, params, this.conversationId) }, userIds };
  }
}

/** The definition's argument (a SHA-1) under its id, signed with the button. */
function argumentParams(definition: ResponseDefinition, value: string | undefined): Record<string, string> {
  return definition.argument && value !== undefined ? { [definition.argument.id]: value } : {};
}

/** The argument a signed button carries for its definition, if it has one. */
export function argumentFrom(definition: ResponseDefinition, params: Record<string, string>): string | undefined {
  return definition.argument ? params[definition.argument.id] : undefined;
}

export function backParams(back: BackTo): Record<string, string> {
  return back.card === 'alert' ? { back: 'alert', alertId: back.alertId } : { back: 'device' };
}

export function backFrom(params: Record<string, string>): BackTo {
  return params.back === 'alert' && params.alertId ? { card: 'alert', alertId: params.alertId } : { card: 'device' };
}
