import type { DefenderClient } from '../defender/client';
import { DefenderApiError } from '../defender/errors';
import { actionStateFrom, type IsolationState } from '../defender/isolation';
import { FINAL_ACTION_STATUSES, type MachineAction } from '../defender/model';
import { fill, stringsForLocale } from '../cards/strings';
import type { AuditEntry } from '../store/store';
import { type Acting, tokenSource } from './acting';
import type { OnceLedger } from './once';
import type { ResponseDefinition } from './responses/definition';
import type { Approval } from './responses/policies/two-person-approval';

export const MAX_COMMENT_LENGTH = 1000;

export interface ResponseRequest {
  definition: ResponseDefinition;
  machineId: string;
  /** The confirmation's one-time id: the same confirmation never reaches Defender twice. */
  nonce: string;
  inputs: Record<string, unknown>;
  /** The definition's argument (a file's SHA-1) as the signed button carries it. */
  argument?: string;
}

/** What is wrong with the confirmation's inputs (the card layer says it in the user's language). */
export type InputProblem =
  | { kind: 'comment_required' }
  | { kind: 'comment_too_long'; length: number; max: number }
  /** The choice (isolation type, scan type) is none of the definition's values. */
  | { kind: 'choice' }
  /** The argument (a SHA-1) does not have the definition's shape. */
  | { kind: 'argument' }
  /** Break glass asked for without a reason, or where the policy does not allow it. */
  | { kind: 'break_glass_reason' }
  | { kind: 'break_glass_off' };

/** A confirmed response with valid inputs, before Defender is called: what a guard decides on. */
export interface GuardedResponse {
  definition: ResponseDefinition;
  machineId: string;
  nonce: string;
  comment: string;
  choice?: string;
  argument?: string;
  inputs: Record<string, unknown>;
}

/** Sent (with the guard's comment, flagged when it breaks glass), held for a second person, or refused for its inputs. */
export type GuardDecision =
  | { go: true; comment?: string; breakGlass?: { reason: string } }
  /** `created`: this confirmation made the request (false for a second arrival of it). */
  | { go: false; approval: Approval; created: boolean }
  | { go: false; problem: InputProblem };

/** A policy on every response, after its inputs and the device's state are checked and before Defender is called. */
export interface ResponseGuard {
  check(acting: Acting, request: GuardedResponse): Promise<GuardDecision>;
}

export type ResponseOutcome =
  | { done: 'created'; action: MachineAction; breakGlass?: { reason: string } }
  /** Held for a second person: nothing was sent. */
  | { done: 'awaiting_approval'; approval: Approval }
  | { done: 'already_submitted'; action?: MachineAction }
  | { done: 'invalid_input'; problem: InputProblem }
  /** The device's state no longer allows it (read as the user just now): nothing was sent. */
  | { done: 'stale'; isolation: IsolationState };

/**
 * The pipeline of every machine response action (isolate, release, scan, …; one definition each):
 * sends a confirmed response to Defender exactly once, with the acting user's own token, and only
 * when the state of its family of actions (read as that user first) still allows it: a
 * confirmation for a device that was isolated meanwhile never reaches Defender, where it would
 * wait Pending and isolate the device again after the next release (issue #5903).
 * A second arrival of the same confirmation (double click, re-sent invoke, another replica) gets
 * the action the first one created, never a second request.
 */
export class ResponseActions {
  constructor(
    private readonly defender: DefenderClient,
    private readonly ledger: OnceLedger<string>,
    private readonly audit: (entry: AuditEntry) => Promise<void>,
    private readonly guard?: ResponseGuard,
  ) {}

  async execute(acting: Acting, request: ResponseRequest): Promise<ResponseOutcome> {
    return this.run(acting, request, this.guard);
  }

  /**
   * A response a second person approved: sent once (the request's nonce names the approval), as
   * the approver, so Defender checks the approver's own rights; its comment names both people.
   */
  async executeApproved(approver: Acting, request: ResponseRequest, comment: string): Promise<ResponseOutcome> {
    return this.run(approver, request, undefined, comment);
  }

  private async run(acting: Acting, request: ResponseRequest, guard: ResponseGuard | undefined, commentSent?: string): Promise<ResponseOutcome> {
    const { definition } = request;
    const input = validInputs(definition, request.inputs, request.argument);
    if ('problem' in input) return { done: 'invalid_input', problem: input.problem };
    const token = tokenSource(acting);
    const history = await this.defender.machineActions(token, request.machineId, { types: definition.family, top: 5 });
    const state = actionStateFrom(history, definition.family);
    if (definition.blocked(state)) {
      const actionId = await this.ledger.lookup(request.nonce);
      if (!actionId) return { done: 'stale', isolation: state };
    }
    const decision: GuardDecision = guard
      ? await guard.check(acting, { definition, machineId: request.machineId, nonce: request.nonce, ...input, inputs: request.inputs })
      : { go: true };
    if (!decision.go && 'problem' in decision) return { done: 'invalid_input', problem: decision.problem };
    if (!decision.go) {
      const { approval } = decision;
      if (decision.created) {
        await this.audit(auditEntry({ acting, action: definition.endpoint.actionType, machineId: request.machineId, comment: input.comment, computerDnsName: approval.computerDnsName }, 'awaitingApproval'));
      }
      return { done: 'awaiting_approval', approval };
    }
    if (!(await this.ledger.claim(request.nonce))) {
      const actionId = await this.ledger.lookup(request.nonce);
      const action = actionId ? await this.defender.getMachineAction(token, actionId).catch(() => undefined) : undefined;
      return { done: 'already_submitted', action };
    }
    const comment = commentSent ?? decision.comment ?? input.comment;
    const audited = { acting, action: definition.endpoint.actionType, machineId: request.machineId, comment };
    let action: MachineAction;
    try {
      action = await this.defender.respond(token, definition.endpoint, request.machineId, comment, definition.body(input.choice, input.argument));
    } catch (error) {
      if (error instanceof DefenderApiError && error.kind === 'already_in_progress') {
        const pending = await this.pendingAction(acting, request);
        if (pending) return { done: 'already_submitted', action: pending };
      }
      await this.audit(auditEntry(audited, failureResult(error)));
      throw error;
    }
    await this.ledger.record(request.nonce, action.id);
    await this.audit(auditEntry(audited, decision.breakGlass ? 'breakGlass' : 'requested', action));
    return { done: 'created', action, ...(decision.breakGlass ? { breakGlass: decision.breakGlass } : {}) };
  }

