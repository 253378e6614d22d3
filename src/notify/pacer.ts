export interface RateWindow {
  limit: number;
  windowMs: number;
}

/** Client-side limits for proactive messages, per conversation and across all of them. */
export interface SendRateLimits {
  perConversation: RateWindow[];
  global: RateWindow[];
}

/**
 * Teams allows a bot 7 per 1 s, 8 per 2 s, 60 per 30 s and 1,800 per hour in one thread, and 30
 * per second per app and tenant, counting every message the bot posts there, replies and
 * notifications alike (https://learn.microsoft.com/microsoftteams/platform/bots/how-to/rate-limit).
 * Replies to people may use all of it. Each window here is 10 % longer than Teams': Teams counts a
 * message when it arrives, the pacer when it leaves, and the time in between varies.
 */
export const TEAMS_SEND_RATE_LIMITS: SendRateLimits = {
  perConversation: [
    { limit: 7, windowMs: 1_100 }, { limit: 8, windowMs: 2_200 }, { limit: 60, windowMs: 33_000 }, { limit: 1_800, windowMs: 3_960_000 },
  ],
  global: [{ limit: 30, windowMs: 1_100 }],
};

/**
 * Notifications stay about 10 % under Teams' limits (sustained 1.8 per second into one
 * conversation), counting the replies too: the rest is kept for replies, so a notification backlog
 * always leaves room for an answer to a person, whichever replica sends it.
 */
export const DEFAULT_SEND_RATE_LIMITS: SendRateLimits = {
  perConversation: [
    { limit: 6, windowMs: 1_000 }, { limit: 7, windowMs: 2_000 }, { limit: 54, windowMs: 30_000 }, { limit: 1_620, windowMs: 3_600_000 },
  ],
  global: [{ limit: 25, windowMs: 1_000 }],
};

/** Who is sending: a reply to a person goes first, a notification yields. */
export type SendKind = 'reply' | 'notification';

/** Every window shrunk by `factor` (limits unchanged): for a Teams twin whose windows are scaled the same way. */
export function scaleRateLimits(limits: SendRateLimits, factor: number): SendRateLimits {
  const scale = (windows: RateWindow[]) => windows.map(({ limit, windowMs }) => ({ limit, windowMs: Math.max(1, Math.round(windowMs * factor)) }));
  return { perConversation: scale(limits.perConversation), global: scale(limits.global) };
}

/**
 * Hands out send slots so that no sliding window is ever exceeded, per conversation and globally,
 * for everything one replica posts: replies under Teams' own limits, notifications under lower
 * ones. Both count in the same windows. Slots are reserved in time order, so a send that waits
 * never lets a later one overtake the limits; notifications take only a slot that is free now (they
 * never hold one in the future that a reply would have to queue behind). A conversation Teams
 * throttled is blocked until its Retry-After has passed.
 */
export class SendPacer {
  private readonly sent = new Map<string, number[]>();
  private readonly global: number[] = [];
  private readonly blockedUntil = new Map<string, number>();
  private readonly longest: number;

  constructor(private readonly notificationLimits: SendRateLimits, private readonly replyLimits: SendRateLimits = TEAMS_SEND_RATE_LIMITS) {
    this.longest = Math.max(...[notificationLimits, replyLimits].flatMap((limits) => [...limits.perConversation, ...limits.global]).map((window) => window.windowMs));
  }

  /**
   * The earliest time (epoch ms, >= now) a message to the conversation may go. When it is no later
   * than `reserveUntil` (a reply may wait for its slot; a notification takes only one free now), the
   * slot is taken; otherwise nothing is reserved.
   */
  reserve(conversationId: string, now: number, kind: SendKind, reserveUntil = now): { at: number; reserved: boolean } {
    const limits = kind === 'reply' ? this.replyLimits : this.notificationLimits;
    const key = threadOf(conversationId);
    const own = this.prune(this.sent.get(key) ?? [], now);
    this.prune(this.global, now);
    let at = Math.max(now, this.blockedUntil.get(key) ?? 0, own.at(-1) ?? 0, this.global.at(-1) ?? 0);
    for (let moved = true; moved;) {
      const next = Math.max(earliest(own, limits.perConversation, at), earliest(this.global, limits.global, at));
      moved = next > at;
      at = next;
    }
    if (at > (kind === 'reply' ? reserveUntil : now)) return { at, reserved: false };
    own.push(at);
    this.global.push(at);
    this.sent.set(key, own);
    return { at, reserved: true };
  }

  /** Teams answered 429: nothing more to this conversation before `until`. */
  block(conversationId: string, until: number): void {
    const key = threadOf(conversationId);
    this.blockedUntil.set(key, Math.max(until, this.blockedUntil.get(key) ?? 0));
  }

  private prune(times: number[], now: number): number[] {
    const drop = times.findIndex((time) => time > now - this.longest);
    times.splice(0, drop === -1 ? times.length : drop);
    return times;
  }
}

/**
 * What Teams counts as one thread: a channel with all its reply chains (a reply's conversation id
 * is the channel's with `;messageid=<root>`), or a chat.
 */
function threadOf(conversationId: string): string {
  return conversationId.split(';')[0];
}

/** The earliest time >= `at` at which one more send fits every window, given the (sorted) sends so far. */
function earliest(times: readonly number[], windows: readonly RateWindow[], at: number): number {
  let result = at;
  for (const { limit, windowMs } of windows) {
    const inWindow = times.filter((time) => time > result - windowMs);
    // The window has room again once its oldest counted send that must leave has left.
    if (inWindow.length >= limit) result = Math.max(result, inWindow[inWindow.length - limit] + windowMs);
  }
  return result;
}
