import type { IncomingMessage, ServerResponse } from 'node:http';
import { FaultInjector } from '../defender/faults';
import { TokenRejectedError, type EntraTwin } from '../entra';
import { bearerToken, readBody, sendJson, type TwinRouter } from '../http-server';
import type { Conversation, Message, TeamsState, WireActivity } from './conversations';
import { channelThreadId, parseConversationId } from './ids';
import type { MessageSizeLimit, OperationKind, TeamsRateLimits } from './limits';

/** The audience of the bot's tokens for the connector, per cloud (public, US Government / GCC High). */
export const BOT_FRAMEWORK_AUDIENCES = { public: 'https://api.botframework.com', usGovernment: 'https://api.botframework.us' } as const;
export type TeamsCloud = keyof typeof BOT_FRAMEWORK_AUDIENCES;
const DEFAULT_PAGE_SIZE = 200;
const MAX_PAGE_SIZE = 500;

/** One call the bot made to the connector, as the twin answered it. */
export interface ConnectorCall {
  method: string;
  path: string;
  status: number;
  /** The bearer token was valid (signature, issuer, audience, lifetime) and belongs to the bot. */
  tokenValidated: boolean;
  errorCode?: string;
}

class ConnectorError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

interface Answer {
  status: number;
  body?: unknown;
}

interface CallContext {
  req: IncomingMessage;
  params: Record<string, string | undefined>;
  query: URLSearchParams;
  /** Set once the bot's token is validated; every operation needs it. */
  tenantOfToken: string;
}

type Operation = (call: CallContext) => Promise<Answer> | Answer;

/**
 * The Bot Connector REST API v3 as Teams serves it under the service URL: every call needs the
 * bot's own Bot Framework token, is recorded, and answers errors in Teams' `{error: {code, message}}`.
 */
export class Connector {
  readonly calls: ConnectorCall[] = [];
  /**
   * Injected faults by operation: 'conversations.create', 'activities.send', 'activities.update',
   * 'activities.delete', 'members.get', 'teams.get' (a family such as 'activities', or '*').
   */
  readonly faults = new FaultInjector();

  constructor(
    private readonly entra: EntraTwin,
    private readonly state: TeamsState,
    private readonly rateLimits: TeamsRateLimits,
    private readonly sizeLimit: MessageSizeLimit,
    /** Told about every message the bot posts (the Teams clients react to some, e.g. OAuthCards). */
    private readonly onBotMessage: (conversation: Conversation, message: Message) => void,
    /** Told about every update of a bot message (clients showing it refresh their user-specific views). */
    private readonly onBotUpdate: (conversation: Conversation, message: Message) => void = () => undefined,
    private readonly cloud: TeamsCloud = 'public',
  ) {}

