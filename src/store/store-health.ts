/**
 * Whether the store answers, as one log line when it stops (with the cause) and one when it is back
 * (with how long it was away), however many operations fail in between.
 */
export class StoreHealth {
  private downSince: number | undefined;

  constructor(private readonly name: string, private readonly log: (line: string) => void, private readonly now: () => number = Date.now) {}

  get available(): boolean {
    return this.downSince === undefined;
  }

  failed(cause: string): void {
    if (this.downSince !== undefined) return;
    this.downSince = this.now();
    this.log(`storage: ${this.name} is unavailable (${cause}); commands that need it say so, notifications wait, until it is back`);
  }

  answered(): void {
    if (this.downSince === undefined) return;
    const seconds = ((this.now() - this.downSince) / 1000).toFixed(1);
    this.downSince = undefined;
    this.log(`storage: ${this.name} is back after ${seconds} s`);
  }
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNABORTED']);
/** SQLSTATE: admin_shutdown, crash_shutdown, cannot_connect_now (starting), too_many_connections; class 08 is connection_exception. */
const UNAVAILABLE_STATES = new Set(['57P01', '57P02', '57P03', '53300']);
const CONNECTION_MESSAGES = /Connection terminated|timeout expired|Query read timeout|connection error and is not queryable|Connection ended unexpectedly/i;

/** True when a `pg` error means the database could not be reached or went away (worth trying again), not a refused statement. */
export function isConnectionFailure(error: unknown): boolean {
  // Duck-typed: Node's own errors are not `instanceof Error` in every realm (jest's, for one).
  if (!error || typeof error !== 'object') return false;
  const { code, message, errors } = error as { code?: unknown; message?: unknown; errors?: unknown };
  if (typeof code === 'string' && (NETWORK_CODES.has(code) || UNAVAILABLE_STATES.has(code) || code.startsWith('08'))) return true;
  if (Array.isArray(errors) && errors.some(isConnectionFailure)) return true;
  return typeof message === 'string' && CONNECTION_MESSAGES.test(message);
}
