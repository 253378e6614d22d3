import crypto from 'node:crypto';
import type { IsolationState } from '../defender/isolation';
import { offeredResponse } from './response-state';
import type { ActionSigner } from './signed-actions';
import type { CardAction, CardRefresh, ResponseKind } from './views';

export const VERBS = {
  openAlert: 'alert.open',
  openDevice: 'device.open',
  refreshAlert: 'alert.refresh',
  refreshDevice: 'device.refresh',
  actionStatus: 'action.status',
  ask: { isolate: 'isolate.ask', release: 'release.ask' },
  confirm: { isolate: 'isolate.confirm', release: 'release.confirm' },
  cancel: 'response.cancel',
  cancelAction: 'action.cancel',
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
  ) {}

  openAlert(alertId: string): CardAction {
    return this.action(this.titles.open, VERBS.openAlert, { alertId });
  }

  openDevice(machineId: string): CardAction {
    return this.action(this.titles.open, VERBS.openDevice, { machineId });
  }

  /** Isolate when the device is not isolated, Release when it is, Cancel while an action is pending; nothing when unknown. */
  responses(machineId: string, isolation: IsolationState | undefined, back: BackTo): CardAction[] {
    if (!isolation) return [];
    if (isolation.pending) return [this.cancelAction(isolation.pending.id, machineId, back)];
    const kind = offeredResponse(isolation);
    return kind ? [this.ask(kind, machineId, back)] : [];
  }

  /** Cancels a pending action (POST machineactions/{id}/cancel as the clicking user). */
  cancelAction(actionId: string, machineId: string, back: BackTo): CardAction {
    return this.action(this.titles.cancelAction, VERBS.cancelAction, { actionId, machineId, ...backParams(back) }, 'destructive');
  }

  /** A notification card cannot know each reader's view: this shows the clicker the alert with the responses their view allows. */
  respond(alertId: string): CardAction {
    return this.action(this.titles.respond, VERBS.refreshAlert, { alertId });
  }

  ask(kind: ResponseKind, machineId: string, back: BackTo): CardAction {
    return this.action(this.titles[kind], VERBS.ask[kind], { machineId, ...backParams(back) }, kind === 'isolate' ? 'destructive' : 'positive');
  }

  confirm(kind: ResponseKind, machineId: string): CardAction {
    const title = kind === 'isolate' ? this.titles.confirmIsolate : this.titles.confirmRelease;
    const data = this.signer.sign(VERBS.confirm[kind], { machineId }, this.conversationId, crypto.randomUUID());
    return { title, verb: VERBS.confirm[kind], data: { ...data }, style: kind === 'isolate' ? 'destructive' : 'positive' };
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
