import type { Attachment, ConversationReference } from 'botbuilder';

/**
 * Why Teams did not take a message, as the sender must react to it:
 * - `throttled`: 429; try again after `retryAfterMs` (when Teams said) or a backoff;
 * - `transient`: 412, 5xx, a time-out or a broken connection; try again after a backoff;
 * - `gone`: 403/404, the bot was removed or the conversation no longer exists; stop notifying it;
 * - `message_gone`: the message to update was deleted;
 * - `rejected`: any other refusal (e.g. 400, 413); sending the same again cannot succeed.
 */
export type ConnectorFailureKind = 'throttled' | 'transient' | 'gone' | 'message_gone' | 'rejected';

export class ConnectorFailure extends Error {
  constructor(
    readonly kind: ConnectorFailureKind,
    /** The HTTP status, when there was an answer. */
    readonly status: number | undefined,
    /** Teams' error code (`BotNotInConversationRoster`, `Throttled`, …) or the network error's code. */
    readonly code: string | undefined,
    readonly retryAfterMs?: number,
  ) {
    super(`${status ?? 'no answer'}${code ? ` ${code}` : ''}`);
  }
}

/** Posting and updating messages in a conversation the bot may write to; failures throw ConnectorFailure. */
export interface ConnectorSender {
  /** Starts a new message (in a channel: a new post); returns its activity id. */
  post(reference: Partial<ConversationReference>, card: Attachment): Promise<string>;
  update(reference: Partial<ConversationReference>, activityId: string, card: Attachment): Promise<void>;
}
