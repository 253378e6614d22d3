import type { Attachment, ConversationReference } from 'botbuilder';
import { fill, stringsForLocale } from '../cards/strings';
import { DefenderApiError } from '../defender/errors';
import type { AuditEntry, Store } from '../store/store';
import type { Acting } from './acting';
import { problemView } from './problems';
import { isRefusedToken } from './typed-command';
import type { ApprovalCardInput } from '../cards/views';
import type { ResponseActions, ResponseOutcome } from './responses';
import { LeasedRounds } from './leased-rounds';
import type { ResponseDefinition } from './responses/definition';
import { responseStep } from './responses/registry';
import { type Approval, approvedComment, type TwoPersonApproval } from './responses/policies/two-person-approval';
import type { Screens, CardTarget } from './screens';
import type { TurnOutput } from './turn-budget';
import type { Views } from './views';

/** What a click on Approve or Deny comes to: a card for the clicker, or the approved response's outcome (sent as the approver). */
export type ApprovalAnswer = { card: Attachment } | { outcome: ResponseOutcome; machineId: string; approval: Approval };

export const EXPIRY_LEASE = 'approval-expiry';

/** Defender refused the approver themselves (their role or device groups): the request stays open for someone who may. */
const APPROVER_REFUSED = ['forbidden', 'not_found', 'bad_request', 'unsupported_os'];

/**
 * Approve and Deny on a request the two-person rule held: only someone other than the requester
 * decides; an approval sends the response once, as the approver; every decision updates the
 * request's card for everyone and writes an audit line.
 */
export class ApprovalActions {
  private readonly rounds: LeasedRounds;

  constructor(private readonly deps: {
    approvals: TwoPersonApproval;
    responses: ResponseActions;
    screens: Screens;
    views: Views;
    audit: (entry: AuditEntry) => Promise<void>;
    /** Replaces a message's card (the request's, once it expired unanswered). */
    update(reference: Partial<ConversationReference>, messageId: string, card: Attachment): Promise<void>;
    store: Store;
    replicaId: string;
    /** How often a replica looks for requests that expired unanswered. */
    checkMs: number;
    log(line: string): void;
    now?: () => number;
  }) {
    this.rounds = new LeasedRounds(deps.store, {
      name: EXPIRY_LEASE, replicaId: deps.replicaId, everyMs: deps.checkMs, round: () => this.expireOnce().then(() => this.recoverOnce()), log: deps.log, now: deps.now,
    });
  }

  start(): void {
    this.rounds.start();
  }

  async stop(): Promise<void> {
    await this.rounds.stop();
  }

  /** Remembers where everyone sees a request, so that its card says so when it expires unanswered. */
  async shownOn(approval: Approval, card: NonNullable<Approval['card']>): Promise<void> {
    await this.deps.approvals.shownOn(approval, card);
  }

  /**
   * Requests that expired with nobody clicking: each recorded once, with an audit line in the
   * requester's name, and its card updated for everyone to say it expired. Returns how many.
   */
  async expireOnce(): Promise<number> {
    if (!(await this.rounds.lease.hold())) return 0;
    const expired = await this.deps.approvals.expireUnanswered();
    for (const approval of expired) {
      await this.deps.audit(this.auditOf(approval, { ...approval.requester, conversationId: approval.conversationId }, 'expired'));
      await this.updateShown(approval);
    }
    return expired.length;
  }

  /**
   * Approvals stuck mid-request by a replica that stopped (see STUCK_EXECUTING_MS), settled by
   * Defender's history: those Defender has get an audit line and their card says approved; the
   * others are open again. Returns how many were settled.
   */
  async recoverOnce(): Promise<number> {
    if (!(await this.rounds.lease.hold())) return 0;
    const recovered = await this.deps.approvals.recoverStuck();
    for (const approval of recovered) {
      if (approval.state === 'approved') await this.auditRecovered(approval);
      await this.updateShown(approval);
    }
    return recovered.length;
  }

  /** The request's card as everyone sees it, updated to the approval's state (when it was posted). */
  private async updateShown(approval: Approval): Promise<void> {
    const { card } = approval;
    if (!card) return;
    await this.deps.update(card.reference, card.messageId, this.card({ conversationId: approval.conversationId, locale: card.locale }, approval))
      .catch((error: unknown) => this.deps.log(`approvals: the request's card could not be updated: ${error instanceof Error ? error.message : String(error)}`));
  }

  /** The approver's request that Defender took although their replica stopped before recording it: audited in their name. */
  private async auditRecovered(approval: Approval): Promise<void> {
    if (approval.decidedBy) await this.deps.audit(this.auditOf(approval, { ...approval.decidedBy, conversationId: approval.conversationId }, 'recovered'));
  }

  /** The request's card for a conversation: Approve and Deny while it is pending. */
  card(target: CardTarget, approval: Approval): Attachment {
    return this.deps.views.approval(target.locale, this.cardInput(target, approval));
  }

