import { type CardStrings, fill, stringsForLocale } from '../../cards/strings';
import type { AlertUpdate } from '../../defender/alert-triage';
import type { Alert } from '../../defender/model';

/** What is wrong with a triage step's inputs (typed or the form's); the card layer says it in the user's language. */
export type TriageProblem =
  | { kind: 'comment_too_long'; length: number; max: number }
  | { kind: 'choice'; input: 'status' | 'verdict' | 'assignee' }
  | { kind: 'nothing_to_change' };

/**
 * One triage step on an alert (assign, resolve, the triage form): everything the bot needs to offer
 * it, turn its inputs into one `PATCH /api/alerts/{id}` as the user and audit it. The pipeline
 * (pipeline.ts) runs the lifecycle: inputs → one PATCH → audit line → every card of the alert updated.
 */
export interface TriageDefinition {
  /** The audit line's action. */
  action: 'AssignAlert' | 'ResolveAlert' | 'UpdateAlert';
  /** One PATCH's body from the inputs (untrusted), as the user with this UPN; or what is wrong with them. */
  update(inputs: Readonly<Record<string, unknown>>, upn: string): AlertUpdate | { problem: TriageProblem };
  /** Its button on alert cards, if it has one: the signed verb (never renamed once posted) and when it is offered. */
  button?: {
    verb: string;
    title(strings: CardStrings): string;
    /** `viewerUpn` is undefined on a notification card, which cannot know its readers. */
    offered(alert: Alert, viewerUpn?: string): boolean;
    /** It asks for its inputs first: the button opens its form (`<verb>`), whose Save sends `<verb>.save`. */
    form?: true;
  };
}

export const MAX_TRIAGE_COMMENT_LENGTH = 1000;

/** The comment of a step: optional, trimmed, bounded. */
export function triageComment(value: unknown): { comment?: string } | { problem: TriageProblem } {
  const comment = typeof value === 'string' ? value.trim() : '';
  if (comment.length > MAX_TRIAGE_COMMENT_LENGTH) {
    return { problem: { kind: 'comment_too_long', length: comment.length, max: MAX_TRIAGE_COMMENT_LENGTH } };
  }
  return comment ? { comment } : {};
}

/** What the card says when a step sent nothing: its input was wrong, or its form was saved already. */
export function triageRefusalView(
  outcome: { done: 'invalid_input'; problem: TriageProblem } | { done: 'already_saved' }, locale: string,
): { kind: 'warning' | 'info'; title: string; text: string } {
  if (outcome.done === 'invalid_input') return triageProblemView(outcome.problem, locale);
  const texts = stringsForLocale(locale).triage;
  return { kind: 'info', title: texts.alreadySavedTitle, text: texts.alreadySavedText };
}

/** What a triage problem card says, in the user's language. */
function triageProblemView(problem: TriageProblem, locale: string): { kind: 'warning'; title: string; text: string } {
  const strings = stringsForLocale(locale);
  const texts = strings.triage.problems;
  const text = problem.kind === 'comment_too_long'
    ? fill(strings.bot.responseInput.commentTooLong, { length: problem.length, max: problem.max })
    : problem.kind === 'nothing_to_change' ? texts.nothingToChange : texts.choice[problem.input];
  return { kind: 'warning', title: strings.bot.cardActions.checkInputTitle, text };
}
