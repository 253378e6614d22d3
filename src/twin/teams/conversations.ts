import { randomUUID } from 'node:crypto';
import type { TwinClock } from '../clock';
import type { Directory } from '../directory';
import {
  botAccountId, groupChatThreadId, parseConversationId, personalConversationId, teamsUserId, teamThreadId,
} from './ids';

export type ConversationType = 'personal' | 'groupChat' | 'channel';

/** A user as the Teams connector describes them (members endpoints, `from` of activities). */
export interface TeamsChannelAccount {
  id: string;
  name: string;
  aadObjectId: string;
  userPrincipalName: string;
  email: string;
  givenName: string;
  surname: string;
  tenantId: string;
  userRole: 'user';
}

export interface WireAttachment {
  contentType: string;
  content?: unknown;
  contentUrl?: string;
  name?: string;
}

/** An activity as JSON on the wire (only the fields the twin reads are typed). */
export interface WireActivity {
  type: string;
  id?: string;
  text?: string;
  attachments?: WireAttachment[];
  entities?: Record<string, unknown>[];
  replyToId?: string;
  [field: string]: unknown;
}

export interface Team {
  id: string;
  name: string;
  aadGroupId: string;
  tenantId: string;
  memberOids: string[];
  /** The first channel is General, whose id equals the team id. */
  channels: Conversation[];
  botInstalled: boolean;
}

export interface Conversation {
  id: string;
  type: ConversationType;
  tenantId: string;
  name?: string;
  /** Channels only; a channel's members and installation are its team's. */
  team?: Team;
  memberOids: string[];
  botInstalled: boolean;
  messages: Map<string, Message>;
}

export type MessageAuthor = { kind: 'user'; oid: string } | { kind: 'bot' };

export interface Message {
  id: string;
  /** The conversation id it was posted to, with `;messageid=` for a channel thread. */
  conversationId: string;
  threadRootId?: string;
  author: MessageAuthor;
  /** Every version of the message, oldest first; clients show the last one. */
  versions: WireActivity[];
  deleted: boolean;
  /** Cards shown to one user (by oid) in place of the message's card, from invoke responses. */
  userViews: Map<string, unknown>;
}

export interface TranscriptEntry {
  id: string;
  /** `bot`, or the oid of the user who wrote it. */
  from: string;
  threadRootId?: string;
  text?: string;
  attachments: WireAttachment[];
  /** The Adaptive Cards of the current version. */
  cards: unknown[];
  /** 1 for an unchanged message, +1 per update. */
  version: number;
  deleted: boolean;
  userViews: Record<string, unknown>;
}

export const ADAPTIVE_CARD_CONTENT_TYPE = 'application/vnd.microsoft.card.adaptive';

/** Teams as the bot sees it: teams, channels, chats, their members, the bot's installations, the messages. */
export class TeamsState {
  private readonly teams = new Map<string, Team>();
  private readonly conversations = new Map<string, Conversation>();
  private lastActivityId = 0;

  constructor(
    private readonly directory: Directory,
    private readonly clock: TwinClock,
    readonly botAppId: string,
    readonly botName: string,
  ) {}

  get botAccount(): { id: string; name: string } {
    return { id: botAccountId(this.botAppId), name: this.botName };
  }

  account(oid: string): TeamsChannelAccount {
    const user = this.directory.requireUser(oid);
    const [givenName, ...rest] = user.displayName.split(' ');
    return {
      id: teamsUserId(this.botAppId, oid),
      name: user.displayName,
      aadObjectId: oid,
      userPrincipalName: user.upn,
      email: user.upn,
      givenName,
      surname: rest.join(' '),
      tenantId: user.tenantId,
      userRole: 'user',
    };
  }

  /** The directory user a Teams user id or an Entra object id names (the connector accepts both). */
  userOid(teamsOrAadId: string): string | undefined {
    return [...this.directory.users.keys()].find((oid) => this.names(oid, teamsOrAadId));
  }

  memberOid(conversation: Conversation, memberId: string): string | undefined {
    return this.members(conversation).find((oid) => this.names(oid, memberId));
  }

  private names(oid: string, teamsOrAadId: string): boolean {
    return oid === teamsOrAadId || teamsUserId(this.botAppId, oid) === teamsOrAadId;
  }

