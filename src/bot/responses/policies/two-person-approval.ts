import type { ConversationReference } from 'botbuilder';
import type { CriticalReason } from '../../../cards/views/approvals';
import type { ApprovalPolicy } from '../../../config';
import type { AccessTokenSource, DefenderClient } from '../../../defender/client';
import type { Machine, MachineAction } from '../../../defender/model';
import { ConflictError, type Store, type StoredDocument } from '../../../store/store';
import { type Acting, tokenSource } from '../../acting';
import type { GuardDecision, GuardedResponse, ResponseGuard } from '../../responses';

export type { CriticalReason };

/** Who requested or decided, as the cards and the audit log name them (no token). */
export interface ApprovalPerson {
  oid: string;
  upn: string;
  name: string;
  teamsUserId: string;
}

export type ApprovalState = 'pending' | 'executing' | 'approved' | 'denied' | 'expired' | 'failed';

/**
 * A response held for a second person, in the store under the requester's confirmation nonce (a
 * second arrival of the same confirmation finds it instead of asking again). Its etag makes every
 * decision an atomic claim: of two approvers clicking at once, one wins.
 */
export interface Approval {
  id: string;
  /** The response definition's name. */
  response: string;
  machineId: string;
  computerDnsName: string;
  comment: string;
  /** The confirmation's other inputs (isolation type, release reminder, …) as the requester gave them. */
  inputs: Record<string, string>;
  /** The definition's argument (quarantine's SHA-1), as the requester's signed button carried it. */
  argument?: string;
  reasons: CriticalReason[];
  requester: ApprovalPerson;
  conversationId: string;
  requestedAt: number;
  expiresAt: number;
  state: ApprovalState;
  decidedBy?: ApprovalPerson;
  decidedAt?: number;
  actionId?: string;
  /** The message that shows the request to everyone, once posted: updated when it expires unanswered. */
  card?: { reference: Partial<ConversationReference>; messageId: string; locale: string };
}

export const APPROVALS = 'approvals';
/** How long a decided or expired request stays readable (a late click still learns what came of it). */
const KEPT_AFTER_EXPIRY_SECONDS = 7 * 24 * 60 * 60;
const MAX_BREAK_GLASS_REASON = 500;
/**
 * An approval still `executing` this long after its claim was left so by an approver's replica that
 * stopped before recording Defender's answer (a live one gives up on Defender within seconds).
 */
export const STUCK_EXECUTING_MS = 2 * 60_000;
/** Defender's clock may be this far behind ours when it stamps the approved action. */
const DEFENDER_CLOCK_SKEW_MS = 60_000;
/** How many of the device's latest actions are looked through for a stuck approval's. */
const RECOVERY_HISTORY = 20;

/** The policy's reasons for a device (none: it is not critical). Names compare without case. */
export function criticalReasons(policy: ApprovalPolicy, machine: Pick<Machine, 'deviceValue' | 'machineTags' | 'rbacGroupName'>): CriticalReason[] {
  const has = (names: readonly string[], name: string) => names.some((candidate) => candidate.toLowerCase() === name.toLowerCase());
  const reasons: CriticalReason[] = machine.deviceValue === 'High' ? [{ kind: 'deviceValue' }] : [];
  for (const tag of machine.machineTags ?? []) if (has(policy.tags, tag)) reasons.push({ kind: 'tag', name: tag });
  if (machine.rbacGroupName && has(policy.deviceGroups, machine.rbacGroupName)) reasons.push({ kind: 'group', name: machine.rbacGroupName });
  return reasons;
}

/** The reasons a response on this device needs a second person (none: it does not). */
export function approvalReasons(policy: ApprovalPolicy, response: string, machine: Pick<Machine, 'deviceValue' | 'machineTags' | 'rbacGroupName'>): CriticalReason[] {
  return policy.actions.includes(response) ? criticalReasons(policy, machine) : [];
}

/** What a click on Approve or Deny may do. */
export type ApprovalClaim =
  | { ok: true; approval: Approval; etag: string }
  | { ok: false; why: 'unknown' | 'own'; approval?: Approval }
  /** `recorded`: this click found a stuck approval's action in Defender and recorded it as approved. */
  | { ok: false; why: 'decided'; approval?: Approval; recorded?: boolean }
  /** `recorded`: this click found it expired and recorded so (once across replicas). */
  | { ok: false; why: 'expired'; approval: Approval; recorded: boolean };

/**
 * The two-person rule, a guard on the response pipeline: a response its policy lists, on a
 * critical device, is held as a request for someone else (or, when the policy allows, sent at
 * once as a flagged break-glass). Approve and Deny are claims on the stored request.
 */
