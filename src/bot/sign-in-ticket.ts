import type { TeamsUser } from '../identity/user-tokens';
import { ActionRejectedError, type ActionSigner } from './signed-actions';

const TICKET_VERB = 'auth.start';
/** Tickets are bound to no conversation: they travel in a sign-in URL, not on a card button. */
const TICKET_SCOPE = 'sign-in';
/** An OAuthCard or sign-in answer is used within minutes; a day covers a card left open. */
const TICKET_LIFETIME_SECONDS = 24 * 60 * 60;
const MAX_TICKET_LENGTH = 2048;

/**
 * The sign-in button's URL names the user it is for in a ticket signed by the bot, so `/auth/start`
 * starts a sign-in only for a Teams user the bot asked to sign in (and in their language).
 */
export function signTicket(signer: ActionSigner, user: TeamsUser, locale: string): string {
  const data = signer.sign(TICKET_VERB, { oid: user.aadObjectId, tid: user.tenantId, locale }, TICKET_SCOPE);
  return Buffer.from(JSON.stringify(data)).toString('base64url');
}

export function readTicket(signer: ActionSigner, ticket: unknown): { user: TeamsUser; locale: string } | undefined {
  if (typeof ticket !== 'string' || ticket.length > MAX_TICKET_LENGTH) return undefined;
  try {
    const data: unknown = JSON.parse(Buffer.from(ticket, 'base64url').toString('utf8'));
    const { params } = signer.verify(TICKET_VERB, data, TICKET_SCOPE, TICKET_LIFETIME_SECONDS);
    if (!params.oid || !params.tid) return undefined;
    return { user: { aadObjectId: params.oid, tenantId: params.tid }, locale: params.locale ?? 'en-US' };
  } catch (error) {
    if (error instanceof SyntaxError || error instanceof ActionRejectedError) return undefined;
    throw error;
  }
}
