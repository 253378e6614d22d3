import type { EntraTwin } from '../entra';
import type { BotResponse, InvokeTiming, PostOptions, TeamsClients } from './clients';
import {
  ADAPTIVE_CARD_CONTENT_TYPE, type Conversation, type Message, type Team, type TeamsState, type TranscriptEntry,
  type WireActivity,
} from './conversations';
import { channelThreadId } from './ids';
import { type AppPackage, openSignInWindow, type SignInWindow } from './sign-in-popup';
import { AutomaticRefresh, type RefreshInvoke } from './refresh';
import type { TwinClock } from '../clock';

const OAUTH_CARD_CONTENT_TYPE = 'application/vnd.microsoft.card.oauth';
const LOGIN_REQUEST_TYPE = 'application/vnd.microsoft.activity.loginRequest';
/** The Teams clients a user has open; each sends its own copy of an SSO exchange. */
export type TeamsClientKind = 'desktop' | 'web';
const SSO_CLIENTS: TeamsClientKind[] = ['desktop', 'web'];

interface TokenExchangeResource {
  id: string;
  uri?: string;
  providerId?: string;
}

/** The body of an invoke response (`adaptiveCard/action`): the outcome Teams shows the user. */
export interface InvokeResponseBody {
  statusCode: number;
  type: string;
  value?: unknown;
}

export interface SayResult extends BotResponse {
  /** The id of the user's message (what the bot's replies point to). */
  activityId: string;
  /** The conversation id the activity carried (a channel post is its own thread). */
  conversationId: string;
}

export interface ClickResult extends BotResponse {
  /** The invokes sent, in order: one, or two when the bot asked for sign-in and Teams re-sent with an SSO token. */
  invokes: WireActivity[];
}

/**
 * How Teams answers an OAuthCard's `tokenExchangeResource` in a conversation type. Bot SSO through
 * an OAuthCard is not supported in channels: Teams answers `signin/failure` `resourcematchfailed`
 * (microsoft/teams.py PR #510) or sends nothing; group chats are supported, older docs say 1:1 only.
 * https://learn.microsoft.com/microsoftteams/platform/messaging-extensions/how-to/enable-sso-auth-me
 */
export type OAuthCardSso = 'exchange' | 'resourcematchfailed' | 'nothing';

/** A time Teams asked a user to add the app for themselves before SSO on a card action (and what they chose). */
export interface PersonalInstallPrompt {
  userOid: string;
  conversationId: string;
  answer: 'install' | 'dismiss';
}

/** One `signin/tokenExchange` (or `signin/failure`) a Teams client sent after the bot showed an OAuthCard. */
export interface SsoExchange {
  conversationId: string;
  userOid: string;
  client: TeamsClientKind;
  invoke: WireActivity;
  response?: BotResponse;
  error?: string;
}

/**
 * Plays the people using Teams, for tests: they post messages, click card buttons, install and
 * remove the app, and their clients perform Teams' silent SSO when the bot asks for it.
 */
export class TeamsDriver {
  readonly ssoExchanges: SsoExchange[] = [];
  /** What Teams does with an OAuthCard's silent exchange, per conversation type. */
  readonly oauthCardSso: Record<Conversation['type'], OAuthCardSso> = {
    personal: 'exchange', groupChat: 'exchange', channel: 'resourcematchfailed',
  };
  /** SSO on a card action needs the app in the user's personal scope: Teams asks them to add it first. */
  readonly personalInstallPrompts: PersonalInstallPrompt[] = [];
  /** What the simulated people answer to that prompt. */
  personalInstallAnswer: PersonalInstallPrompt['answer'] = 'install';
  /** What the simulated people do when Teams shows them a sign-in button because SSO could not sign them in. */
  whenAskedToSignIn: 'press' | 'ignore' = 'ignore';
  /** The installed app package (its validDomains decide which sign-in pages Teams opens). */
  appPackage: AppPackage | undefined;
  /** Every sign-in window Teams opened, with what it reported. */
  readonly signInWindows: SignInWindow[] = [];
  /** The `signin/verifyState` invokes Teams sent after a sign-in window reported success. */
  readonly verifyStates: { invoke: WireActivity; response: BotResponse }[] = [];
  /** Who sent each user activity (messages and invokes), so an OAuthCard replying to it goes to them. */
  private readonly senders = new Map<string, string>();
  private readonly background = new Set<Promise<unknown>>();
  private readonly refresh: AutomaticRefresh;

