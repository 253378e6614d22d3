import type { TwinClock } from '../clock';
import type { BotResponse, TeamsClients } from './clients';
import { ADAPTIVE_CARD_CONTENT_TYPE, type Conversation, type Message, type TeamsState } from './conversations';
import { teamsUserId } from './ids';

/**
 * Universal Actions' automatic refresh as Teams clients do it (teams-bot.md §6.1): a card with a
 * `refresh` is refreshed by a member's client with an `adaptiveCard/action` invoke of trigger
 * `automatic` when they view it and after each update of the message, if the member is listed in
 * `refresh.userIds`, or, without `userIds`, if the conversation has at most 60 members; never
 * while that member's last refresh (or the message's last version) is less than a minute old.
 */
export const AUTOMATIC_REFRESH_MAX_MEMBERS = 60;
export const AUTOMATIC_REFRESH_MIN_AGE_MS = 60_000;

/** One automatic refresh a member's client sent, and what the bot answered. */
export interface RefreshInvoke {
  userOid: string;
  messageId: string;
  reason: 'view' | 'update';
  atMs: number;
  response?: BotResponse;
  error?: string;
}

interface CardRefresh {
  action?: { type?: string; verb?: string; data?: unknown; id?: string };
  userIds?: unknown;
}

export class AutomaticRefresh {
  readonly invokes: RefreshInvoke[] = [];
  /** Conversations whose members all have them open: every post and update is viewed by each member's client. */
  private readonly watched = new Set<string>();
  private readonly lastRefresh = new Map<string, number>();
  private readonly versionAt = new Map<string, number>();

  constructor(
    private readonly state: TeamsState,
    private readonly clients: TeamsClients,
    private readonly clock: TwinClock,
    private readonly track: (work: Promise<unknown>) => void,
  ) {}

  watch(conversation: Conversation): void {
    this.watched.add(conversation.id);
  }

  posted(conversation: Conversation, message: Message): void {
    this.versionAt.set(message.id, this.clock.now());
    if (this.watched.has(conversation.id)) this.everyMember(conversation, message, 'view');
  }

  updated(conversation: Conversation, message: Message): void {
    this.versionAt.set(message.id, this.clock.now());
    if (this.watched.has(conversation.id)) this.everyMember(conversation, message, 'update');
  }

  /** A member looks at the message; their client refreshes it if Teams would. */
  async view(userOid: string, conversation: Conversation, message: Message): Promise<RefreshInvoke | undefined> {
    return this.refreshIfDue(userOid, conversation, message, 'view');
  }

  private everyMember(conversation: Conversation, message: Message, reason: RefreshInvoke['reason']): void {
    for (const oid of this.state.members(conversation)) this.track(this.refreshIfDue(oid, conversation, message, reason));
  }

  private async refreshIfDue(
    userOid: string, conversation: Conversation, message: Message, reason: RefreshInvoke['reason'],
  ): Promise<RefreshInvoke | undefined> {
    const refresh = refreshOf(message.userViews.get(userOid) ?? baseCard(message));
    if (!refresh?.action || refresh.action.type !== 'Action.Execute' || !this.refreshesFor(userOid, conversation, refresh)) return undefined;
    const now = this.clock.now();
    const key = `${message.id}|${userOid}`;
    const last = this.lastRefresh.get(key) ?? Number.NEGATIVE_INFINITY;
    if (now - last < AUTOMATIC_REFRESH_MIN_AGE_MS) return undefined;
    if (reason === 'view' && now - (this.versionAt.get(message.id) ?? now) < AUTOMATIC_REFRESH_MIN_AGE_MS) return undefined;
    this.lastRefresh.set(key, now);
    const value = {
      action: { type: 'Action.Execute', ...(refresh.action.id ? { id: refresh.action.id } : {}), verb: refresh.action.verb, data: refresh.action.data },
      trigger: 'automatic',
    };
    const invoke = this.clients.invoke(userOid, conversation, message.conversationId, 'adaptiveCard/action', value, message.id);
    const record: RefreshInvoke = { userOid, messageId: message.id, reason, atMs: now };
    this.invokes.push(record);
    try {
      record.response = await this.clients.post(invoke);
      const body = record.response.body as { statusCode?: unknown; type?: unknown; value?: unknown } | undefined;
      if (body?.statusCode === 200 && body.type === ADAPTIVE_CARD_CONTENT_TYPE) message.userViews.set(userOid, body.value);
    } catch (error) {
      record.error = error instanceof Error ? error.message : String(error);
    }
    return record;
  }

  private refreshesFor(userOid: string, conversation: Conversation, refresh: CardRefresh): boolean {
    if (Array.isArray(refresh.userIds)) return refresh.userIds.includes(teamsUserId(this.state.botAppId, userOid));
    return this.state.members(conversation).length <= AUTOMATIC_REFRESH_MAX_MEMBERS;
  }
}

function baseCard(message: Message): unknown {
  const attachments = message.versions[message.versions.length - 1].attachments ?? [];
  return attachments.find((attachment) => attachment.contentType === ADAPTIVE_CARD_CONTENT_TYPE)?.content;
}

function refreshOf(card: unknown): CardRefresh | undefined {
  if (!card || typeof card !== 'object') return undefined;
  const refresh = (card as { refresh?: unknown }).refresh;
  return refresh && typeof refresh === 'object' ? (refresh as CardRefresh) : undefined;
}