  createTeam(options: { name: string; members: string[]; channels?: string[] }): Team {
    const tenantId = this.directory.requireUser(options.members[0]).tenantId;
    const id = teamThreadId(`${options.name}|${this.teams.size}`);
    const team: Team = {
      id, name: options.name, aadGroupId: randomUUID(), tenantId, memberOids: [...options.members],
      channels: [], botInstalled: false,
    };
    this.teams.set(id, team);
    this.addChannelConversation(team, id, 'General');
    for (const name of options.channels ?? []) this.addChannel(team, name);
    return team;
  }

  addChannel(team: Team, name: string): Conversation {
    return this.addChannelConversation(team, teamThreadId(`${team.id}|${name}`), name);
  }

  team(teamId: string): Team | undefined {
    return this.teams.get(teamId);
  }

  personalChat(oid: string): Conversation {
    const id = personalConversationId(this.botAppId, oid);
    return this.conversations.get(id) ?? this.addConversation({
      id, type: 'personal', tenantId: this.directory.requireUser(oid).tenantId, memberOids: [oid],
    });
  }

  groupChat(members: string[], topic?: string): Conversation {
    return this.addConversation({
      id: groupChatThreadId(`${members.join(',')}|${this.conversations.size}`),
      type: 'groupChat',
      tenantId: this.directory.requireUser(members[0]).tenantId,
      name: topic,
      memberOids: [...members],
    });
  }

  /** The conversation an id names, ignoring a `;messageid=` thread suffix. */
  conversation(conversationId: string): Conversation | undefined {
    return this.conversations.get(parseConversationId(conversationId).baseId);
  }

  members(conversation: Conversation): string[] {
    return conversation.team ? conversation.team.memberOids : conversation.memberOids;
  }

  isBotInstalled(conversation: Conversation): boolean {
    return conversation.team ? conversation.team.botInstalled : conversation.botInstalled;
  }

  setBotInstalled(target: Team | Conversation, installed: boolean): void {
    target.botInstalled = installed;
  }

  /** Can the bot open a 1:1 chat with the user? Only where its app is installed for them. */
  canReachUser(oid: string): boolean {
    if (this.personalChat(oid).botInstalled) return true;
    return [...this.conversations.values()].some(
      (conversation) => this.isBotInstalled(conversation) && this.members(conversation).includes(oid),
    );
  }

  /** Teams message ids are epoch milliseconds; kept unique even within one millisecond. */
  nextActivityId(): string {
    this.lastActivityId = Math.max(this.clock.now(), this.lastActivityId + 1);
    return String(this.lastActivityId);
  }

  addMessage(
    conversation: Conversation,
    message: { id: string; conversationId: string; author: MessageAuthor; activity: WireActivity },
  ): Message {
    const stored: Message = {
      id: message.id,
      conversationId: message.conversationId,
      threadRootId: parseConversationId(message.conversationId).threadRootId,
      author: message.author,
      versions: [{ ...message.activity, id: message.id }],
      deleted: false,
      userViews: new Map(),
    };
    conversation.messages.set(message.id, stored);
    return stored;
  }

  /** Finds a message by id across all conversations (clicks name only the message). */
  findMessage(messageId: string): { conversation: Conversation; message: Message } | undefined {
    for (const conversation of this.conversations.values()) {
      const message = conversation.messages.get(messageId);
      if (message) return { conversation, message };
    }
    return undefined;
  }

  transcript(conversation: Conversation): TranscriptEntry[] {
    return [...conversation.messages.values()].map((message) => {
      const current = message.versions[message.versions.length - 1];
      const attachments = current.attachments ?? [];
      return {
        id: message.id,
        from: message.author.kind === 'bot' ? 'bot' : message.author.oid,
        threadRootId: message.threadRootId,
        text: current.text,
        attachments,
        cards: attachments
          .filter((attachment) => attachment.contentType === ADAPTIVE_CARD_CONTENT_TYPE)
          .map((attachment) => attachment.content),
        version: message.versions.length,
        deleted: message.deleted,
        userViews: Object.fromEntries(message.userViews),
      };
    });
  }

  private addChannelConversation(team: Team, id: string, name: string): Conversation {
    const channel = this.addConversation({ id, type: 'channel', tenantId: team.tenantId, name, memberOids: [] });
    channel.team = team;
    team.channels.push(channel);
    return channel;
  }

  private addConversation(
    fields: Pick<Conversation, 'id' | 'type' | 'tenantId' | 'name' | 'memberOids'>,
  ): Conversation {
    const conversation: Conversation = { ...fields, botInstalled: false, messages: new Map() };
    this.conversations.set(conversation.id, conversation);
    return conversation;
  }
}