  constructor(
    private readonly state: TeamsState,
    private readonly clients: TeamsClients,
    private readonly entra: EntraTwin,
    clock: TwinClock,
  ) {
    this.refresh = new AutomaticRefresh(state, clients, clock, (work) => this.inBackground(work));
  }

  /** Every automatic refresh the members' clients sent (trigger "automatic"), in order. */
  get refreshes(): readonly RefreshInvoke[] {
    return this.refresh.invokes;
  }

  /**
   * Every member keeps the conversation open from now on: each bot post and update is viewed by
   * every member's client, which refreshes it automatically where Teams would (see AutomaticRefresh).
   */
  watch(conversation: Conversation): void {
    this.refresh.watch(conversation);
  }

  /** A user looks at a bot message: their client refreshes its card if Teams would (undefined otherwise). */
  async view(userOid: string, messageId: string): Promise<RefreshInvoke | undefined> {
    const found = this.state.findMessage(messageId);
    if (!found || found.message.deleted) throw new Error(`no message ${messageId} in the Teams twin`);
    return this.refresh.view(userOid, found.conversation, found.message);
  }

  /** Teams gives the bot this long to answer an invoke or a message (default 15 s); later answers are failures. */
  set invokeDeadlineMs(ms: number) {
    this.clients.invokeDeadlineMs = ms;
  }

  /** Every invoke and message posted to the bot, timed; `late` ones were not answered within the deadline. */
  get invokeTimings(): readonly InvokeTiming[] {
    return this.clients.invokeTimings;
  }

  createTeam(options: { name: string; members: string[]; channels?: string[] }): Team {
    return this.state.createTeam(options);
  }

  addChannel(team: Team, name: string): Conversation {
    return this.state.addChannel(team, name);
  }

  personalChat(userOid: string): Conversation {
    return this.state.personalChat(userOid);
  }

  groupChat(members: string[], topic?: string): Conversation {
    return this.state.groupChat(members, topic);
  }

  /**
   * Installs the app in a team (the events arrive in its General channel), a group chat, or for a
   * user (their personal chat); `by` is the user who installs it (default: the first member).
   */
  async install(target: Team | Conversation, by?: string): Promise<BotResponse[]> {
    const conversation = scopeConversation(target);
    this.state.setBotInstalled(target, true);
    const installer = by ?? this.state.members(conversation)[0];
    return this.postAll([
      this.clients.installationUpdate(installer, conversation, 'add'),
      this.clients.botMembershipUpdate(installer, conversation, 'added'),
    ]);
  }

  /** Removes the app; from then on the connector refuses the bot in that scope (403). */
  async uninstall(target: Team | Conversation, by?: string): Promise<BotResponse[]> {
    const conversation = scopeConversation(target);
    this.state.setBotInstalled(target, false);
    const remover = by ?? this.state.members(conversation)[0];
    return this.postAll([
      this.clients.installationUpdate(remover, conversation, 'remove'),
      this.clients.botMembershipUpdate(remover, conversation, 'removed'),
    ]);
  }

  /** The language the user's Teams is set to: every activity of theirs carries it as `locale` (default en-US). */
  setLocale(userOid: string, locale: string): void {
    this.clients.setLocale(userOid, locale);
  }

  /**
   * A user writes to the bot. In a channel the message starts a new post unless `inThread` names the
   * post to answer under; in chats and channels it @mentions the bot.
   */
  async say(userOid: string, conversation: Conversation, text: string, options: { inThread?: string } = {}): Promise<SayResult> {
    this.requireInstalled(conversation);
    const id = this.state.nextActivityId();
    const conversationId = conversation.type === 'channel'
      ? channelThreadId(conversation.id, options.inThread ?? id)
      : conversation.id;
    const activity = { ...this.clients.message(userOid, conversation, conversationId, text), id };
    this.state.addMessage(conversation, { id, conversationId, author: { kind: 'user', oid: userOid }, activity });
    this.senders.set(id, userOid);
    const response = await this.clients.post(activity);
    return { ...response, activityId: id, conversationId };
  }

