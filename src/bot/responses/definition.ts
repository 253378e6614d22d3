import type { CardStrings } from '../../cards/strings';
import type { ConfirmActionInput, ConfirmTexts, StaleReason } from '../../cards/views';
import type { IsolationState } from '../../defender/isolation';
import type { MachineAction, MachineActionType } from '../../defender/model';
import type { ResponseEndpoint } from '../../defender/response-endpoints';

/** The confirmation's one choice besides the comment (isolation type, scan type); a typed word naming a value preselects it. */
export interface ResponseChoice {
  /** The input's id: Teams merges its value into the Confirm action's data under it. */
  id: string;
  values: readonly string[];
  initial: string;
}

/** What the bot shows for a response, in one language. */
export interface ResponseTexts extends ConfirmTexts {
  /** The button that asks for it. */
  button: string;
  /** The confirmation's Confirm button. */
  confirm: string;
  /** The answer to a confirmation whose choice is none of the values. */
  invalidChoice?: string;
}

/** Why a response may not be sent for a device in a state (undefined: it may), and the action that decides. */
export type Blocked = { reason: StaleReason; action: MachineAction | null } | undefined;

/**
 * One machine response action: everything the bot needs to offer, confirm, send, follow and audit
 * it. The pipeline (responses.ts) runs the lifecycle, the registry builds verbs, words and usage.
 */
export interface ResponseDefinition {
  /** Verb prefix (`<name>.ask`, `<name>.confirm`): signed into posted cards, so never renamed. */
  name: string;
  /** Typed command words; the first is the one help shows. */
  words: readonly string[];
  usage: string;
  endpoint: ResponseEndpoint;
  /**
   * The action types whose recent history decides whether it applies (read in one request): one
   * pending blocks it, and the status card of a finished one offers the family again.
   */
  family: readonly MachineActionType[];
  choice?: ResponseChoice;
  /** Defender's body besides `Comment`. */
  body(choice: string | undefined): Record<string, string>;
  blocked(state: IsolationState): Blocked;
  style: 'default' | 'positive' | 'destructive';
  texts(strings: CardStrings): ResponseTexts;
}

/** The confirmation card's texts and choice for a response, in a language, with the typed or preselected values. */
export function confirmationOf(
  definition: ResponseDefinition, strings: CardStrings, defaults: { comment?: string; choice?: string } = {},
): Pick<ConfirmActionInput, 'texts' | 'choice' | 'comment'> {
  const { choice } = definition;
  return {
    texts: definition.texts(strings),
    choice: choice && { id: choice.id, values: choice.values, value: defaults.choice ?? choice.initial },
    comment: defaults.comment ?? '',
  };
}