  /**
   * Cancels an action if it is still running, read as the acting user first: one read, then one
   * cancel request (its comment the user's, or one naming them); a finished action is returned as is.
   */
  async cancelPending(acting: Acting, actionId: string, comment = ''): Promise<{ cancelled: MachineAction } | { finished: MachineAction }> {
    const current = await this.defender.getMachineAction(tokenSource(acting), actionId);
    if (FINAL_ACTION_STATUSES.includes(current.status)) return { finished: current };
    const text = comment.trim() || fill(stringsForLocale(acting.locale).bot.stale.cancelComment, { upn: acting.token.upn });
    return { cancelled: await this.cancel(acting, current, text.slice(0, MAX_COMMENT_LENGTH)) };
  }

  /**
   * A finished action's result (the investigation package's short-lived link), read once with the
   * acting user's token; the audit log records who got it (`Download <type>`), or that Defender refused.
   */
  async fetchResult(acting: Acting, definition: ResponseDefinition, action: { id: string; machineId: string; device: string }): Promise<string> {
    const audited = { acting, action: `Download ${definition.endpoint.actionType}`, machineId: action.machineId, comment: '', computerDnsName: action.device };
    try {
      const link = await definition.result!.link(this.defender, tokenSource(acting), action.id);
      await this.audit({ ...auditEntry(audited, 'Succeeded'), defenderActionId: action.id });
      return link;
    } catch (error) {
      await this.audit({ ...auditEntry(audited, failureResult(error)), defenderActionId: action.id });
      throw error;
    }
  }

  /** Cancels a pending action with the acting user's token (one request); the audit log records who asked. */
  async cancel(acting: Acting, action: MachineAction, comment: string): Promise<MachineAction> {
    const audited = { acting, action: `Cancel ${action.type}`, machineId: action.machineId, comment };
    try {
      const cancelled = await this.defender.cancelMachineAction(tokenSource(acting), action, comment);
      await this.audit(auditEntry(audited, 'requested', cancelled));
      return cancelled;
    } catch (error) {
      await this.audit(auditEntry({ ...audited, computerDnsName: action.computerDnsName }, failureResult(error), undefined));
      throw error;
    }
  }

  private async pendingAction(acting: Acting, request: ResponseRequest): Promise<MachineAction | undefined> {
    const types = [request.definition.endpoint.actionType];
    const actions = await this.defender.machineActions(tokenSource(acting), request.machineId, { types, top: 5 });
    return actions.find((action) => action.status === 'Pending' || action.status === 'InProgress');
  }
}

function validInputs(
  definition: ResponseDefinition,
  inputs: Record<string, unknown>,
  argument: string | undefined,
): { comment: string; choice?: string; argument?: string } | { problem: InputProblem } {
  const comment = typeof inputs.comment === 'string' ? inputs.comment.trim() : '';
  if (!comment) return { problem: { kind: 'comment_required' } };
  if (comment.length > MAX_COMMENT_LENGTH) return { problem: { kind: 'comment_too_long', length: comment.length, max: MAX_COMMENT_LENGTH } };
  if (definition.argument && !definition.argument.pattern.test(argument ?? '')) return { problem: { kind: 'argument' } };
  const valid = { comment, ...(definition.argument ? { argument } : {}) };
  const { choice } = definition;
  if (!choice) return valid;
  const value = inputs[choice.id] ?? choice.initial;
  if (typeof value !== 'string' || !choice.values.includes(value)) return { problem: { kind: 'choice' } };
  return { ...valid, choice: value };
}

function failureResult(error: unknown): 'refused' | 'failed' {
  const refused = error instanceof DefenderApiError && ['forbidden', 'not_found', 'bad_request', 'unsupported_os', 'unauthorized'].includes(error.kind);
  return refused ? 'refused' : 'failed';
}

/** The audit log line of a response action: who asked for what (Defender's action name) on which device, and what came of it. */
export function auditEntry(
  request: { acting: Acting; action: string; machineId: string; comment: string; computerDnsName?: string },
  result: string,
  action?: MachineAction,
): AuditEntry {
  return {
    time: new Date().toISOString(),
    userOid: request.acting.token.oid,
    upn: request.acting.token.upn,
    machineId: request.machineId,
    computerDnsName: action?.computerDnsName ?? request.computerDnsName ?? request.machineId,
    action: request.action,
    comment: request.comment,
    result,
    defenderActionId: action?.id ?? null,
    conversationId: request.acting.conversationId,
  };
}
