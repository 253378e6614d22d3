import { FINAL_ACTION_STATUSES, type Machine, type MachineAction } from '../../defender/model';
import { type CardStrings, fill } from '../strings';
import { firstOf, oneLine, timeWithAge, type Coloured, type ViewContext } from '../format';
import type { MessageInput } from './messages';
import { criticalReasonsText, type CriticalReason } from './approvals';
import type { ReleaseReminder } from '../../config';
import {
  actionLine, actionStatusOf, actionTypeOf, cardFrame, scopeOf, templateAction,
  type ActionLine, type CardAction, type CardFrame, type CardRefresh, type TemplateAction,
} from './common';

/** Id of the confirmation card's comment: Teams merges its value into the Confirm action's data under it. */
export const CONFIRM_INPUT_IDS = { comment: 'comment', isolationType: 'isolationType' } as const;
/** Most actions the history card lists. */
export const ACTIONS_MAX = 10;

/** A confirmation's texts: the title names `{device}`; the choice's options are titled by value. */
export interface ConfirmTexts {
  title: string;
  text: string;
  choice?: { label: string; error: string; options: Record<string, string> };
}

export interface ConfirmActionInput {
  machine: Pick<Machine, 'computerDnsName'>;
  texts: ConfirmTexts;
  /** The response's one choice (isolation type, scan type) with its preselected value. */
  choice?: { id: string; values: readonly string[]; value: string };
  /** Prefilled comment (e.g. typed after the command); the analyst may change it. */
  comment?: string;
  /** Set when the two-person rule holds this response on this device: why, and whether break glass is offered. */
  approval?: { reasons: readonly CriticalReason[]; breakGlass: boolean };
  /** Set for an isolation: the release reminder preselected (the ledger's input). */
  reminder?: { id: string; values: readonly ReleaseReminder[]; value: ReleaseReminder };
  confirm: CardAction;
  cancel: CardAction;
}

export interface ConfirmActionCardData extends Pick<CardFrame, 'locale'> {
  title: string;
  text: string;
  comment: string;
  hasChoice: boolean;
  choice: { id: string; label: string; error: string; value: string; choices: { title: string; value: string }[] };
  /** '' unless the response waits for a second person here. */
  approvalNotice: string;
  breakGlass: boolean;
  hasReminder: boolean;
  reminder: { id: string; label: string; value: string; choices: { title: string; value: string }[] };
  confirm: TemplateAction;
  cancel: TemplateAction;
}

/** Asks before a response action: a required comment, and the response's choice when it has one. */
export function confirmActionView(input: ConfirmActionInput, context: ViewContext): ConfirmActionCardData {
  const device = oneLine(input.machine.computerDnsName, 100);
  const { texts, choice } = input;
  return {
    locale: context.locale,
    title: fill(texts.title, { device }),
    text: texts.text,
    comment: input.comment ?? '',
    hasChoice: Boolean(choice && texts.choice),
    choice: {
      id: choice?.id ?? '',
      label: texts.choice?.label ?? '',
      error: texts.choice?.error ?? '',
      value: choice?.value ?? '',
      choices: (choice?.values ?? []).map((value) => ({ title: texts.choice?.options[value] ?? value, value })),
    },
    approvalNotice: input.approval
      ? fill(context.strings.approvals.confirmNotice, { device, reasons: criticalReasonsText(input.approval.reasons, context) })
      : '',
    breakGlass: input.approval?.breakGlass ?? false,
    hasReminder: Boolean(input.reminder),
    reminder: {
      id: input.reminder?.id ?? '',
      label: context.strings.ledger.reminderLabel,
      value: input.reminder?.value ?? '',
      choices: (input.reminder?.values ?? []).map((value) => ({ title: context.strings.ledger.reminders[value], value })),
    },
    confirm: templateAction(input.confirm),
    cancel: templateAction(input.cancel),
  };
}

export interface ActionStatusInput {
  action: MachineAction;
  /** Display name of the analyst who asked, when the bot knows it (Defender records the UPN). */
  requestorName?: string;
  /** What the bot offers next (e.g. Release once an Isolate succeeded). */
  buttons: readonly CardAction[];
  refresh?: CardRefresh;
}