  registerRoutes(router: TwinRouter, prefix: string): void {
    const conversation = `${prefix}/v3/conversations/:conversationId`;
    const route = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, name: string, operation: Operation) =>
      router.on(method, path, (req, res, params) => void this.serve(req, res, params, name, operation));
    route('POST', `${prefix}/v3/conversations`, 'conversations.create', (call) => this.createConversation(call));
    route('POST', `${conversation}/activities`, 'activities.send', (call) => this.send(call));
    route('POST', `${conversation}/activities/:activityId`, 'activities.send', (call) => this.send(call));
    route('PUT', `${conversation}/activities/:activityId`, 'activities.update', (call) => this.update(call));
    route('DELETE', `${conversation}/activities/:activityId`, 'activities.delete', (call) => this.remove(call));
    route('GET', `${conversation}/members`, 'members.get', (call) => this.members(call));
    route('GET', `${conversation}/members/:memberId`, 'members.get', (call) => this.member(call));
    route('GET', `${conversation}/pagedmembers`, 'members.get', (call) => this.pagedMembers(call));
    route('GET', `${prefix}/v3/teams/:teamId`, 'teams.get', (call) => this.teamDetails(call));
    route('GET', `${prefix}/v3/teams/:teamId/conversations`, 'teams.get', (call) => this.teamChannels(call));
  }

  private async serve(
    req: IncomingMessage, res: ServerResponse, params: Record<string, string | undefined>, name: string, operation: Operation,
  ): Promise<void> {
    const url = new URL(req.url ?? '/', 'https://connector.invalid');
    const call: ConnectorCall = { method: req.method ?? '', path: url.pathname, status: 0, tokenValidated: false };
    this.calls.push(call);
    const { latencyMs, disruption } = this.faults.take(name);
    if (latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, latencyMs));
    if (disruption?.kind === 'resetConnection') {
      req.socket.destroy();
      return;
    }
    try {
      const tenantOfToken = this.authenticate(req);
      call.tokenValidated = true;
      if (disruption?.kind === 'throttle') {
        throw new ConnectorError(429, 'Throttled', 'Too many requests; retry later.', { 'Retry-After': String(disruption.retryAfterSeconds) });
      }
      if (disruption?.kind === 'serverError') {
        throw new ConnectorError(disruption.status, 'ServiceError', 'The service failed to process the request.');
      }
      const answer = await operation({ req, params, query: url.searchParams, tenantOfToken });
      call.status = answer.status;
      // Handled (a post is in the conversation), but the answer the bot needs (the activity id) never comes.
      if (answer.body === undefined || disruption?.kind === 'emptyBody') {
        res.writeHead(answer.status);
        res.end();
      } else {
        sendJson(res, answer.status, answer.body);
      }
    } catch (error) {
      const failure = error instanceof ConnectorError
        ? error
        : new ConnectorError(500, 'InternalServerError', 'The connector failed to process the request.');
      call.status = failure.status;
      call.errorCode = failure.code;
      if (res.headersSent) {
        res.destroy();
        return;
      }
      sendJson(res, failure.status, { error: { code: failure.code, message: failure.message } }, failure.headers);
    }
  }

  /** Returns the token's tenant; throws 401 unless it is a valid Bot Framework token of the bot. */
  private authenticate(req: IncomingMessage): string {
    const token = bearerToken(req);
    if (!token) throw unauthorized();
    try {
      const claims = this.entra.verifyAccessToken(token, [BOT_FRAMEWORK_AUDIENCES[this.cloud]]);
      if (claims.appid !== this.state.botAppId) {
        throw new ConnectorError(401, 'BotNotRegistered', 'The token does not belong to the bot of this conversation.');
      }
      return claims.tid;
    } catch (error) {
      if (error instanceof TokenRejectedError) throw unauthorized();
      throw error;
    }
  }

  private async send(call: CallContext): Promise<Answer> {
    const conversationId = requiredParam(call, 'conversationId');
    const conversation = this.reachableConversation(conversationId);
    const activity = await readActivity(call.req);
    this.limit('write', conversation, call);
    this.checkSize(activity);
    const parentId = call.params.activityId;
    const message = this.state.addMessage(conversation, {
      id: this.state.nextActivityId(),
      conversationId: this.threadFor(conversation, conversationId, parentId),
      author: { kind: 'bot' },
      activity: { ...activity, ...(parentId ? { replyToId: parentId } : {}) },
    });
    this.onBotMessage(conversation, message);
    return { status: 201, body: { id: message.id } };
  }

  private async update(call: CallContext): Promise<Answer> {
    const conversation = this.reachableConversation(requiredParam(call, 'conversationId'));
    const message = this.botMessage(conversation, requiredParam(call, 'activityId'));
    const activity = await readActivity(call.req);
    this.limit('other', conversation, call);
    this.checkSize(activity);
    message.versions.push({ ...activity, id: message.id });
    message.userViews.clear();
    this.onBotUpdate(conversation, message);
    return { status: 200, body: { id: message.id } };
  }

  private remove(call: CallContext): Answer {
    const conversation = this.reachableConversation(requiredParam(call, 'conversationId'));
    const message = this.botMessage(conversation, requiredParam(call, 'activityId'));
    this.limit('other', conversation, call);
    message.deleted = true;
    return { status: 200 };
  }

  /**
   * A bot can open a 1:1 chat with a user it can reach, or start a new thread in a channel of a team
   * it is installed in (`channelData.channel.id`); it cannot create group chats.
   */
  private async createConversation(call: CallContext): Promise<Answer> {
    const params = parseJsonObject(await readBody(call.req));
    const channelId = (params.channelData as { channel?: { id?: string } } | undefined)?.channel?.id;
    const activity = params.activity as WireActivity | undefined;
    if (channelId) {
      const channel = this.reachableConversation(channelId);
      if (!activity?.type) throw badArgument('A new channel thread needs an activity.');
      this.limit('write', channel, call);
      this.checkSize(activity);
      const id = this.state.nextActivityId();
      const threadId = channelThreadId(channel.id, id);
      const message = this.state.addMessage(channel, { id, conversationId: threadId, author: { kind: 'bot' }, activity });
      this.onBotMessage(channel, message);
      return { status: 201, body: { id: threadId, activityId: id } };
    }
    const members = Array.isArray(params.members) ? (params.members as { id?: string }[]) : [];
    if (params.isGroup || members.length !== 1 || !members[0].id) {
      throw badArgument('A bot can only create a one-on-one conversation with one member, or a channel thread.');
    }
    const oid = this.state.userOid(members[0].id);
    if (!oid) throw new ConnectorError(404, 'MemberNotFoundInConversation', 'The user was not found.');
    if (!this.state.canReachUser(oid)) {
      throw new ConnectorError(403, 'BotNotInConversationRoster', 'The bot is not installed for this user.');
    }
    const chat = this.state.personalChat(oid);
    this.state.setBotInstalled(chat, true);
    this.limit('write', chat, call);
    if (!activity?.type) return { status: 201, body: { id: chat.id } };
    this.checkSize(activity);
    const message = this.state.addMessage(chat, {
      id: this.state.nextActivityId(), conversationId: chat.id, author: { kind: 'bot' }, activity,
    });
    this.onBotMessage(chat, message);
    return { status: 201, body: { id: chat.id, activityId: message.id } };
  }

  private members(call: CallContext): Answer {
    const conversation = this.reachableConversation(requiredParam(call, 'conversationId'));
    this.limit('read', conversation, call);
    return { status: 200, body: this.state.members(conversation).map((oid) => this.state.account(oid)) };
  }

  private member(call: CallContext): Answer {
    const conversation = this.reachableConversation(requiredParam(call, 'conversationId'));
    this.limit('read', conversation, call);
    const oid = this.state.memberOid(conversation, requiredParam(call, 'memberId'));
    if (!oid) throw new ConnectorError(404, 'MemberNotFoundInConversation', 'The member was not found in the conversation.');
    return { status: 200, body: this.state.account(oid) };
  }

  private pagedMembers(call: CallContext): Answer {
    const conversation = this.reachableConversation(requiredParam(call, 'conversationId'));
    this.limit('read', conversation, call);
    const pageSize = Math.min(Number(call.query.get('pageSize')) || DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE);
    const token = call.query.get('continuationToken');
    const start = token ? Number(Buffer.from(token, 'base64url').toString('utf8')) : 0;
    if (!Number.isInteger(start) || start < 0) throw badArgument('Invalid continuation token.');
    const all = this.state.members(conversation);
    const end = start + pageSize;
    return {
      status: 200,
      body: {
        members: all.slice(start, end).map((oid) => this.state.account(oid)),
        ...(end < all.length ? { continuationToken: Buffer.from(String(end)).toString('base64url') } : {}),
      },
    };
  }

  private teamDetails(call: CallContext): Answer {
    const team = this.installedTeam(requiredParam(call, 'teamId'), call);
    return { status: 200, body: { id: team.id, name: team.name, aadGroupId: team.aadGroupId } };
  }

  private teamChannels(call: CallContext): Answer {
    const team = this.installedTeam(requiredParam(call, 'teamId'), call);
    // Teams gives the General channel no name in this list.
    const conversations = team.channels.map((channel) => ({
      id: channel.id, ...(channel.id === team.id ? {} : { name: channel.name }),
    }));
    return { status: 200, body: { conversations } };
  }

  private installedTeam(teamId: string, call: CallContext) {
    const team = this.state.team(teamId);
    if (!team) throw new ConnectorError(404, 'ConversationNotFound', 'The team was not found.');
    if (!team.botInstalled) throw notInRoster();
    this.limit('read', team.channels[0], call);
    return team;
  }

  private reachableConversation(conversationId: string): Conversation {
    const conversation = this.state.conversation(conversationId);
    if (!conversation) throw new ConnectorError(404, 'ConversationNotFound', 'The conversation was not found.');
    if (!this.state.isBotInstalled(conversation)) throw notInRoster();
    return conversation;
  }

  private botMessage(conversation: Conversation, activityId: string): Message {
    const message = conversation.messages.get(activityId);
    if (!message || message.deleted || message.author.kind !== 'bot') {
      throw new ConnectorError(404, 'ActivityNotFoundInConversation', 'The activity was not found in the conversation.');
    }
    return message;
  }

  /**
   * Where a bot message lands: the thread named in the conversation id, else (in a channel) the
   * thread of the message it replies to; without either a channel message starts a new thread.
   */
  private threadFor(conversation: Conversation, conversationId: string, parentId: string | undefined): string {
    if (conversation.type !== 'channel' || parseConversationId(conversationId).threadRootId || !parentId) {
      return conversationId;
    }
    const parent = conversation.messages.get(parentId);
    return channelThreadId(conversation.id, parent?.threadRootId ?? parentId);
  }

  private limit(kind: OperationKind, conversation: Conversation, call: CallContext): void {
    const bot = this.state.botAppId;
    const decision = this.rateLimits.take(kind, {
      thread: `${bot}|${conversation.id}`,
      tenant: `${bot}|${conversation.tenantId || call.tenantOfToken}`,
    });
    if (!decision.allowed) {
      throw new ConnectorError(429, 'Throttled', 'Too many requests; retry later.', {
        'Retry-After': String(decision.retryAfterSeconds),
      });
    }
  }

  private checkSize(activity: WireActivity): void {
    if (this.sizeLimit.exceeds(activity)) {
      throw new ConnectorError(413, 'MessageSizeTooBig', 'The message is larger than the allowed size.');
    }
  }
}

function unauthorized(): ConnectorError {
  return new ConnectorError(401, 'Unauthorized', 'Authorization has been denied for this request.');
}

function notInRoster(): ConnectorError {
  return new ConnectorError(403, 'BotNotInConversationRoster', 'The bot is not part of the conversation roster.');
}

function badArgument(message: string): ConnectorError {
  return new ConnectorError(400, 'BadArgument', message);
}

function requiredParam(call: CallContext, name: string): string {
  const value = call.params[name];
  if (!value) throw badArgument(`Missing ${name}.`);
  return value;
}

function parseJsonObject(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // answered below
  }
  throw badArgument('The body must be a JSON object.');
}

async function readActivity(req: IncomingMessage): Promise<WireActivity> {
  const activity = parseJsonObject(await readBody(req, 4 * 1024 * 1024));
  if (typeof activity.type !== 'string') throw badArgument('The activity has no type.');
  return activity as WireActivity;
}