  /**
   * A user presses the `Action.Execute` button `verb` on a bot message's current card, with input
   * values merged into the action's data as Teams does. When the bot answers 401 `loginRequest`
   * with a `tokenExchangeResource`, Teams gets the user's SSO token and re-sends the same action
   * with `value.authentication`. A card in the answer replaces the message for that user.
   */
  async click(userOid: string, messageId: string, verb: string, inputs: Record<string, unknown> = {}): Promise<ClickResult> {
    const found = this.state.findMessage(messageId);
    if (!found || found.message.deleted) throw new Error(`no message ${messageId} in the Teams twin`);
    const { conversation, message } = found;
    this.requireInstalled(conversation);
    const action = findExecuteAction(cardsSeenBy(message, userOid), verb);
    if (!action) throw new Error(`message ${messageId} has no Action.Execute button with verb "${verb}"`);
    const value = {
      action: { type: 'Action.Execute', ...(action.id ? { id: action.id } : {}), verb, data: { ...action.data, ...inputs } },
      trigger: 'manual',
    };
    const first = await this.invoke(userOid, conversation, 'adaptiveCard/action', value, { conversationId: message.conversationId, replyToId: messageId });
    const invokes = [first.invoke];
    let response = first.response;
    const loginRequest = asLoginRequest(response.body);
    if (loginRequest?.tokenExchangeResource && this.resourceMatches(loginRequest.tokenExchangeResource)
      && (await this.appInstalledPersonally(userOid, message.conversationId))) {
      const authentication = {
        id: loginRequest.tokenExchangeResource.id,
        connectionName: loginRequest.connectionName ?? '',
        token: this.entra.issueSsoToken(userOid),
      };
      const resent = await this.invoke(userOid, conversation, 'adaptiveCard/action', { ...value, authentication }, {
        conversationId: message.conversationId, replyToId: messageId,
      });
      invokes.push(resent.invoke);
      response = resent.response;
    }
    const fallback = asLoginRequest(response.body);
    if (fallback && !fallback.tokenExchangeResource && this.whenAskedToSignIn === 'press') {
      // SSO could not sign the user in: Teams shows the sign-in button, the user presses it, and a
      // success re-sends the same action with the code the page reported (`value.state`).
      const state = await this.pressSignInButton(userOid, fallback.buttons?.[0]?.value);
      if (state !== undefined) {
        const resent = await this.invoke(userOid, conversation, 'adaptiveCard/action', { ...value, state }, {
          conversationId: message.conversationId, replyToId: messageId,
        });
        invokes.push(resent.invoke);
        response = resent.response;
      }
    }
    const outcome = asInvokeResponse(response.body);
    if (outcome?.statusCode === 200 && outcome.type === ADAPTIVE_CARD_CONTENT_TYPE) message.userViews.set(userOid, outcome.value);
    return { ...response, invokes };
  }

  /**
   * A user presses the sign-in button of a bot message's OAuthCard (shown when its silent exchange
   * failed). When the sign-in window reports success, Teams sends `signin/verifyState` with it.
   */
  async pressOAuthCardSignIn(userOid: string, messageId: string): Promise<BotResponse | undefined> {
    const found = this.state.findMessage(messageId);
    const card = found?.message.versions.at(-1)?.attachments?.find((attachment) => attachment.contentType === OAUTH_CARD_CONTENT_TYPE);
    if (!found || !card) throw new Error(`message ${messageId} has no OAuthCard`);
    const { buttons } = card.content as { buttons?: { value?: string }[] };
    const state = await this.pressSignInButton(userOid, buttons?.[0]?.value);
    if (state === undefined) return undefined;
    const { invoke, response } = await this.invoke(userOid, found.conversation, 'signin/verifyState', { state }, {
      conversationId: found.message.conversationId, replyToId: messageId,
    });
    this.verifyStates.push({ invoke, response });
    return response;
  }

