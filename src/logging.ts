import { AsyncLocalStorage } from 'node:async_hooks';
import pino, { type DestinationStream, type Logger } from 'pino';

export type { Logger };

/** The correlation id of the activity being handled, carried through every await of its turn. */
const correlation = new AsyncLocalStorage<{ correlationId: string }>();

export function withCorrelation<T>(correlationId: string, work: () => T): T {
  return correlation.run({ correlationId }, work);
}

/** Field names whose values never reach a log line, wherever they appear in a logged object. */
const SECRET_FIELDS = [
  'authorization', 'Authorization', 'token', 'accessToken', 'access_token', 'assertion', 'ssoToken',
  'secret', 'clientSecret', 'client_secret', 'password', 'appPassword', 'MicrosoftAppPassword', 'cardSigningSecret',
];

const REDACT_PATHS = [...SECRET_FIELDS, ...SECRET_FIELDS.map((field) => `*.${field}`), 'req.headers.authorization', 'headers.authorization'];

/**
 * Structured JSON logs (pino): each line carries the turn's correlation id, secrets are redacted
 * by field name, and free text is scrubbed of anything shaped like a token.
 */
export function createLogger(level = 'info', destination?: DestinationStream): Logger {
  return pino({
    level,
    base: { service: 'defender-chatops' },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    mixin: () => correlation.getStore() ?? {},
    hooks: {
      // Messages are free text (often an error's message from a library): scrub them too.
      logMethod(args, method) {
        method.apply(this, args.map((arg) => (typeof arg === 'string' ? scrub(arg) : arg)) as Parameters<typeof method>);
      },
    },
  }, destination);
}

// Each of these matches in time linear in the text: a run of token characters is taken whole
// (JWTs are then found in it by redactJwts), and the others cannot backtrack further than one run.
const TOKEN_RUN = /[A-Za-z0-9_.-]+/g;
const BEARER = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi;
const SECRET_PARAMETER = /\b(client_secret|assertion|access_token|refresh_token|id_token|password)=[^&\s"']+/gi;

/** Removes anything that looks like a token or a secret parameter from free text. */
export function scrub(text: string): string {
  return text
    .replace(TOKEN_RUN, redactJwts)
    .replace(BEARER, '$1 [redacted]')
    .replace(SECRET_PARAMETER, '$1=[redacted]');
}

/**
 * In one run of token characters, every `eyJ<5+>.<5+>.<any>` (a JWT: header, payload, signature)
 * becomes `[redacted-jwt]`. One pass over the run's dot-separated segments: a JWT starts at the
 * first `eyJ` of a segment (a later one leaves a shorter header, so it cannot match where that failed).
 */
function redactJwts(run: string): string {
  if (!run.includes('eyJ')) return run;
  const segments = run.split('.');
  const out: string[] = [];
  let index = 0;
  while (index < segments.length) {
    const segment = segments[index];
    const start = segment.indexOf('eyJ');
    if (start >= 0 && index + 2 < segments.length && segment.length - start >= 8 && segments[index + 1].length >= 5) {
      out.push(`${segment.slice(0, start)}[redacted-jwt]`);
      index += 3;
    } else {
      out.push(segment);
      index += 1;
    }
  }
  return out.join('.');
}

/** The `(line) => void` logging port the modules take, writing warnings to the structured log. */
export function lineLogger(logger: Logger): (line: string) => void {
  return (line) => logger.warn(line);
}
