import type { TwinClock } from '../clock';
import type { ChannelAuth } from './channel-auth';
import { TEAMS_CHANNEL_ID } from './channel-auth';
import type { Conversation, TeamsState, WireActivity } from './conversations';

/** The clientInfo entity Teams adds to users' messages. */
const CLIENT_INFO = {
  type: 'clientInfo', locale: 'en-US', country: 'US', platform: 'Windows', timezone: 'Europe/London',
};

/** What the bot answered to a posted activity: its HTTP status and body (an invoke response for invokes). */
export interface BotResponse {
  status: number;
  body: unknown;
  /** An invoke or message the bot did not answer within Teams' deadline: Teams gave up (status 0, no body). */
  late?: true;
}

/** One invoke (or message: `name` is then `message`) as Teams timed it; a late one is a failure whatever the bot answered afterwards. */
export interface InvokeTiming {
  name: string;
  activityId: string;
  ms: number;
  late: boolean;
}

/**
 * Teams gives a bot about 15 s to answer an invoke before the client shows "Unable to reach app"
 * (teams-bot.md §9); the Bot Framework channel waits about as long for a message's answer.
 */
export const INVOKE_DEADLINE_MS = 15_000;

export interface PostOptions {
  /** The Authorization header to send instead of the channel's signed token; `null` sends none. */
  authorization?: string | null;
}

/**
 * The Teams clients as the bot sees them: builds activities the way Teams shapes them
 * (ids, `channelData`, mention and clientInfo entities) and posts them to the bot's endpoint
 * signed by the channel.
 */
export class TeamsClients {
  botEndpoint: string | undefined;
  /** How long a client waits for an invoke's answer (wall clock; tests may shorten it). */
  invokeDeadlineMs = INVOKE_DEADLINE_MS;
  readonly invokeTimings: InvokeTiming[] = [];
  /** The language each user's Teams is set to (`activity.locale`); en-US unless set. */
  private readonly locales = new Map<string, string>();

  constructor(
    private readonly state: TeamsState,
    private readonly auth: ChannelAuth,
    private readonly clock: TwinClock,
    readonly serviceUrl: string,
  ) {}

  setLocale(oid: string, locale: string): void {
    this.locales.set(oid, locale);
  }

  async post(activity: WireActivity, options: PostOptions = {}): Promise<BotResponse> {
    if (!this.botEndpoint) throw new Error('the Teams twin has no bot endpoint (setBotEndpoint)');
    const authorization = options.authorization === undefined
      ? `Bearer ${this.auth.activityToken(this.serviceUrl)}`
      : options.authorization;
    const answer = fetch(this.botEndpoint, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...(authorization === null ? {} : { Authorization: authorization }) },
      body: JSON.stringify(activity),
    }).then(async (response) => ({ status: response.status, body: parseBody(await response.text()) }));
    if (activity.type !== 'invoke' && activity.type !== 'message') return answer;
    return this.withinDeadline(activity, answer);
  }

  /** Waits for an invoke's answer at most `invokeDeadlineMs`; a later answer is recorded as late and not used. */
  private async withinDeadline(activity: WireActivity, answer: Promise<BotResponse>): Promise<BotResponse> {
    const started = performance.now();
    const timing: InvokeTiming = { name: String(activity.name ?? activity.type), activityId: String(activity.id), ms: 0, late: false };
    this.invokeTimings.push(timing);
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), this.invokeDeadlineMs);
    });
    answer.then(() => {
      timing.ms = performance.now() - started;
    }, () => undefined);
    try {
      const first = await Promise.race([answer, deadline]);
      if (first !== 'late') return first;
      timing.late = true;
      answer.catch(() => undefined);
      return { status: 0, body: undefined, late: true };
    } finally {
      clearTimeout(timer);
    }
  }

  /** A user's message; in chats and channels it @mentions the bot, as Teams delivers nothing else. */
  message(oid: string, conversation: Conversation, conversationId: string, text: string): WireActivity {
    const { name } = this.state.botAccount;
    const mentionText = `<at>${name}</at>`;
    const mentions = conversation.type === 'personal'
      ? []
      : [{ type: 'mention', mentioned: this.state.botAccount, text: mentionText }];
    return {
      ...this.envelope(conversation, conversationId, oid),
      type: 'message',
      textFormat: 'plain',
      text: conversation.type === 'personal' ? text : `${mentionText} ${text}`,
      entities: [...mentions, { ...CLIENT_INFO, locale: this.localeOf(oid) }],
    };
  }

  invoke(oid: string, conversation: Conversation, conversationId: string, name: string, value: unknown, replyToId?: string): WireActivity {
    return { ...this.envelope(conversation, conversationId, oid), type: 'invoke', name, value, ...(replyToId ? { replyToId } : {}) };
  }

  /** `installationUpdate` (add/remove) as sent when the app is installed in or removed from a scope. */
  installationUpdate(oid: string, conversation: Conversation, action: 'add' | 'remove'): WireActivity {
    const envelope = this.envelope(conversation, conversation.id, oid);
    const channelData = conversation.team
      ? { ...envelope.channelData, settings: { selectedChannel: { id: conversation.id } } }
      : envelope.channelData;
    return { ...envelope, type: 'installationUpdate', action, channelData };
  }

  /** `conversationUpdate` with the bot among the members added or removed. */
  botMembershipUpdate(oid: string, conversation: Conversation, change: 'added' | 'removed'): WireActivity {
    const envelope = this.envelope(conversation, conversation.id, oid);
    const bot = { id: this.state.botAccount.id };
    const eventType = conversation.team ? (change === 'added' ? 'teamMemberAdded' : 'teamMemberRemoved') : undefined;
    return {
      ...envelope,
      type: 'conversationUpdate',
      ...(change === 'added' ? { membersAdded: [bot] } : { membersRemoved: [bot] }),
      channelData: { ...envelope.channelData, ...(eventType ? { eventType } : {}) },
    };
  }

  private localeOf(oid: string): string {
    return this.locales.get(oid) ?? 'en-US';
  }

  private envelope(conversation: Conversation, conversationId: string, oid: string) {
    const user = this.state.account(oid);
    const team = conversation.team;
    const timestamp = new Date(this.clock.now()).toISOString();
    return {
      id: this.state.nextActivityId(),
      timestamp,
      localTimestamp: timestamp,
      serviceUrl: this.serviceUrl,
      channelId: TEAMS_CHANNEL_ID,
      from: { id: user.id, name: user.name, aadObjectId: user.aadObjectId },
      recipient: this.state.botAccount,
      conversation: {
        id: conversationId,
        conversationType: conversation.type,
        tenantId: conversation.tenantId,
        ...(conversation.type === 'personal' ? {} : { isGroup: true }),
        ...(conversation.name && conversation.type === 'groupChat' ? { name: conversation.name } : {}),
      },
      locale: this.localeOf(oid),
      channelData: {
        tenant: { id: conversation.tenantId },
        ...(team
          ? {
            teamsTeamId: team.id,
            teamsChannelId: conversation.id,
            team: { id: team.id, name: team.name, aadGroupId: team.aadGroupId },
            channel: { id: conversation.id, name: conversation.name },
          }
          : {}),
      },
    };
  }
}

function parseBody(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
