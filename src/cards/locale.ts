export type CardLocale = 'en-US' | 'sv-SE';

/** The card language for a Teams locale ('sv', 'sv-SE', 'sv-FI' → Swedish); English otherwise. */
export function cardLocale(requested?: string | null): CardLocale {
  const language = (requested ?? '').trim().toLowerCase().split(/[-_]/)[0];
  return language === 'sv' ? 'sv-SE' : 'en-US';
}