  /** Opens the sign-in window for a button's URL; the value the page passed to notifySuccess, if it did. */
  private async pressSignInButton(userOid: string, url: string | undefined): Promise<string | undefined> {
    const window = await openSignInWindow(userOid, url ?? '', this.appPackage, this.entra.baseUrl);
    this.signInWindows.push(window);
    return window.result?.kind === 'success' ? window.result.value : undefined;
  }

  /**
   * SSO for `Action.Execute` works in every scope, but only with the app installed in the user's
   * personal scope; Teams asks the user to add it when it is not (msteams-docs,
   * sso-adaptive-cards-universal-action.md). Added: Teams installs it (the bot gets the events).
   */
  private async appInstalledPersonally(userOid: string, conversationId: string): Promise<boolean> {
    const chat = this.state.personalChat(userOid);
    if (this.state.isBotInstalled(chat)) return true;
    const answer = this.personalInstallAnswer;
    this.personalInstallPrompts.push({ userOid, conversationId, answer });
    if (answer === 'dismiss') return false;
    await this.install(chat, userOid);
    return true;
  }

  /** Any invoke from a user, e.g. a crafted `adaptiveCard/action` that matches no button. */
  async invoke(
    userOid: string, conversation: Conversation, name: string, value: unknown,
    options: { conversationId?: string; replyToId?: string } = {},
  ): Promise<{ invoke: WireActivity; response: BotResponse }> {
    const invoke = this.clients.invoke(userOid, conversation, options.conversationId ?? conversation.id, name, value, options.replyToId);
    this.senders.set(String(invoke.id), userOid);
    return { invoke, response: await this.clients.post(invoke) };
  }

  /** Posts a prepared activity (security tests: custom or missing Authorization). */
  post(activity: WireActivity, options?: PostOptions): Promise<BotResponse> {
    return this.clients.post(activity, options);
  }

  /** A user's message as Teams would post it, without posting it. */
  messageActivity(userOid: string, conversation: Conversation, text: string): WireActivity {
    return this.clients.message(userOid, conversation, conversation.id, text);
  }

  transcript(conversation: Conversation): TranscriptEntry[] {
    return this.state.transcript(conversation);
  }

  /** Resolves once the clients' background work (SSO exchanges, automatic refreshes) has finished. */
  async settled(): Promise<void> {
    while (this.background.size > 0) await Promise.allSettled([...this.background]);
  }

  /** The connector tells the clients about every bot message; an OAuthCard with a `tokenExchangeResource` starts SSO. */
  onBotMessage(conversation: Conversation, message: Message): void {
    this.refresh.posted(conversation, message);
    const card = message.versions[0].attachments?.find((attachment) => attachment.contentType === OAUTH_CARD_CONTENT_TYPE);
    const content = card?.content as { connectionName?: string; tokenExchangeResource?: TokenExchangeResource } | undefined;
    if (!content?.tokenExchangeResource) return;
    const userOid = this.recipientOf(conversation, message);
    if (!userOid) return;
    this.inBackground(this.exchangeFromEveryClient(conversation, message, userOid, content.tokenExchangeResource, content.connectionName ?? ''));
  }

  /** The connector tells the clients about every update of a bot message. */
  onBotUpdate(conversation: Conversation, message: Message): void {
    this.refresh.updated(conversation, message);
  }

  private inBackground(work: Promise<unknown>): void {
    this.background.add(work);
    void work.finally(() => this.background.delete(work));
  }

