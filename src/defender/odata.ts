import { DefenderApiError } from './errors';

/**
 * Literals for OData `$filter` expressions (reference §4.1). Inside a quoted OData string the only
 * special character is the quote itself, which is doubled; the whole query option is then
 * percent-encoded by `queryString`, so no input can end the literal or the query parameter.
 */

// Control characters (C0, DEL, C1) have no place in any value a Defender field holds.
const CONTROL_CHARACTERS = /\p{Cc}/u;
// Lone UTF-16 surrogates cannot be percent-encoded (encodeURIComponent throws on them).
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Refuses text that cannot travel safely in a URL: control characters and broken UTF-16. */
export function assertPrintable(value: string, what = 'value'): void {
  if (CONTROL_CHARACTERS.test(value) || LONE_SURROGATE.test(value)) {
    throw DefenderApiError.invalidInput(`The ${what} contains characters that cannot be sent to Defender.`);
  }
}

/** `o'brien` → `'o''brien'`. */
export function odataString(value: string): string {
  assertPrintable(value);
  return `'${value.replace(/'/g, "''")}'`;
}

// What Defender itself writes (up to 7 fractional digits, UTC): passed through verbatim so a
// watermark keeps its full precision instead of being truncated to milliseconds.
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,7})?)?Z$/;

/** An unquoted ISO-8601 UTC literal (`lastUpdateTime gt 2024-05-01T10:00:00.1234567Z`). */
export function odataDate(value: number | string | Date): string {
  if (typeof value === 'string' && ISO_UTC.test(value) && !Number.isNaN(Date.parse(value))) return value;
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) {
    throw DefenderApiError.invalidInput('The date is not a valid point in time.');
  }
  return date.toISOString();
}

/**
 * Orders Defender instants (`2021-01-26T20:33:57.7220239Z`) by time, at their full 100 ns precision,
 * whatever number of fractional digits each has.
 */
export function compareInstants(a: string, b: string): number {
  const byMs = Date.parse(a) - Date.parse(b);
  if (Number.isNaN(byMs)) return a < b ? -1 : a > b ? 1 : 0;
  if (byMs !== 0) return Math.sign(byMs);
  const ticks = (text: string) => (/\.(\d+)Z$/i.exec(text)?.[1] ?? '').padEnd(7, '0').slice(3, 7);
  return ticks(a) < ticks(b) ? -1 : ticks(a) > ticks(b) ? 1 : 0;
}

/** `field eq 'a'` for one value, `(field eq 'a' or field eq 'b')` for several. */
export function anyOf(field: string, values: readonly string[]): string {
  const terms = values.map((value) => `${field} eq ${odataString(value)}`);
  return terms.length === 1 ? terms[0] : `(${terms.join(' or ')})`;
}

export type QueryOptions = Record<string, string | number | undefined>;

/**
 * `?$filter=...&$top=5`: keys are OData system options (kept literal), values percent-encoded
 * (spaces as %20, never `+`, which some servers do not read as a space).
 */
export function queryString(options: QueryOptions): string {
  const parts = Object.entries(options)
    .filter((entry): entry is [string, string | number] => entry[1] !== undefined)
    .map(([key, value]) => `${key}=${encodeURIComponent(String(value))}`);
  return parts.length === 0 ? '' : `?${parts.join('&')}`;
}

/** One path segment (an id or a computer name), percent-encoded; `.` and `..` would be resolved away. */
export function pathSegment(value: string, what: string): string {
  assertPrintable(value, what);
  if (value.trim() === '' || /^\.+$/.test(value)) {
    throw DefenderApiError.invalidInput(`The ${what} "${value}" is not valid.`);
  }
  return encodeURIComponent(value);
}
