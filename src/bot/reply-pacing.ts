import type { Activity, Middleware, TurnContext } from 'botbuilder';
import type { SendPacer } from '../notify/pacer';
import { classifyConnectorError, PACED_BY_CALLER, withoutClientRetries } from '../notify/teams-sender';

/** Teams refused (429) a reply for longer than the turn may wait: nobody can be told in that conversation right now. */
export class ThrottledReplyError extends Error {
  constructor(readonly conversationId: string, readonly waitedMs: number) {
    super(`Teams throttled the reply in ${conversationId}; gave up after ${waitedMs} ms`);
  }
}

/** Wait before sending again after a 412 or a 5xx (with jitter: 0.5 to 1.5 times this). */
const TRANSIENT_BACKOFF_MS = 1_000;

/** Activity types the adapter does not post to the conversation. */
const NOT_POSTED = new Set(['invokeResponse', 'delay', 'trace']);

/**
 * Paces every reply and card update the bot makes in a turn through the replica's shared pacer
 * (the one the notifier uses), so replies and notifications together stay under Teams' limits and
 * replies go first. A 429 is retried after its Retry-After (a 412 or 5xx after a short backoff)
 * while the turn's answer window lasts (the connector client's own retries are off: they would wait
 * blindly past the window); then ThrottledReplyError (or the error).
 */
export class ReplyPacing implements Middleware {
  constructor(private readonly pacer: SendPacer, private readonly answerWindowMs: number, private readonly now: () => number = Date.now) {}

  async onTurn(context: TurnContext, next: () => Promise<void>): Promise<void> {
    const started = this.now();
    withoutClientRetries(context);
    context.onSendActivities((ctx, activities, send) => {
      const posted = activities.filter((activity: Partial<Activity>) => !NOT_POSTED.has(activity.type ?? 'message')).length;
      return ctx.turnState.get(PACED_BY_CALLER) || posted === 0 ? send() : this.paced(ctx, posted, started, send);
    });
    context.onUpdateActivity((ctx, _activity, update) => (ctx.turnState.get(PACED_BY_CALLER) ? update() : this.paced(ctx, 1, started, update)));
    await next();
  }

  private async paced<T>(context: TurnContext, count: number, started: number, send: () => Promise<T>): Promise<T> {
    const conversationId = context.activity.conversation.id;
    const answerBy = started + this.answerWindowMs;
    for (;;) {
      for (let taken = 0; taken < count; taken += 1) {
        const slot = this.pacer.reserve(conversationId, this.now(), 'reply', answerBy);
        if (!slot.reserved) throw new ThrottledReplyError(conversationId, this.now() - started);
        await sleep(slot.at - this.now());
      }
      try {
        return await send();
      } catch (error) {
        const failure = classifyConnectorError(error, 'post', this.now());
        // Microsoft's advice: retry 429, 412, 502 and 504 with backoff. Not an answer-less failure: the message may have gone.
        const retryable = failure.kind === 'throttled' || (failure.kind === 'transient' && failure.status !== undefined && failure.status !== 401);
        if (!retryable) throw error;
        const retryAt = this.now() + (failure.retryAfterMs ?? TRANSIENT_BACKOFF_MS * (0.5 + Math.random()));
        // Several activities in one call: some may have gone; sending them all again would repeat those.
        const giveUp = retryAt > answerBy || count > 1;
        if (failure.kind !== 'throttled') {
          if (giveUp) throw error;
          await sleep(retryAt - this.now());
          continue;
        }
        this.pacer.block(conversationId, retryAt);
        if (giveUp) throw new ThrottledReplyError(conversationId, this.now() - started);
      }
    }
  }
}

function sleep(ms: number): Promise<void> {
  return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
}
