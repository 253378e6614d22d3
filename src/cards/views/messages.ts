import { oneLine, type CardColor, type ViewContext } from '../format';
import { cardFrame, type CardAction, type CardFrame } from './common';

export interface HelpInput {
  /** The command the user probably meant, for "Did you mean …?". */
  didYouMean?: string;
  buttons?: CardAction[];
}

export interface HelpCardData extends CardFrame {
  didYouMean: string;
  commands: { usage: string; description: string; example: string }[];
}

/** Every command with its syntax, what it does and an example (from the string tables, in their order). */
export function helpView(input: HelpInput, context: ViewContext): HelpCardData {
  return {
    ...cardFrame(input.buttons ?? [], undefined, context),
    didYouMean: oneLine(input.didYouMean, 60),
    commands: Object.values(context.strings.help.commands),
  };
}

export type MessageKind = 'info' | 'warning' | 'error';

const KIND_COLORS: Record<MessageKind, CardColor> = { info: 'accent', warning: 'warning', error: 'attention' };
const MAX_SUGGESTIONS = 5;

export interface MessageInput {
  kind: MessageKind;
  /** Already in the user's language. */
  title: string;
  text: string;
  /** Lines such as commands to try; at most five are shown. */
  suggestions?: readonly string[];
  buttons?: CardAction[];
  /** Links opened in the browser (Action.OpenUrl), e.g. a download meant for this reader only. */
  links?: readonly { title: string; url: string }[];
}

export interface MessageCardData extends CardFrame {
  title: string;
  color: CardColor;
  text: string;
  suggestions: string[];
  links: { title: string; url: string }[];
}

/** Every error and explanation the bot shows: a short title, the text, and optional suggestions and buttons. */
export function messageView(input: MessageInput, context: ViewContext): MessageCardData {
  return {
    ...cardFrame(input.buttons ?? [], undefined, context),
    title: oneLine(input.title, 150),
    color: KIND_COLORS[input.kind],
    text: input.text.trim().slice(0, 2000),
    suggestions: (input.suggestions ?? []).slice(0, MAX_SUGGESTIONS).map((line) => oneLine(line, 200)),
    links: (input.links ?? []).filter((link) => link.url.startsWith('https://')).map((link) => ({ title: oneLine(link.title, 60), url: link.url })),
  };
}