export interface ActionStatusCardData extends CardFrame {
  title: string;
  device: string;
  actionType: string;
  scope: string;
  requestedBy: string;
  requestedAt: string;
  comment: string;
  status: Coloured;
  lastUpdate: string;
  cancelledBy: string;
  running: boolean;
  /** Still Pending an hour after the request: an offline device, which Defender retries for up to 3 days. */
  pendingLong: boolean;
}

const LONG_PENDING_MS = 60 * 60 * 1000;

/** A machine action's live status: who asked, when and why, its status, and the bot's next buttons. */
export function actionStatusView(input: ActionStatusInput, context: ViewContext): ActionStatusCardData {
  const { action } = input;
  const strings = context.strings;
  const device = oneLine(action.computerDnsName, 100);
  const actionType = strings.actionType[action.type] ?? action.type;
  const requestor = oneLine(action.requestor, 100);
  const name = oneLine(input.requestorName, 100);
  return {
    ...cardFrame(input.buttons, input.refresh, context),
    title: fill(strings.actionStatus.title, { action: actionType, device }),
    device,
    actionType,
    scope: scopeOf(action.scope, context),
    requestedBy: name && name !== requestor ? `${name} (${requestor})` : requestor,
    requestedAt: timeWithAge(action.creationDateTimeUtc, context),
    comment: oneLine(action.requestorComment, 500),
    status: actionStatusOf(action.status, context),
    lastUpdate: timeWithAge(action.lastUpdateDateTimeUtc, context),
    cancelledBy: action.cancellationRequestor
      ? `${oneLine(action.cancellationRequestor, 100)}, ${timeWithAge(action.cancellationDateTimeUtc, context)}`
      : '',
    running: !FINAL_ACTION_STATUSES.includes(action.status),
    pendingLong: isPendingLong(action, context.now),
  };
}

export function isPendingLong(action: Pick<MachineAction, 'status' | 'creationDateTimeUtc'>, now: Date): boolean {
  return action.status === 'Pending' && now.getTime() - Date.parse(action.creationDateTimeUtc) > LONG_PENDING_MS;
}

export interface ActionsCardData extends CardFrame {
  title: string;
  items: ActionLine[];
  more: string;
}

/** Recent machine actions on a device (newest first as given): type, status, requestor, time. */
export function actionsView(
  input: { device: string; actions: readonly MachineAction[]; buttons?: CardAction[]; refresh?: CardRefresh },
  context: ViewContext,
): ActionsCardData {
  const { shown, more } = firstOf(input.actions, ACTIONS_MAX, context);
  return {
    ...cardFrame(input.buttons ?? [], input.refresh, context),
    title: fill(context.strings.actions.title, { device: oneLine(input.device, 100) }),
    items: shown.map((action) => actionLine(action, context)),
    more,
  };
}

/**
 * Why a response button no longer applies when it is clicked (the device changed since the card was
 * drawn): each reason is a sentence of `bot.stale`, so a definition's new reason is one string.
 */
export type StaleReason = Exclude<keyof CardStrings['bot']['stale'], 'title' | 'unknownDetail' | 'cancelComment'>;

export interface StaleResponseInput {
  reason: StaleReason;
  device: string;
  /** The action that decides: the pending one, the one that finished, or the last isolation action. */
  action: MachineAction | null;
  /** What the device offers now. */
  buttons: CardAction[];
}

/** "This card is out of date": what changed, and the buttons that apply now. */
export function staleResponseMessage(input: StaleResponseInput, context: ViewContext): MessageInput {
  const strings = context.strings.bot.stale;
  const { action } = input;
  const detail = action
    ? fill(context.strings.isolation.byWhom, { who: oneLine(action.requestor, 80), when: timeWithAge(action.creationDateTimeUtc, context) })
    : strings.unknownDetail;
  const text = fill(strings[input.reason], {
    device: oneLine(input.device, 100),
    detail,
    action: action ? actionTypeOf(action, context) : '',
    status: action ? actionStatusOf(action.status, context).text : '',
  });
  return { kind: 'warning', title: strings.title, text, buttons: input.buttons };
}