export class TwoPersonApproval implements ResponseGuard {
  constructor(
    private readonly store: Store,
    private readonly defender: DefenderClient,
    readonly policy: ApprovalPolicy,
    /** The app's read-only token: what came of an approval whose approver's replica stopped mid-request. */
    private readonly appToken: AccessTokenSource,
    private readonly now: () => number = Date.now,
  ) {}

  async check(acting: Acting, request: GuardedResponse): Promise<GuardDecision> {
    if (!this.policy.actions.includes(request.definition.name)) return { go: true };
    const machine = await this.defender.getMachine(tokenSource(acting), request.machineId);
    const reasons = criticalReasons(this.policy, machine);
    if (reasons.length === 0) return { go: true };
    if (request.inputs.breakGlass === 'true' || request.inputs.breakGlass === true) return this.breakGlass(acting, request);
    const now = this.now();
    const approval: Approval = {
      id: request.nonce,
      response: request.definition.name,
      machineId: machine.id,
      computerDnsName: machine.computerDnsName,
      comment: request.comment,
      inputs: keptInputs(request.inputs),
      ...(request.argument ? { argument: request.argument } : {}),
      reasons,
      requester: personOf(acting),
      conversationId: acting.conversationId,
      requestedAt: now,
      expiresAt: now + this.policy.expiryMinutes * 60_000,
      state: 'pending',
    };
    const stored = await this.create(approval);
    return { go: false, approval: stored, created: stored === approval };
  }

  /** Remembers the message that shows a pending request (nothing when it was decided meanwhile). */
  async shownOn(approval: Approval, card: NonNullable<Approval['card']>): Promise<void> {
    const document = await this.store.get<Approval>(APPROVALS, approval.id);
    if (document?.value.state === 'pending' && !document.value.card) await this.replace(document, { card });
  }

  /** Pending requests past their expiry that nobody clicked, each recorded as expired once (an etag claim); returns those this call recorded. */
  async expireUnanswered(): Promise<Approval[]> {
    const now = this.now();
    const expired: Approval[] = [];
    for (const document of await this.store.list<Approval>(APPROVALS)) {
      if (document.value.state !== 'pending' || now < document.value.expiresAt) continue;
      const recorded = await this.replace(document, { state: 'expired' });
      if (recorded) expired.push(recorded.value);
    }
    return expired;
  }

  /** Approvals stuck in `executing` (see STUCK_EXECUTING_MS), each settled once by Defender's history; returns those this call settled. */
  async recoverStuck(): Promise<Approval[]> {
    const recovered: Approval[] = [];
    for (const document of await this.store.list<Approval>(APPROVALS)) {
      if (!this.stuck(document.value)) continue;
      const settled = await this.recover(document);
      if (settled) recovered.push(settled.value);
    }
    return recovered;
  }

  async get(id: string): Promise<Approval | undefined> {
    return (await this.store.get<Approval>(APPROVALS, id))?.value;
  }

  /**
   * Claims a pending request for a decision by `acting` (`executing` for an approval, `denied`):
   * refused for the requester themselves, once it expired (which is then recorded), or once
   * someone else decided or claimed it first. A stuck approval is recovered first: approved when
   * Defender has its action, else open again for this click to claim.
   */
  async claim(acting: Acting, id: string, decision: 'executing' | 'denied'): Promise<ApprovalClaim> {
    const document = await this.store.get<Approval>(APPROVALS, id);
    if (!document) return { ok: false, why: 'unknown' };
    const approval = document.value;
    if (this.stuck(approval)) {
      const recovered = await this.recover(document);
      if (recovered?.value.state === 'approved') return { ok: false, why: 'decided', approval: recovered.value, recorded: true };
      return this.claim(acting, id, decision);
    }
    if (approval.state === 'expired') return { ok: false, why: 'expired', approval, recorded: false };
    if (approval.state !== 'pending') return { ok: false, why: 'decided', approval };
    if (approval.requester.oid === acting.token.oid) return { ok: false, why: 'own', approval };
    if (this.now() >= approval.expiresAt) {
      const expired = await this.replace(document, { state: 'expired' });
      return expired ? { ok: false, why: 'expired', approval: expired.value, recorded: true } : this.claim(acting, id, decision);
    }
    const claimed = await this.replace(document, { state: decision, decidedBy: personOf(acting), decidedAt: this.now() });
    if (!claimed) return { ok: false, why: 'decided', approval: (await this.get(id)) ?? approval };
    return { ok: true, approval: claimed.value, etag: claimed.etag };
  }

