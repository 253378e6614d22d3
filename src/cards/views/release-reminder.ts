import { fill } from '../strings';
import { oneLine, timeWithAge, type ViewContext } from '../format';
import { cardFrame, type CardAction, type CardFrame } from './common';

/** The release reminder of an isolation: it mentions the requester (`teamsUserId`, display name). */
export interface ReleaseReminderInput {
  device: string;
  requester: { teamsUserId: string; name: string };
  requestedAt: string;
  comment: string;
  /** Release and Extend while it is open; none once someone moved it. */
  buttons: readonly CardAction[];
  /** Who moved the reminder to when, once someone did. */
  note?: string;
}

export interface ReleaseReminderCardData extends CardFrame {
  title: string;
  text: string;
  note: string;
  mention: { id: string; name: string; text: string };
}

/**
 * "Still isolated": a Teams mention of the requester (the `<at>` text and its `msteams.entities`
 * entry must match: cards-format, "Mention support within Adaptive Cards"), what was isolated, when
 * and why, and the buttons, which act as whoever clicks them.
 */
export function releaseReminderView(input: ReleaseReminderInput, context: ViewContext): ReleaseReminderCardData {
  const strings = context.strings.ledger;
  const device = oneLine(input.device, 100);
  // A name cannot close the mention's tag early.
  const name = oneLine(input.requester.name.replace(/[<>]/g, ''), 80) || context.strings.unknown;
  const mention = `<at>${name}</at>`;
  return {
    ...cardFrame(input.buttons, undefined, context),
    title: fill(strings.reminderTitle, { device }),
    text: fill(strings.reminderText, { mention, device, when: timeWithAge(input.requestedAt, context), comment: oneLine(input.comment, 300) }),
    note: oneLine(input.note, 300),
    mention: { id: input.requester.teamsUserId, name, text: mention },
  };
}
