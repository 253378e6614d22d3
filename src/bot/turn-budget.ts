import { type Activity, type CloudAdapter, type ConversationReference, TurnContext } from 'botbuilder';

/**
 * Teams gives a bot about 15 s to answer an invoke before the client shows "Unable to reach app"
 * (teams-bot.md §9); an on-behalf-of exchange (up to 8 s), an isolate (5 s) and a read (6 s with
 * retries) can together take longer. So a turn answers within this budget whatever happens, and
 * the work it started carries on.
 */
export const TURN_BUDGET_MS = 12_000;

/**
 * Where a turn's messages go: through the turn while it lasts, proactively (continueConversation
 * with the turn's conversation reference) once the turn has answered and its context is gone.
 */
export class TurnOutput {
  private late = false;
  readonly reference: Partial<ConversationReference>;
  /** The turn's activity as far as the work needs it (the context cannot be read once the turn has answered). */
  readonly conversationId: string;
  readonly replyToId: string | undefined;
  readonly from: string;

  constructor(private readonly context: TurnContext, private readonly adapter: CloudAdapter, private readonly botAppId: string) {
    const { activity } = context;
    this.reference = TurnContext.getConversationReference(activity);
    this.conversationId = activity.conversation.id;
    this.replyToId = activity.replyToId;
    this.from = activity.from.id;
  }

  /** The turn has answered: what is sent from now on goes proactively. */
  markLate(): void {
    this.late = true;
  }

  get isLate(): boolean {
    return this.late;
  }

  send(activity: Partial<Activity>): Promise<void> {
    return this.deliver(async (context) => void (await context.sendActivity(activity)));
  }

  update(activity: Partial<Activity>): Promise<void> {
    return this.deliver(async (context) => void (await context.updateActivity(activity)));
  }

  private async deliver(step: (context: TurnContext) => Promise<void>): Promise<void> {
    if (!this.late) return step(this.context);
    await this.adapter.continueConversationAsync(this.botAppId, this.reference, step);
  }
}

/**
 * The outcome of `work`, or of `onLate()` once `budgetMs` has passed; then `work` carries on, its
 * failure only logged (it must deliver through a TurnOutput marked late by `onLate`).
 */
export async function withinBudget<T>(work: Promise<T>, budgetMs: number, onLate: () => T, log: (line: string) => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), budgetMs);
  });
  try {
    const first = await Promise.race([work, late]);
    if (first !== 'late') return first;
    work.catch((error: unknown) => log(`a turn's work that outlived its answer failed: ${error instanceof Error ? error.message : String(error)}`));
    return onLate();
  } finally {
    clearTimeout(timer);
  }
}
