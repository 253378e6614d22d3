import type { AlertSeverity, AlertStatus, MachineAction, MachineActionStatus } from '../../defender/model';
import type { IsolationState } from '../../defender/isolation';
import { fill } from '../strings';
import { oneLine, timeWithAge, type CardColor, type Coloured, type ViewContext } from '../format';
import type { CardLocale } from '../locale';

/** A button as the bot hands it over: the verb and the (signed) data are rendered exactly as given. */
export interface CardAction {
  title: string;
  verb: string;
  data: Record<string, unknown>;
  style?: 'default' | 'positive' | 'destructive';
}

/** The card's `refresh`: Teams sends this Action.Execute automatically for the listed users (≤ 60). */
export interface CardRefresh {
  verb: string;
  data: Record<string, unknown>;
  userIds?: string[];
}

/** Teams refreshes automatically for at most 60 listed users (reference teams-bot.md §6.1). */
export const MAX_REFRESH_USER_IDS = 60;

export interface TemplateAction {
  title: string;
  verb: string;
  data: Record<string, unknown>;
  style: 'default' | 'positive' | 'destructive';
}

/** What every card's template data carries besides its own fields. */
export interface CardFrame {
  /** The language the view was built in; renderCard takes the strings of the same one. */
  locale: CardLocale;
  actions: TemplateAction[];
  refresh?: CardRefresh;
}

export function templateAction(action: CardAction): TemplateAction {
  return { title: action.title, verb: action.verb, data: action.data, style: action.style ?? 'default' };
}

/** The card's buttons, in the order given, and its refresh. */
export function cardFrame(buttons: readonly CardAction[], refresh: CardRefresh | undefined, context: ViewContext): CardFrame {
  if (refresh?.userIds && refresh.userIds.length > MAX_REFRESH_USER_IDS) {
    throw new RangeError(`a card refresh lists at most ${MAX_REFRESH_USER_IDS} user ids (got ${refresh.userIds.length})`);
  }
  return {
    locale: context.locale,
    actions: buttons.map(templateAction),
    ...(refresh ? { refresh } : {}),
  };
}

const SEVERITY_COLORS: Record<AlertSeverity, CardColor> = {
  High: 'attention', Medium: 'warning', Low: 'accent', Informational: 'default', UnSpecified: 'default',
};
const ALERT_STATUS_COLORS: Record<AlertStatus, CardColor> = {
  New: 'warning', InProgress: 'accent', Resolved: 'good', Unknown: 'default',
};
const ACTION_STATUS_COLORS: Record<MachineActionStatus, CardColor> = {
  Pending: 'accent', InProgress: 'accent', Succeeded: 'good', Failed: 'attention', TimeOut: 'attention', Cancelled: 'warning',
};

export function severityOf(severity: AlertSeverity, context: ViewContext): Coloured {
  return { text: context.strings.severity[severity] ?? severity, color: SEVERITY_COLORS[severity] ?? 'default' };
}

export function alertStatusOf(status: AlertStatus, context: ViewContext): Coloured {
  return { text: context.strings.alertStatus[status] ?? status, color: ALERT_STATUS_COLORS[status] ?? 'default' };
}

export function actionStatusOf(status: MachineActionStatus, context: ViewContext): Coloured {
  return { text: context.strings.actionStatusName[status] ?? status, color: ACTION_STATUS_COLORS[status] ?? 'default' };
}

/** "Isolate (Full)" in the card's language; enum values Defender adds later show as sent. */
export function actionTypeOf(action: Pick<MachineAction, 'type' | 'scope'>, context: ViewContext): string {
  const type = context.strings.actionType[action.type] ?? action.type;
  const scope = scopeOf(action.scope, context);
  return scope ? `${type} (${scope})` : type;
}

export function scopeOf(scope: string | null, context: ViewContext): string {
  if (!scope) return '';
  return (context.strings.scope as Record<string, string>)[scope] ?? scope;
}

/** One machine action as a list line: what, its status, who asked and when. */
export interface ActionLine {
  type: string;
  status: Coloured;
  requestor: string;
  requested: string;
}

export function actionLine(action: MachineAction, context: ViewContext): ActionLine {
  return {
    type: actionTypeOf(action, context),
    status: actionStatusOf(action.status, context),
    requestor: oneLine(action.requestor, 80),
    requested: timeWithAge(action.creationDateTimeUtc, context),
  };
}

/** The device's isolation as shown on cards: the state, coloured, and who did it when. */
export interface IsolationView extends Coloured {
  detail: string;
}

export function isolationOf(state: IsolationState, context: ViewContext): IsolationView {
  const text = context.strings.isolation;
  const byWhom = (action: MachineAction | null): string =>
    action ? fill(text.byWhom, { who: oneLine(action.requestor, 80), when: timeWithAge(action.creationDateTimeUtc, context) }) : '';
  if (state.pending) {
    const releasing = state.pending.type === 'Unisolate';
    // A pending action that asks for the state the device is already in is held back by Defender (issue #5903).
    const held = releasing !== state.isolated;
    const label = held ? (releasing ? text.heldRelease : text.heldIsolate) : releasing ? text.releasing : text.isolating;
    return { text: label, color: 'warning', detail: byWhom(state.pending) };
  }
  if (state.isolated) {
    const label = state.scope === 'Full' ? text.isolatedFull : state.scope === 'Selective' ? text.isolatedSelective : text.isolated;
    return { text: label, color: 'attention', detail: byWhom(state.last) };
  }
  return { text: text.notIsolated, color: 'good', detail: byWhom(state.last) };
}
