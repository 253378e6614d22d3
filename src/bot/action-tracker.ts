import type { Attachment, CloudAdapter, ConversationReference } from 'botbuilder';
import type { DefenderClient } from '../defender/client';
import { FINAL_ACTION_STATUSES, type MachineAction } from '../defender/model';
import { actionFollowed } from '../telemetry';
import { type Acting, tokenSource } from './acting';

export interface TrackedAction {
  acting: Acting;
  action: MachineAction;
  reference: Partial<ConversationReference>;
  /** The message whose card shows the action to everyone in the conversation. */
  messageId: string;
}

export interface ActionTrackerSettings {
  botAppId: string;
  pollIntervalMs: number;
  /** Give up following an action after this long; the card's refresh still shows its state. */
  maxTrackingMs: number;
  render(acting: Acting, action: MachineAction): Attachment;
  /** Called once with the final state of each followed action (the audit log's outcome line). */
  onFinal?: (acting: Acting, action: MachineAction) => Promise<void>;
  log?: (line: string) => void;
}

/**
 * Follows a response action after the click was answered and keeps the card in the conversation
 * up to date (updateActivity) until the action is final. Reads use the acting user's token.
 */
export class ActionTracker {
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopped = false;

  constructor(
    private readonly adapter: CloudAdapter,
    private readonly defender: DefenderClient,
    private readonly settings: ActionTrackerSettings,
  ) {}

  track(tracked: TrackedAction): void {
    const startedAt = Date.now();
    let lastStatus = tracked.action.status;
    actionFollowed(tracked.action);
    const poll = async () => {
      try {
        const action = await this.defender.getMachineAction(tokenSource(tracked.acting), tracked.action.id);
        actionFollowed(action);
        if (action.status !== lastStatus) {
          lastStatus = action.status;
          await this.updateCard(tracked, action);
        }
        if (FINAL_ACTION_STATUSES.includes(action.status)) {
          await this.settings.onFinal?.(tracked.acting, action);
          return;
        }
      } catch (error) {
        this.settings.log?.(`following action ${tracked.action.id} failed once: ${error instanceof Error ? error.message : String(error)}`);
      }
      if (Date.now() - startedAt < this.settings.maxTrackingMs) this.schedule(poll);
    };
    this.schedule(poll);
  }

  /** Stops following every action (shutdown). */
  stop(): void {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private schedule(poll: () => Promise<void>): void {
    if (this.stopped) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void poll();
    }, this.settings.pollIntervalMs);
    this.timers.add(timer);
  }

  private async updateCard(tracked: TrackedAction, action: MachineAction): Promise<void> {
    const card = this.settings.render(tracked.acting, action);
    await this.adapter.continueConversationAsync(this.settings.botAppId, tracked.reference, async (context) => {
      await context.updateActivity({ type: 'message', id: tracked.messageId, attachments: [card] });
    });
  }
}
