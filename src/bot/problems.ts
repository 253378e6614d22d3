import crypto from 'node:crypto';
import { DefenderApiError } from '../defender/errors';
import type { MessageView } from './views';

/**
 * Turns any failure into a message a person can act on. Defender's errors already say what went
 * wrong and what to do; anything else gets a reference id that matches the server's log line.
 */
export function problemView(error: unknown, log: (line: string) => void = console.error): MessageView {
  if (error instanceof DefenderApiError) {
    const kind = error.kind === 'throttled' || error.kind === 'already_in_progress' ? 'warning' : 'error';
    return { kind, title: titleOf(error), text: error.message };
  }
  const reference = crypto.randomBytes(4).toString('hex');
  log(`unexpected error (ref ${reference}): ${error instanceof Error ? error.message : String(error)}`);
  return {
    kind: 'error',
    title: 'Something went wrong',
    text: `The bot could not complete this. Please try again; if it keeps failing, give your admin the reference ${reference}.`,
  };
}

function titleOf(error: DefenderApiError): string {
  switch (error.kind) {
    case 'forbidden':
      return 'Not allowed';
    case 'not_found':
      return 'Not found';
    case 'throttled':
      return 'Defender is busy';
    case 'already_in_progress':
      return 'Already in progress';
    case 'unauthorized':
      return 'Please sign in again';
    case 'unsupported_os':
      return 'Not supported on this device';
    case 'bad_request':
      return 'Check your input';
    default:
      return 'Defender is not answering';
  }
}
