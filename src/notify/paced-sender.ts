import type { Attachment, ConversationReference } from 'botbuilder';
import { ConnectorFailure, type ConnectorSender } from './connector';
import type { SendPacer } from './pacer';

/** A 429 without Retry-After: wait this long before the one more try. */
const THROTTLED_BACKOFF_MS = 1_000;

/**
 * Posts and updates that wait for their slot in the replica's pacer, as notifications (replies go
 * first), for background posts outside the outbox (release reminders, expired requests' cards):
 * a batch into one channel stays under Teams' per-thread rate. A 429 anyway blocks the
 * conversation in the pacer and is waited out; past `maxWaitMs` the ConnectorFailure is thrown
 * for the caller to try again later.
 */
export class PacedSender implements ConnectorSender {
  constructor(
    private readonly sender: ConnectorSender,
    private readonly pacer: SendPacer,
    private readonly maxWaitMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  post(reference: Partial<ConversationReference>, card: Attachment): Promise<string> {
    return this.paced(reference, () => this.sender.post(reference, card));
  }

  update(reference: Partial<ConversationReference>, activityId: string, card: Attachment): Promise<void> {
    return this.paced(reference, () => this.sender.update(reference, activityId, card));
  }

  private async paced<T>(reference: Partial<ConversationReference>, send: () => Promise<T>): Promise<T> {
    const conversationId = reference.conversation?.id ?? '';
    const giveUpAt = this.now() + this.maxWaitMs;
    for (;;) {
      await this.slot(conversationId, giveUpAt);
      try {
        return await send();
      } catch (error) {
        if (!(error instanceof ConnectorFailure) || error.kind !== 'throttled') throw error;
        const retryAt = this.now() + (error.retryAfterMs ?? THROTTLED_BACKOFF_MS);
        this.pacer.block(conversationId, retryAt);
        if (retryAt > giveUpAt) throw error;
      }
    }
  }

  private async slot(conversationId: string, giveUpAt: number): Promise<void> {
    for (;;) {
      const now = this.now();
      const slot = this.pacer.reserve(conversationId, now, 'notification');
      if (slot.reserved) return;
      if (slot.at > giveUpAt) throw new ConnectorFailure('throttled', undefined, 'PacedTooLong', slot.at - now);
      await new Promise((resolve) => setTimeout(resolve, slot.at - now));
    }
  }
}
