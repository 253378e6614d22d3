import type { Attachment } from 'botbuilder';
import { stringsForLocale } from '../cards/strings';
import type { AccessTokenSource } from '../defender/http';
import type { ExchangeOutcome, TeamsUser } from '../identity/user-tokens';
import type { Acting } from './acting';
import type { Views } from './views';

/** The acting user's delegated Microsoft Graph token (same sign-in, same sealed cache). */
export type GraphTokens = (user: TeamsUser) => Promise<ExchangeOutcome>;

/** The user's Graph token as a token source, or the card that says why there is none (consent missing, sign in again). */
export async function graphTokenOrCard(acting: Acting, tokens: GraphTokens, views: Views): Promise<AccessTokenSource | Attachment> {
  const outcome = await tokens(acting.user);
  if (outcome.ok) return async () => outcome.token.accessToken;
  const strings = stringsForLocale(acting.locale).incidents;
  const message = outcome.reason === 'consent_required' || outcome.reason === 'interaction_required'
    ? { title: strings.graphConsentTitle, text: strings.graphConsentText }
    : outcome.reason === 'unavailable'
      ? { title: strings.graphConsentTitle, text: strings.graphUnavailableText }
      : { title: strings.graphSignInTitle, text: strings.graphSignInText };
  return views.message(acting.locale, { kind: 'warning', ...message });
}
