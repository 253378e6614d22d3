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
 * per second per app and tenant (reference teams-bot.md §4.1). The notifier stays about 10 % under
 * them (sustained 1.8 per second into one conversation), leaving room for the bot's own replies.
 */
export const DEFAULT_SEND_RATE_LIMITS: SendRateLimits = {
  perConversation: [
    { limit: 6, windowMs: 1_000 }, { limit: 7, windowMs: 2_000 }, { limit: 54, windowMs: 30_000 }, { limit: 1_620, windowMs: 3_600_000 },
  ],
  global: [{ limit: 25, windowMs: 1_000 }],
};

/** Every window shrunk by `factor` (limits unchanged): for a Teams twin whose windows are scaled the same way. */
export function scaleRateLimits(limits: SendRateLimits, factor: number): SendRateLimits {
  const scale = (windows: RateWindow[]) => windows.map(({ limit, windowMs }) => ({ limit, windowMs: Math.max(1, Math.round(windowMs * factor)) }));
  return { perConversation: scale(limits.perConversation), global: scale(limits.global) };
}

/**
 * Hands out send slots so that no sliding window is ever exceeded, per conversation and globally.
 * Slots are reserved in time order, so a conversation that waits never lets a later send overtake
 * the limits; a conversation Teams throttled is blocked until its Retry-After has passed.
 */
export class SendPacer {
  private readonly sent = new Map<string, number[]>();
  private readonly global: number[] = [];
  private readonly blockedUntil = new Map<string, number>();
  private readonly longest: number;

  constructor(private readonly limits: SendRateLimits) {
    this.longest = Math.max(...[...limits.perConversation, ...limits.global].map((window) => window.windowMs));
  }

  /**
   * The earliest time (epoch ms, >= now) a message to the conversation may go. When it is no later
   * than `reserveUntil`, the slot is taken; otherwise nothing is reserved.
   */
  reserve(conversationId: string, now: number, reserveUntil: number): { at: number; reserved: boolean } {
    const own = this.prune(this.sent.get(conversationId) ?? [], now);
    this.prune(this.global, now);
    let at = Math.max(now, this.blockedUntil.get(conversationId) ?? 0, own.at(-1) ?? 0, this.global.at(-1) ?? 0);
    for (let moved = true; moved;) {
      const next = Math.max(earliest(own, this.limits.perConversation, at), earliest(this.global, this.limits.global, at));
      moved = next > at;
      at = next;
    }
    if (at > reserveUntil) return { at, reserved: false };
    own.push(at);
    this.global.push(at);
    this.sent.set(conversationId, own);
    return { at, reserved: true };
  }

  /** Teams answered 429: nothing more to this conversation before `until`. */
  block(conversationId: string, until: number): void {
    this.blockedUntil.set(conversationId, Math.max(until, this.blockedUntil.get(conversationId) ?? 0));
  }

  private prune(times: number[], now: number): number[] {
    const drop = times.findIndex((time) => time > now - this.longest);
    times.splice(0, drop === -1 ? times.length : drop);
    return times;
  }
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
