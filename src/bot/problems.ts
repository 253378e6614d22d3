import crypto from 'node:crypto';
import { type CardStrings, fill, stringsForLocale } from '../cards/strings';
import { DefenderApiError, isResponseAction } from '../defender/errors';
import { StoreUnavailableError } from '../store/store';
import { ThrottledReplyError } from './reply-pacing';
import type { MessageView } from './views';

type ProblemStrings = CardStrings['bot']['problems'];

/**
 * Turns any failure into a message a person can act on, in their language. Defender's errors say
 * what went wrong and what to do (built from the error's fields; its English `message` is for
 * logs); a storage outage and Teams' throttling say so plainly; anything else gets a reference id that matches the server's log line.
 */
export function problemView(error: unknown, locale: string, log: (line: string) => void = console.error): MessageView {
  const strings = stringsForLocale(locale).bot.problems;
  if (error instanceof DefenderApiError) {
    const kind = error.kind === 'throttled' || error.kind === 'already_in_progress' ? 'warning' : 'error';
    return { kind, title: strings.titles[error.kind], text: describe(error, strings) };
  }
  if (error instanceof StoreUnavailableError) return { kind: 'warning', title: strings.storageUnavailableTitle, text: strings.storageUnavailableText };
  if (error instanceof ThrottledReplyError) return { kind: 'warning', title: strings.teamsThrottledTitle, text: strings.teamsThrottledText };
  const reference = crypto.randomBytes(4).toString('hex');
  log(`unexpected error (ref ${reference}): ${error instanceof Error ? error.message : String(error)}`)
  return { kind: 'error', title: strings.unexpectedTitle, text: fill(strings.unexpectedText, { reference }) };
}

/** The bot's storage or Teams is out for a while: nothing was done, and the same click later may work. */
export function isPassingOutage(error: unknown): boolean {
  return error instanceof StoreUnavailableError || error instanceof ThrottledReplyError;
}

function describe(error: DefenderApiError, strings: ProblemStrings): string {
  const doing = error.operation ? strings.operations[error.operation] : strings.anyOperation;
  const said = error.serverMessage ? fill(strings.serverSaid, { message: error.serverMessage }) : '';
  // A failed action may still have reached Defender: say so, so nobody blindly repeats it.
  const outcomeUnknown = error.operation && isResponseAction(error.operation) ? strings.actionOutcomeUnknown : strings.tryAgainSoon;
  switch (error.kind) {
    case 'unauthorized':
      return fill(strings.unauthorized, { doing });
    case 'forbidden': {
      const access = error.requiredAccess;
      const needs = access
        ? fill(strings.forbiddenNeeds, {
          rolePermission: access.rolePermission,
          apiPermissions: access.delegatedPermissions.join(strings.permissionSeparator),
        })
        : '';
      return fill(strings.forbidden, { doing }) + needs + said;
    }
    case 'not_found':
      return error.subject ? fill(strings.notFound[error.subject.kind], { id: error.subject.id }) : strings.notFoundAnything;
    case 'throttled':
      return fill(strings.throttled, { seconds: error.retryAfterSeconds ?? 60 });
    case 'already_in_progress': {
      const subject = error.subject ? fill(strings.subjects[error.subject.kind], { id: error.subject.id }) : strings.thisDevice;
      return fill(strings.alreadyInProgress, { doing, subject });
    }
    case 'bad_request':
      return error.status === undefined
        ? fill(strings.invalidInput, { detail: error.detail ?? '' }).trim()
        : fill(strings.rejected, { doing }) + said;
    case 'unsupported_os':
      return fill(strings.unsupportedOs, { doing }) + said;
    case 'server':
      return fill(strings.server, { doing, status: error.status ?? 500 }) + outcomeUnknown;
    case 'timeout':
      return fill(strings.timeout, { doing, seconds: Math.ceil((error.timeoutMs ?? 0) / 1000) }) + outcomeUnknown;
    case 'network':
      return fill(strings.network, { doing }) + outcomeUnknown;
    case 'malformed_response':
      return fill(strings.malformed, { doing }) + outcomeUnknown;
  }
}
