import type { Activity, TurnContext } from 'botbuilder';
import { DefenderApiError } from '../defender/errors';
import type { Acting } from './acting';
import { type CommandDeps, runCommand } from './commands/run';
import { parseCommand } from './commands/parse';
import { problemView } from './problems';
import type { Views } from './views';

export interface TypedCommandDeps {
  commands: CommandDeps;
  views: Views;
}

/**
 * Runs a command a user typed, as that user, and posts its card (or what went wrong) in the
 * conversation: right away, or once a sign-in it had to wait for has completed. A token Defender
 * refuses (401: revoked, expired early) is thrown on: the caller forgets it and signs the user in.
 */
export async function postTypedCommand(
  context: Pick<TurnContext, 'activity'>, text: string, acting: Acting, deps: TypedCommandDeps,
  send: (message: Partial<Activity>) => Promise<unknown>,
): Promise<void> {
  const parsed = parseCommand(text);
  if (!parsed.ok || parsed.command.name === 'help' || parsed.command.name === 'signout') return;
  try {
    const card = await runCommand(parsed.command, acting, context, deps.commands);
    await send({ attachments: [card] });
  } catch (error) {
    if (isRefusedToken(error)) throw error;
    await send({ attachments: [deps.views.message(acting.locale, problemView(error, acting.locale))] });
  }
}

/** Defender refused the user's token itself (401), as opposed to what the token allows (403). */
export function isRefusedToken(error: unknown): boolean {
  return error instanceof DefenderApiError && error.kind === 'unauthorized';
}
