import type { Attachment, CloudAdapter, ConversationReference, TurnContext } from 'botbuilder';
import type { ConnectorClient } from 'botframework-connector';
import { ConnectorFailure, type ConnectorSender } from './connector';

/** Set in a turn whose sends the caller paces and retries itself (the outbox); the reply pacing leaves them alone. */
export const PACED_BY_CALLER = Symbol('paced by caller');

/**
 * Proactive messages through botbuilder's CloudAdapter (its Bot Framework token, its connector
 * client), with every failure classified for the outbox.
 *
 * The connector client retries 429 (after Retry-After) and 5xx by itself, up to three times, inside
 * one call. For the notifier that would hide throttling from the pacer and let one claimed delivery
 * run far past its claim, so each proactive turn's client (a new one per turn) is used without
 * those retries: the outbox retries instead, durably and paced.
 */
export class TeamsConnectorSender implements ConnectorSender {
  constructor(private readonly adapter: CloudAdapter, private readonly botAppId: string) {}

  /**
   * `POST /v3/conversations/{id}/activities`: a new message (in a channel, a new post). Not
   * `context.sendActivity`, which in a proactive turn sends a reply to the turn's made-up activity id.
   */
  async post(reference: Partial<ConversationReference>, card: Attachment): Promise<string> {
    let activityId: string | undefined;
    await this.run(reference, 'post', async (context) => {
      const client = context.turnState.get<ConnectorClient>(context.adapter.ConnectorClientKey);
      const response = await client.conversations.sendToConversation(context.activity.conversation.id, {
        type: 'message', from: reference.bot, conversation: context.activity.conversation, attachments: [card],
      });
      activityId = response.id;
    });
    if (!activityId) throw new ConnectorFailure('transient', undefined, 'NoActivityId');
    return activityId;
  }

  async update(reference: Partial<ConversationReference>, activityId: string, card: Attachment): Promise<void> {
    await this.run(reference, 'update', async (context) => {
      await context.updateActivity({ type: 'message', id: activityId, attachments: [card] });
    });
  }

  private async run(reference: Partial<ConversationReference>, operation: 'post' | 'update', logic: (context: TurnContext) => Promise<void>): Promise<void> {
    // The adapter hands an error thrown in the turn to its onTurnError (which would answer the
    // made-up turn) instead of throwing it: the caller must see Teams' refusal to react to it.
    let failure: { error: unknown } | undefined;
    try {
      await this.adapter.continueConversationAsync(this.botAppId, reference, async (context) => {
        withoutClientRetries(context);
        context.turnState.set(PACED_BY_CALLER, true);
        await logic(context).catch((error: unknown) => {
          failure = { error };
        });
      });
    } catch (error) {
      failure = { error };
    }
    if (failure) throw classifyConnectorError(failure.error, operation);
  }
}

interface RestErrorShape {
  statusCode?: number;
  code?: string;
  response?: { headers?: { get(name: string): string | undefined }; bodyAsText?: string | null };
}

/** Maps what botbuilder throws (a `RestError` of @azure/core-rest-pipeline, or a plain error) to a ConnectorFailure. */
export function classifyConnectorError(error: unknown, operation: 'post' | 'update', nowMs = Date.now()): ConnectorFailure {
  if (error instanceof ConnectorFailure) return error;
  const shape = (error && typeof error === 'object' ? error : {}) as RestErrorShape;
  const status = typeof shape.statusCode === 'number' ? shape.statusCode : undefined;
  const code = teamsErrorCode(shape) ?? (typeof shape.code === 'string' ? shape.code : undefined);
  if (status === undefined) return new ConnectorFailure('transient', undefined, code);
  if (status === 429) return new ConnectorFailure('throttled', status, code, retryAfterMs(shape.response?.headers?.get('retry-after'), nowMs));
  if (status === 404 && operation === 'update' && code === 'ActivityNotFoundInConversation') return new ConnectorFailure('message_gone', status, code);
  // 403 BotNotInConversationRoster / ConversationBlockedByUser / `{"errorCode":209}`, 404 ConversationNotFound.
  if (status === 403 || status === 404) return new ConnectorFailure('gone', status, code);
  if (status === 401 || status === 408 || status === 412 || status >= 500) return new ConnectorFailure('transient', status, code);
  return new ConnectorFailure('rejected', status, code);
}

/** Teams' code from the body: `{"error":{"code":…}}`, or the older `{"errorCode":209,…}`. */
function teamsErrorCode(shape: RestErrorShape): string | undefined {
  try {
    const body = JSON.parse(shape.response?.bodyAsText ?? '') as { error?: { code?: unknown }; errorCode?: unknown };
    if (typeof body.error?.code === 'string') return body.error.code;
    if (typeof body.errorCode === 'number' || typeof body.errorCode === 'string') return `errorCode ${body.errorCode}`;
  } catch {
    // no JSON body
  }
  return undefined;
}

/** `Retry-After` in seconds or as an HTTP date. */
function retryAfterMs(header: string | undefined, nowMs: number): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

/** Drops the retry phase from this turn's connector client (botframework-connector's ServiceClientContext wraps a core-client ServiceClient). */
export function withoutClientRetries(context: TurnContext): void {
  const connectorClient = context.turnState.get(context.adapter.ConnectorClientKey) as
    { client?: { pipeline?: { removePolicy(options: { phase: 'Retry' }): unknown } } } | undefined;
  connectorClient?.client?.pipeline?.removePolicy({ phase: 'Retry' });
}