  /** After the approver's request: approved (with the action), failed, or open again when Defender refused the approver. */
  async settle(claim: { approval: Approval; etag: string }, outcome: { actionId: string } | 'refused' | 'failed'): Promise<Approval> {
    const change: Partial<Approval> = outcome === 'refused'
      ? { state: 'pending', decidedBy: undefined, decidedAt: undefined }
      : outcome === 'failed' ? { state: 'failed' } : { state: 'approved', actionId: outcome.actionId };
    const settled = await this.replace({ key: claim.approval.id, value: claim.approval, etag: claim.etag }, change);
    return settled?.value ?? claim.approval;
  }

  private stuck(approval: Approval): boolean {
    return approval.state === 'executing' && this.now() >= (approval.decidedAt ?? 0) + STUCK_EXECUTING_MS;
  }

  /**
   * Settles a stuck approval by Defender's history, read with the app's token: approved with the
   * action its approver sent (never sent twice), else pending again. Undefined when someone else
   * settled it first (the etag).
   */
  private async recover(document: StoredDocument<Approval>): Promise<StoredDocument<Approval> | undefined> {
    const approval = document.value;
    const sent = await this.sentAction(approval);
    return this.replace(document, sent ? { state: 'approved', actionId: sent.id } : { state: 'pending', decidedBy: undefined, decidedAt: undefined });
  }

  /** The device's action that the approval's approver sent: its comment is the approved comment naming both people, made after the request. */
  private async sentAction(approval: Approval): Promise<MachineAction | undefined> {
    if (!approval.decidedBy) return undefined;
    const comment = approvedComment(approval, approval.decidedBy.upn);
    const history = await this.defender.machineActions(this.appToken, approval.machineId, { top: RECOVERY_HISTORY });
    const notBefore = approval.requestedAt - DEFENDER_CLOCK_SKEW_MS;
    return history.find((action) => action.requestorComment === comment && Date.parse(action.creationDateTimeUtc) >= notBefore);
  }

  /** A second arrival of the same confirmation gets the request the first one made. */
  private async create(approval: Approval): Promise<Approval> {
    try {
      await this.store.put(APPROVALS, approval.id, approval, { ttlSeconds: this.ttlSeconds(approval) });
      return approval;
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error;
      return (await this.get(approval.id)) ?? approval;
    }
  }

  private breakGlass(acting: Acting, request: GuardedResponse): GuardDecision {
    const reason = typeof request.inputs.breakGlassReason === 'string' ? request.inputs.breakGlassReason.trim() : '';
    if (!this.policy.breakGlass) return { go: false, problem: { kind: 'break_glass_off' } };
    if (!reason) return { go: false, problem: { kind: 'break_glass_reason' } };
    if (reason.length > MAX_BREAK_GLASS_REASON) return { go: false, problem: { kind: 'comment_too_long', length: reason.length, max: MAX_BREAK_GLASS_REASON } };
    return {
      go: true,
      breakGlass: { reason },
      comment: `BREAK-GLASS by ${acting.token.upn} without a second person (${reason}): ${request.comment}`,
    };
  }

  private async replace(document: StoredDocument<Approval>, change: Partial<Approval>): Promise<StoredDocument<Approval> | undefined> {
    const value = { ...document.value, ...change };
    try {
      return await this.store.put(APPROVALS, document.key, value, { etag: document.etag, ttlSeconds: this.ttlSeconds(value) });
    } catch (error) {
      if (error instanceof ConflictError) return undefined;
      throw error;
    }
  }

  private ttlSeconds(approval: Approval): number {
    return Math.max(1, Math.ceil((approval.expiresAt - this.now()) / 1000)) + KEPT_AFTER_EXPIRY_SECONDS;
  }
}

/** The Defender comment of an approved response: the requester's words, then both people. */
export function approvedComment(approval: Approval, approverUpn: string): string {
  return `${approval.comment} (requested by ${approval.requester.upn}, approved by ${approverUpn} in Microsoft Teams)`;
}

function personOf(acting: Acting): ApprovalPerson {
  return { oid: acting.token.oid, upn: acting.token.upn, name: acting.token.name, teamsUserId: acting.teamsUserId };
}

const NOT_KEPT = new Set(['comment', 'breakGlass', 'breakGlassReason']);
const MAX_KEPT_INPUTS = 10;
const MAX_KEPT_INPUT_LENGTH = 100;

/** The card's short text inputs besides the comment and break glass, bounded: they are untrusted and go into the store. */
function keptInputs(inputs: Record<string, unknown>): Record<string, string> {
  const kept = Object.entries(inputs)
    .filter((entry): entry is [string, string] => !NOT_KEPT.has(entry[0]) && typeof entry[1] === 'string' && entry[1].length <= MAX_KEPT_INPUT_LENGTH && entry[0].length <= 40);
  return Object.fromEntries(kept.slice(0, MAX_KEPT_INPUTS));
}
