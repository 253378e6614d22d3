import { type CardLocale, cardLocale } from '../locale';
import { enUS, type CardStrings } from './en-US';
import { svSE } from './sv-SE';

export type { CardStrings };

const STRINGS: Record<CardLocale, CardStrings> = { 'en-US': enUS, 'sv-SE': svSE };

export function stringsFor(locale: CardLocale): CardStrings {
  return STRINGS[locale];
}

/** The strings for a Teams locale (`activity.locale`): Swedish for Swedish, English otherwise. */
export function stringsForLocale(locale: string | undefined): CardStrings {
  return STRINGS[cardLocale(locale)];
}

/** Fills `{name}` placeholders of a string from the cards' string tables. */
export function fill(text: string, values: Record<string, string | number>): string {
  return text.replace(/\{(\w+)\}/g, (placeholder, name: string) => (name in values ? String(values[name]) : placeholder));
}