  /**
   * Each open Teams client of the user sends its own exchange, at about the same time (the bot
   * must de-duplicate). A resource that is not the bot's Application ID URI, or a conversation type
   * where Teams has no OAuthCard SSO (channels), gets `signin/failure` `resourcematchfailed`.
   */
  private async exchangeFromEveryClient(
    conversation: Conversation, message: Message, userOid: string, resource: TokenExchangeResource, connectionName: string,
  ): Promise<void> {
    const policy = this.oauthCardSso[conversation.type];
    if (policy === 'nothing') return;
    const invokes = SSO_CLIENTS.map((client) => {
      const [name, value] = policy === 'exchange' && this.resourceMatches(resource)
        ? ['signin/tokenExchange', { id: resource.id, connectionName, token: this.entra.issueSsoToken(userOid) }]
        : ['signin/failure', { code: 'resourcematchfailed', message: 'The resource does not match the app\'s Application ID URI.' }];
      return { client, invoke: this.clients.invoke(userOid, conversation, message.conversationId, name, value, message.id) };
    });
    const exchanges = await Promise.all(invokes.map(async ({ client, invoke }) => {
      const exchange: SsoExchange = { conversationId: message.conversationId, userOid, client, invoke };
      this.ssoExchanges.push(exchange);
      try {
        exchange.response = await this.clients.post(invoke);
      } catch (error) {
        exchange.error = error instanceof Error ? error.message : String(error);
      }
      return exchange;
    }));
    // Teams shows the card's sign-in button when no exchange succeeded; the person may press it.
    const signedIn = exchanges.some((exchange) => exchange.invoke.name === 'signin/tokenExchange' && exchange.response?.status === 200);
    if (!signedIn && this.whenAskedToSignIn === 'press') await this.pressOAuthCardSignIn(userOid, message.id);
  }

  private recipientOf(conversation: Conversation, message: Message): string | undefined {
    if (conversation.type === 'personal') return conversation.memberOids[0];
    const replyToId = message.versions[0].replyToId;
    return replyToId ? this.senders.get(replyToId) : undefined;
  }

  private resourceMatches(resource: TokenExchangeResource): boolean {
    const app = this.entra.directory.apps.get(this.state.botAppId);
    return !resource.uri || Boolean(app?.identifierUris.includes(resource.uri));
  }

  private requireInstalled(conversation: Conversation): void {
    if (!this.state.isBotInstalled(conversation)) {
      throw new Error(`the bot is not installed in conversation ${conversation.id}: Teams would not deliver this`);
    }
  }

  private async postAll(activities: WireActivity[]): Promise<BotResponse[]> {
    const responses: BotResponse[] = [];
    for (const activity of activities) responses.push(await this.clients.post(activity));
    return responses;
  }
}

function scopeConversation(target: Team | Conversation): Conversation {
  return 'channels' in target ? target.channels[0] : target;
}

/** The cards the user sees on a message: their own view if an invoke response replaced it, else the message's. */
function cardsSeenBy(message: Message, userOid: string): unknown[] {
  if (message.userViews.has(userOid)) return [message.userViews.get(userOid)];
  const attachments = message.versions[message.versions.length - 1].attachments ?? [];
  return attachments
    .filter((attachment) => attachment.contentType === ADAPTIVE_CARD_CONTENT_TYPE)
    .map((attachment) => attachment.content);
}

interface ExecuteAction {
  id?: string;
  verb: string;
  data?: Record<string, unknown>;
}

/** Depth-first search of a card (body, actions, action sets, show-card cards) for an Action.Execute. */
function findExecuteAction(node: unknown, verb: string): ExecuteAction | undefined {
  if (Array.isArray(node)) {
    for (const item of node) {
      const found = findExecuteAction(item, verb);
      if (found) return found;
    }
    return undefined;
  }
  if (!node || typeof node !== 'object') return undefined;
  const record = node as Record<string, unknown>;
  if (record.type === 'Action.Execute' && record.verb === verb) return record as unknown as ExecuteAction;
  return findExecuteAction(Object.values(record), verb);
}

function asInvokeResponse(body: unknown): InvokeResponseBody | undefined {
  if (!body || typeof body !== 'object') return undefined;
  const candidate = body as Partial<InvokeResponseBody>;
  return typeof candidate.statusCode === 'number' && typeof candidate.type === 'string'
    ? (candidate as InvokeResponseBody)
    : undefined;
}

interface LoginRequest {
  connectionName?: string;
  tokenExchangeResource?: TokenExchangeResource;
  buttons?: { type?: string; value?: string }[];
}

function asLoginRequest(body: unknown): LoginRequest | undefined {
  const response = asInvokeResponse(body);
  if (response?.statusCode !== 401 || response.type !== LOGIN_REQUEST_TYPE) return undefined;
  return (response.value ?? {}) as LoginRequest;
}
