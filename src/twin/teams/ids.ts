import crypto from 'node:crypto';

/**
 * Teams identifiers (reference teams-bot.md §3). User and personal-chat ids are derived per bot,
 * as in Teams, so the same user has different `29:` ids towards different bots.
 */
function digest(...parts: string[]): Buffer {
  return crypto.createHash('sha256').update(parts.join('|')).digest();
}

export function teamsUserId(botAppId: string, oid: string): string {
  return `29:1${digest('user', botAppId, oid).toString('base64url').slice(0, 42)}`;
}

export function botAccountId(botAppId: string): string {
  return `28:${botAppId}`;
}

export function personalConversationId(botAppId: string, oid: string): string {
  return `a:1${digest('personal', botAppId, oid).toString('base64url').slice(0, 60)}`;
}

export function teamThreadId(seed: string): string {
  return `19:${digest('team', seed).toString('hex').slice(0, 32)}@thread.skype`;
}

export function groupChatThreadId(seed: string): string {
  return `19:${digest('chat', seed).toString('hex').slice(0, 32)}@thread.v2`;
}

/** A channel post's thread: `<channel id>;messageid=<root post id>`. */
export function channelThreadId(channelId: string, rootMessageId: string): string {
  return `${channelId};messageid=${rootMessageId}`;
}

/** Splits a conversation id into the conversation (chat or channel) and the thread root, if any. */
export function parseConversationId(conversationId: string): { baseId: string; threadRootId?: string } {
  const [baseId, ...rest] = conversationId.split(';');
  const thread = rest.find((part) => part.startsWith('messageid='));
  return { baseId, threadRootId: thread?.slice('messageid='.length) };
}