  private cardInput(target: CardTarget, approval: Approval): ApprovalCardInput {
    const definition = responseStep(`${approval.response}.approve`)?.definition;
    const buttons = definition ? this.deps.screens.buttonsFor(target).approval(definition, approval.id) : [];
    const choice = definition?.choice ? approval.inputs[definition.choice.id] ?? null : null;
    return {
      state: approval.state,
      action: { type: definition?.endpoint.actionType ?? 'Isolate', scope: choice },
      device: approval.computerDnsName,
      requester: approval.requester.upn,
      requestedAt: new Date(approval.requestedAt).toISOString(),
      comment: approval.comment,
      reasons: approval.reasons,
      expiresAt: new Date(approval.expiresAt).toISOString(),
      decidedBy: approval.decidedBy?.upn,
      decidedAt: approval.decidedAt === undefined ? undefined : new Date(approval.decidedAt).toISOString(),
      buttons,
    };
  }

  async decide(output: TurnOutput, acting: Acting, definition: ResponseDefinition, step: 'approve' | 'deny', approvalId: string): Promise<ApprovalAnswer> {
    const claim = await this.deps.approvals.claim(acting, approvalId, step === 'approve' ? 'executing' : 'denied');
    const strings = stringsForLocale(acting.locale).approvals;
    const say = (kind: 'info' | 'warning' | 'error', title: string, text: string) => ({ card: this.deps.views.message(acting.locale, { kind, title, text }) });
    if (!claim.ok) {
      switch (claim.why) {
        case 'unknown':
          return say('warning', strings.unknownTitle, strings.unknownText);
        case 'own':
          return say('warning', strings.ownTitle, strings.ownText);
        case 'expired':
          if (claim.recorded) {
            await this.deps.audit(this.auditOf(claim.approval, actor(acting), 'expired'));
            await this.showEveryone(output, acting, claim.approval);
          }
          return say('warning', strings.expiredTitle, strings.expiredText);
        case 'decided':
          if (claim.recorded && claim.approval) {
            await this.auditRecovered(claim.approval);
            await this.showEveryone(output, acting, claim.approval);
          }
          return say('info', strings.decidedTitle, fill(strings.decidedText, { status: this.deps.views.approvalStatus(acting.locale, this.cardInput(acting, claim.approval!)) }));
      }
    }
    if (step === 'deny') {
      await this.deps.audit(this.auditOf(claim.approval, actor(acting), 'denied'));
      return { card: await this.showEveryone(output, acting, claim.approval) };
    }
    return this.approve(acting, definition, claim);
  }

  private async approve(acting: Acting, definition: ResponseDefinition, claim: { approval: Approval; etag: string }): Promise<ApprovalAnswer> {
    const { approval } = claim;
    const request = {
      definition,
      machineId: approval.machineId,
      // Per claim: a refused or stuck attempt never makes the next one (the same approver's too) look like a repeat.
      nonce: `${approval.id}/${acting.token.oid}/${approval.decidedAt}`,
      inputs: { ...approval.inputs, comment: approval.comment },
      argument: approval.argument,
    };
    let outcome: ResponseOutcome;
    try {
      outcome = await this.deps.responses.executeApproved(acting, request, approvedComment(approval, acting.token.upn));
    } catch (error) {
      const refused = error instanceof DefenderApiError && APPROVER_REFUSED.includes(error.kind);
      await this.deps.approvals.settle(claim, refused || isRefusedToken(error) ? 'refused' : 'failed');
      if (!refused) throw error;
      const strings = stringsForLocale(acting.locale).approvals;
      const problem = problemView(error, acting.locale);
      return { card: this.deps.views.message(acting.locale, {
        kind: 'error', title: strings.refusedTitle, text: fill(strings.refusedText, { device: approval.computerDnsName, problem: problem.text }),
      }) };
    }
    const action = 'action' in outcome ? outcome.action : undefined;
    await this.deps.approvals.settle(claim, action ? { actionId: action.id } : 'refused');
    return { outcome, machineId: approval.machineId, approval };
  }

  /** The request's card as it now is, for everyone in the conversation; returned for the clicker too. */
  private async showEveryone(output: TurnOutput, target: CardTarget, approval: Approval): Promise<Attachment> {
    const card = this.card(target, approval);
    if (output.replyToId) await output.update({ type: 'message', id: output.replyToId, attachments: [card] });
    return card;
  }

  private auditOf(approval: Approval, by: { oid: string; upn: string; conversationId: string }, result: 'denied' | 'expired' | 'recovered'): AuditEntry {
    const definition = responseStep(`${approval.response}.approve`)?.definition;
    return {
      time: new Date().toISOString(),
      userOid: by.oid,
      upn: by.upn,
      machineId: approval.machineId,
      computerDnsName: approval.computerDnsName,
      action: definition?.endpoint.actionType ?? approval.response,
      comment: `${approval.comment} (requested by ${approval.requester.upn})`,
      result,
      defenderActionId: approval.actionId ?? null,
      conversationId: by.conversationId,
    };
  }
}

function actor(acting: Acting): { oid: string; upn: string; conversationId: string } {
  return { oid: acting.token.oid, upn: acting.token.upn, conversationId: acting.conversationId };
}

