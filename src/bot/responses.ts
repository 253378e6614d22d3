import type { DefenderClient } from '../defender/client';
import { DefenderApiError } from '../defender/errors';
import type { IsolationState } from '../defender/isolation';
import type { MachineAction } from '../defender/model';
import type { AuditEntry } from '../store/store';
import { type Acting, tokenSource } from './acting';
import type { OnceLedger } from './once';
import { blockedResponse } from './response-state';
import type { ResponseKind } from './views';

export const MAX_COMMENT_LENGTH = 1000;

export interface ResponseRequest {
  kind: ResponseKind;
  machineId: string;
  /** The confirmation's one-time id: the same confirmation never reaches Defender twice. */
  nonce: string;
  inputs: Record<string, unknown>;
}

/** What is wrong with the confirmation's inputs (the card layer says it in the user's language). */
export type InputProblem =
  | { kind: 'comment_required' }
  | { kind: 'comment_too_long'; length: number; max: number }
  | { kind: 'isolation_type' };

export type ResponseOutcome =
  | { done: 'created'; action: MachineAction }
  | { done: 'already_submitted'; action?: MachineAction }
  | { done: 'invalid_input'; problem: InputProblem }
  /** The device's state no longer allows it (read as the user just now): nothing was sent. */
  | { done: 'stale'; isolation: IsolationState };

/**
 * Sends a confirmed isolate or release to Defender exactly once, with the acting user's own token,
 * and only when the device's isolation state (read as that user first) still allows it: a
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
  ) {}

  async execute(acting: Acting, request: ResponseRequest): Promise<ResponseOutcome> {
    const input = validInputs(request.kind, request.inputs);
    if ('problem' in input) return { done: 'invalid_input', problem: input.problem };
    const isolation = await this.defender.isolationState(tokenSource(acting), request.machineId);
    if (blockedResponse(request.kind, isolation)) {
      const actionId = await this.ledger.lookup(request.nonce);
      if (!actionId) return { done: 'stale', isolation };
    }
    if (!(await this.ledger.claim(request.nonce))) {
      const actionId = await this.ledger.lookup(request.nonce);
      const action = actionId ? await this.defender.getMachineAction(tokenSource(acting), actionId).catch(() => undefined) : undefined;
      return { done: 'already_submitted', action };
    }
    const token = tokenSource(acting);
    const audited = { acting, action: request.kind === 'isolate' ? 'Isolate' : 'Unisolate', machineId: request.machineId, comment: input.comment };
    let action: MachineAction;
    try {
      action = request.kind === 'isolate'
        ? await this.defender.isolate(token, request.machineId, input.comment, input.isolationType)
        : await this.defender.unisolate(token, request.machineId, input.comment);
    } catch (error) {
      if (error instanceof DefenderApiError && error.kind === 'already_in_progress') {
        const pending = await this.pendingAction(acting, request);
        if (pending) return { done: 'already_submitted', action: pending };
      }
      await this.audit(auditEntry(audited, failureResult(error)));
      throw error;
    }
    await this.ledger.record(request.nonce, action.id);
    await this.audit(auditEntry(audited, 'requested', action));
    return { done: 'created', action };
  }

  /** Cancels a pending action with the acting user's token (one request); the audit log records who asked. */
  async cancel(acting: Acting, action: MachineAction, comment: string): Promise<MachineAction> {
    const audited = { acting, action: `Cancel ${action.type}`, machineId: action.machineId, comment };
    try {
      const cancelled = await this.defender.cancelMachineAction(tokenSource(acting), action.id, comment);
      await this.audit(auditEntry(audited, 'requested', cancelled));
      return cancelled;
    } catch (error) {
      await this.audit(auditEntry({ ...audited, computerDnsName: action.computerDnsName }, failureResult(error), undefined));
      throw error;
    }
  }

  private async pendingAction(acting: Acting, request: ResponseRequest): Promise<MachineAction | undefined> {
    const type = request.kind === 'isolate' ? 'Isolate' : 'Unisolate';
    const actions = await this.defender.machineActions(tokenSource(acting), request.machineId, { types: [type], top: 5 });
    return actions.find((action) => action.status === 'Pending' || action.status === 'InProgress');
  }
}

function validInputs(
  kind: ResponseKind,
  inputs: Record<string, unknown>,
): { comment: string; isolationType: 'Full' | 'Selective' } | { problem: InputProblem } {
  const comment = typeof inputs.comment === 'string' ? inputs.comment.trim() : '';
  if (!comment) return { problem: { kind: 'comment_required' } };
  if (comment.length > MAX_COMMENT_LENGTH) return { problem: { kind: 'comment_too_long', length: comment.length, max: MAX_COMMENT_LENGTH } };
  const type = inputs.isolationType ?? 'Full';
  if (kind === 'isolate' && type !== 'Full' && type !== 'Selective') return { problem: { kind: 'isolation_type' } };
  return { comment, isolationType: type === 'Selective' ? 'Selective' : 'Full' };
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
