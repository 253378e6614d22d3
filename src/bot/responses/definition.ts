import { type CardStrings, fill } from '../../cards/strings';
import type { ConfirmActionInput, ConfirmTexts, StaleReason } from '../../cards/views';
import type { AccessTokenSource, DefenderClient } from '../../defender/client';
import type { IsolationState } from '../../defender/isolation';
import type { Alert, Machine, MachineAction, MachineActionType } from '../../defender/model';
import type { ResponseEndpoint } from '../../defender/response-endpoints';

/** The confirmation's one choice besides the comment (isolation type, scan type); a typed word naming a value preselects it. */
export interface ResponseChoice {
  /** The input's id: Teams merges its value into the Confirm action's data under it. */
  id: string;
  values: readonly string[];
  initial: string;
}

/**
 * What a response acts on besides the device (a file's SHA-1): typed before it
 * (`quarantine <sha1> on <device>`), signed into its buttons under `id`, checked again before sending.
 */
export interface ResponseArgument {
  id: string;
  pattern: RegExp;
  /** The word between the argument and the device when typed. */
  joiner: string;
  /** The values an alert's card offers it for, each with the name its button shows. */
  fromAlert(alert: Alert): { value: string; label: string }[];
}

/** A finished action's result fetched on click, for the clicker only (the investigation package's link). */
export interface ResponseResult {
  /** Reads the short-lived link as the clicker. */
  link(defender: DefenderClient, token: AccessTokenSource, actionId: string): Promise<string>;
  texts(strings: CardStrings): ResultTexts;
}

export interface ResultTexts {
  button: string;
  /** Names `{device}`. */
  title: string;
  text: string;
  open: string;
  /** The clicker's own card offers a fresh link under this title. */
  again: string;
  throttledTitle: string;
  /** Names `{seconds}`. */
  throttled: string;
}

/** What the bot shows for a response, in one language. */
export interface ResponseTexts extends ConfirmTexts {
  /** The button that asks for it; `{file}` names the argument's label (the file a Quarantine button is for). */
  button: string;
  /** The confirmation's Confirm button. */
  confirm: string;
  /** The answer to a confirmation whose choice is none of the values. */
  invalidChoice?: string;
  /** The answer to an argument of the wrong shape (a SHA-1 that is not 40 hex characters). */
  invalidArgument?: string;
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
  argument?: ResponseArgument;
  /** Defender's body besides `Comment`. */
  body(choice: string | undefined, argument: string | undefined): Record<string, string>;
  /** Offered on the status card once an action of the definition's own type succeeded. */
  result?: ResponseResult;
  blocked(state: IsolationState): Blocked;
  /** Whether the device's OS can run it, where the card read the device (Defender still decides when it is typed). */
  supports?(machine: Pick<Machine, 'osPlatform' | 'version'>): boolean;
  /** The cards that offer it (default both): the alert card keeps room for the evidence's responses. */
  offeredOn?: readonly ('device' | 'alert')[];
  style: 'default' | 'positive' | 'destructive';
  texts(strings: CardStrings): ResponseTexts;
}

/** The confirmation card's texts and choice for a response, in a language, with the typed or preselected values. */
export function confirmationOf(
  definition: ResponseDefinition, strings: CardStrings, defaults: { comment?: string; choice?: string; argument?: string } = {},
): Pick<ConfirmActionInput, 'texts' | 'choice' | 'comment'> {
  const { choice } = definition;
  const texts = definition.texts(strings);
  return {
    texts: definition.argument ? { ...texts, text: fill(texts.text, { [definition.argument.id]: defaults.argument ?? '' }) } : texts,
    choice: choice && { id: choice.id, values: choice.values, value: defaults.choice ?? choice.initial },
    comment: defaults.comment ?? '',
  };
}
