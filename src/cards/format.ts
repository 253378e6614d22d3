import { cardLocale, type CardLocale } from './locale';
import { fill, stringsFor, type CardStrings } from './strings';

/** What every view needs besides its entities: the language and the instant to measure ages from. */
export interface ViewContext {
  locale: CardLocale;
  strings: CardStrings;
  now: Date;
}

export function viewContext(requestedLocale: string | null | undefined, now: Date): ViewContext {
  const locale = cardLocale(requestedLocale);
  return { locale, strings: stringsFor(locale), now };
}

/** Adaptive Card text colours the cards use (TextRun `color`). */
export type CardColor = 'default' | 'accent' | 'good' | 'warning' | 'attention';

/** A value shown with a colour, e.g. a severity or a status. */
export interface Coloured {
  text: string;
  color: CardColor;
}

/** `2024-05-01 13:45 UTC`; Defender's 7-digit fractions parse fine with Date (extra digits ignored). */
export function utcTime(iso: string | null | undefined, context: ViewContext): string {
  const instant = parseInstant(iso);
  if (instant === null) return context.strings.unknown;
  const text = new Date(instant).toISOString();
  return `${text.slice(0, 10)} ${text.slice(11, 16)} UTC`;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/**
 * "3 hr. ago" / "för 3 tim sedan" (ICU's short style), rounded to the nearest unit; "just now"
 * under a minute or for a future instant (clock skew).
 */
export function age(iso: string | null | undefined, context: ViewContext): string {
  const instant = parseInstant(iso);
  if (instant === null) return context.strings.unknown;
  const elapsed = context.now.getTime() - instant;
  if (elapsed < MINUTE) return context.strings.justNow;
  const format = relativeTimeFormat(context.locale);
  const minutes = Math.round(elapsed / MINUTE);
  if (minutes < 60) return format.format(-minutes, 'minute');
  const hours = Math.round(elapsed / HOUR);
  if (hours < 24) return format.format(-hours, 'hour');
  return format.format(-Math.round(elapsed / DAY), 'day');
}

const relativeTimeFormats = new Map<string, Intl.RelativeTimeFormat>();

/** One formatter per locale: building one costs more than the rest of a card's formatting. */
function relativeTimeFormat(locale: string): Intl.RelativeTimeFormat {
  let format = relativeTimeFormats.get(locale);
  if (!format) {
    format = new Intl.RelativeTimeFormat(locale, { style: 'short', numeric: 'always' });
    relativeTimeFormats.set(locale, format);
  }
  return format;
}

/** `2024-05-01 13:45 UTC (3 hr. ago)`. */
export function timeWithAge(iso: string | null | undefined, context: ViewContext): string {
  if (parseInstant(iso) === null) return context.strings.unknown;
  return `${utcTime(iso, context)} (${age(iso, context)})`;
}

/** `2024-05-01 14:15 UTC (in 30 min)` for an instant ahead; past ones as timeWithAge. */
export function timeWithCountdown(iso: string, context: ViewContext): string {
  const instant = parseInstant(iso);
  if (instant === null) return context.strings.unknown;
  const ahead = instant - context.now.getTime();
  if (ahead <= 0) return timeWithAge(iso, context);
  const format = relativeTimeFormat(context.locale);
  const until = ahead < HOUR ? format.format(Math.ceil(ahead / MINUTE), 'minute')
    : ahead < DAY ? format.format(Math.round(ahead / HOUR), 'hour') : format.format(Math.round(ahead / DAY), 'day');
  return `${utcTime(iso, context)} (${until})`;
}

function parseInstant(iso: string | null | undefined): number | null {
  if (!iso) return null;
  const instant = Date.parse(iso);
  return Number.isNaN(instant) ? null : instant;
}

/** At most `max` items, and the "and N more" line for the rest ('' when nothing was left out). */
export function firstOf<T>(items: readonly T[], max: number, context: ViewContext): { shown: T[]; more: string } {
  const rest = items.length - max;
  return { shown: items.slice(0, max), more: rest > 0 ? fill(context.strings.andMore, { count: rest }) : '' };
}

/** A list as one line, "a, b, c and 2 more". */
export function listLine(items: readonly string[], max: number, context: ViewContext): string {
  const { shown, more } = firstOf(items, max, context);
  return more ? `${shown.join(', ')} ${more}` : shown.join(', ');
}

/**
 * Text from Defender (titles, names, command lines, comments) as one line of bounded length:
 * it is shown in TextRuns (never markdown), so only line breaks and length need care.
 */
export function oneLine(text: string | null | undefined, maxLength: number): string {
  const line = (text ?? '').replace(/\s+/g, ' ').trim();
  return line.length > maxLength ? `${line.slice(0, maxLength - 1).trimEnd()}…` : line;
}
