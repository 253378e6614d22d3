import type { TurnContext } from 'botbuilder';
import type { AccessTokenSource } from '../defender/client';
import type { TeamsUser, UserDefenderToken } from '../identity/user-tokens';

/** Who is acting in a turn, with their own delegated Defender token, and where. */
export interface Acting {
  user: TeamsUser;
  /** Their Teams user id (`29:…`), as cards' `refresh.userIds` name them. */
  teamsUserId: string;
  token: UserDefenderToken;
  conversationId: string;
  locale: string;
}

export function tokenSource(acting: Acting): AccessTokenSource {
  return async () => acting.token.accessToken;
}

/** How a turn's user is identified: from Teams, or (local mode only) the twin user the Playground stands for. */
export interface UserIdentification {
  userOf(context: TurnContext): TeamsUser | undefined;
  /** Local mode only: an SSO token for a user without Teams SSO (the Agents Playground). */
  localSsoToken?: (user: TeamsUser) => string;
}
