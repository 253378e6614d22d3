import type { IndicatorAction, IndicatorType } from '../../defender/indicators';
import { INDICATOR_ACTIONS, INDICATORS_PORTAL_URL } from '../../defender/indicators';
import { fill } from '../strings';
import { oneLine, type ViewContext } from '../format';
import { cardFrame, templateAction, type CardAction, type CardFrame, type TemplateAction } from './common';

/** How long an indicator lasts, in hours, as the confirmation offers it (30 days preselected unless typed). */
export const INDICATOR_EXPIRIES_HOURS = [24, 7 * 24, 30 * 24, 90 * 24, 365 * 24] as const;
export const DEFAULT_INDICATOR_HOURS = 30 * 24;

export interface BlockIndicatorInput {
  /** The values to choose from (one when typed; the alert's evidence otherwise), each with its type. */
  candidates: readonly { value: string; type: IndicatorType }[];
  action: IndicatorAction;
  hours: number;
  comment: string;
  /** The alert it comes from, if any (its title). */
  alertTitle?: string;
  confirm: CardAction;
  cancel?: CardAction;
}

interface Choice {
  title: string;
  value: string;
}

export interface BlockIndicatorCardData extends Pick<CardFrame, 'locale'> {
  title: string;
  text: string;
  indicator: { value: string; choices: Choice[] };
  action: { value: string; choices: Choice[] };
  expiry: { value: string; choices: Choice[] };
  comment: string;
  confirm: TemplateAction;
  cancel: TemplateAction[];
}

/** "30 days", "48 hours". */
export function durationText(hours: number, context: ViewContext): string {
  const texts = context.strings.indicators;
  return hours % 24 === 0 ? fill(hours === 24 ? texts.oneDay : texts.days, { count: hours / 24 }) : fill(texts.hours, { count: hours });
}

/** The confirmation of an indicator: which value, the action, how long, and the required comment. */
export function blockIndicatorView(input: BlockIndicatorInput, context: ViewContext): BlockIndicatorCardData {
  const texts = context.strings.indicators;
  const hours = [...new Set([...INDICATOR_EXPIRIES_HOURS, input.hours])].sort((a, b) => a - b);
  return {
    locale: context.locale,
    title: input.alertTitle ? fill(texts.titleFromAlert, { title: oneLine(input.alertTitle, 120) }) : texts.title,
    text: texts.text,
    indicator: {
      value: input.candidates[0]?.value ?? '',
      choices: input.candidates.map((candidate) => ({ title: `${texts.types[candidate.type]}: ${oneLine(candidate.value, 200)}`, value: candidate.value })),
    },
    action: { value: input.action, choices: INDICATOR_ACTIONS.map((action) => ({ title: texts.actions[action], value: action })) },
    expiry: { value: String(input.hours), choices: hours.map((value) => ({ title: durationText(value, context), value: String(value) })) },
    comment: oneLine(input.comment, 1000),
    confirm: templateAction(input.confirm),
    cancel: input.cancel ? [templateAction(input.cancel)] : [],
  };
}

export interface IndicatorResultInput {
  value: string;
  type: IndicatorType;
  action: IndicatorAction;
  expires: string;
  upn: string;
  comment: string;
}

export interface IndicatorCardData extends CardFrame {
  title: string;
  facts: { title: string; value: string }[];
  note: string;
  portalUrl: string;
}

/**
 * An indicator Defender accepted, for everyone in the conversation. The bot cannot delete it (only
 * an application may, delete-ti-indicator-by-id), so the card links to the portal's indicator list.
 */
export function indicatorView(input: IndicatorResultInput, context: ViewContext): IndicatorCardData {
  const texts = context.strings.indicators;
  return {
    ...cardFrame([], undefined, context),
    title: fill(texts.submittedTitle, { action: texts.actions[input.action] }),
    facts: [
      { title: texts.types[input.type], value: oneLine(input.value, 300) },
      { title: texts.expires, value: oneLine(input.expires, 40) },
      { title: texts.requestedBy, value: oneLine(input.upn, 100) },
      { title: texts.comment, value: oneLine(input.comment, 300) },
    ],
    note: texts.deleteInPortal,
    portalUrl: INDICATORS_PORTAL_URL,
  };
}
