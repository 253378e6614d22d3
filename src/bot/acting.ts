import type { AccessTokenSource } from '../defender/client';
import type { TeamsUser, UserDefenderToken } from '../identity/user-tokens';

/** Who is acting in a turn, with their own delegated Defender token, and where. */
export interface Acting {
  user: TeamsUser;
  token: UserDefenderToken;
  conversationId: string;
  locale: string;
}

export function tokenSource(acting: Acting): AccessTokenSource {
  return async () => acting.token.accessToken;
}
