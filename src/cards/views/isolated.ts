import { fill } from '../strings';
import { firstOf, oneLine, timeWithAge, timeWithCountdown, type CardColor, type ViewContext } from '../format';
import { cardFrame, scopeOf, templateAction, type CardAction, type CardFrame, type TemplateAction } from './common';

/** Most devices the card lists; the rest are counted. */
export const ISOLATED_MAX = 20;

/** A device isolated now, as Defender's history and the bot's ledger tell it. */
export interface IsolatedDevice {
  device: string;
  scope: string | null;
  /** When the isolation in force took effect (Defender's time). */
  since: string;
  /** Who asked: the bot's requester when it went through the bot, else Defender's requestor. */
  by: string;
  /** Set when the isolation went through this bot. */
  ledger?: { approvedBy?: string; remindAt: string | null; reminded: boolean };
  open: CardAction;
}

export interface IsolatedCardData extends CardFrame {
  count: string;
  devices: { device: string; summary: string; source: string; sourceColor: CardColor; open: TemplateAction }[];
  more: string;
  limit: string;
}

/** `isolated`: every device isolated now, newest isolation first, each marked as through the bot or outside it. */
export function isolatedView(input: { items: readonly IsolatedDevice[]; historyLimit?: number }, context: ViewContext): IsolatedCardData {
  const strings = context.strings.ledger;
  const { shown, more } = firstOf(input.items, ISOLATED_MAX, context);
  return {
    ...cardFrame([], undefined, context),
    count: fill(strings.listCount, { count: input.items.length }),
    devices: shown.map((item) => {
      const { ledger } = item;
      const reminder = !ledger ? '' : ledger.reminded ? strings.reminderSent
        : ledger.remindAt ? fill(strings.reminderAt, { when: timeWithCountdown(ledger.remindAt, context) }) : strings.noReminder;
      return {
        device: oneLine(item.device, 100),
        summary: [scopeOf(item.scope, context), fill(strings.since, { when: timeWithAge(item.since, context) }), fill(strings.by, { who: oneLine(item.by, 100) })]
          .filter(Boolean).join(' · '),
        source: (ledger
          ? [strings.throughBot, ledger.approvedBy ? fill(strings.approvedBy, { who: oneLine(ledger.approvedBy, 100) }) : '', reminder]
          : [strings.outsideBot]).filter(Boolean).join(' · '),
        sourceColor: ledger ? 'default' : 'warning',
        open: templateAction(item.open),
      };
    }),
    more,
    limit: input.historyLimit ? fill(strings.historyLimit, { count: input.historyLimit }) : '',
  };
}
