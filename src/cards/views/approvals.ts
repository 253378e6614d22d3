import { fill } from '../strings';
import { oneLine, timeWithAge, timeWithCountdown, type CardColor, type ViewContext } from '../format';
import type { MachineActionType } from '../../defender/model';
import { actionTypeOf, cardFrame, type CardAction, type CardFrame } from './common';

/** Why a device counts as critical under the two-person rule. */
export type CriticalReason = { kind: 'deviceValue' } | { kind: 'tag'; name: string } | { kind: 'group'; name: string };

export type ApprovalCardState = 'pending' | 'executing' | 'approved' | 'denied' | 'expired' | 'failed';

/** A response held for a second person, as its card shows it. */
export interface ApprovalCardInput {
  state: ApprovalCardState;
  /** The response as Defender names it, with its choice (isolation type, …) as scope. */
  action: { type: MachineActionType; scope: string | null };
  device: string;
  requester: string;
  requestedAt: string;
  comment: string;
  reasons: readonly CriticalReason[];
  expiresAt: string;
  decidedBy?: string;
  decidedAt?: string;
  /** Approve and Deny while it is pending. */
  buttons: readonly CardAction[];
}

export interface ApprovalCardData extends CardFrame {
  title: string;
  status: string;
  color: CardColor;
  text: string;
  facts: { label: string; value: string }[];
  hint: string;
}

/** "device value High, tag "DC"": why the device is critical, in the card's language. */
export function criticalReasonsText(reasons: readonly CriticalReason[], context: ViewContext): string {
  const strings = context.strings.approvals.reasons;
  return reasons.map((reason) => (reason.kind === 'deviceValue' ? strings.deviceValue : fill(strings[reason.kind], { name: oneLine(reason.name, 80) })))
    .join(', ');
}

/** "Denied by …, 10:12 UTC (just now)": where the request stands. */
export function approvalStatus(input: Pick<ApprovalCardInput, 'state' | 'decidedBy' | 'decidedAt' | 'expiresAt'>, context: ViewContext): string {
  const when = input.state === 'expired' ? input.expiresAt : input.decidedAt;
  return fill(context.strings.approvals.states[input.state], { who: oneLine(input.decidedBy, 100), when: when ? timeWithAge(when, context) : '' });
}

/**
 * The request everyone in the conversation sees: what, on which device, who asked and why, why
 * the device is critical, and until when; once decided, by whom.
 */
export function approvalView(input: ApprovalCardInput, context: ViewContext): ApprovalCardData {
  const strings = context.strings.approvals;
  const device = oneLine(input.device, 100);
  const requester = oneLine(input.requester, 100);
  const pending = input.state === 'pending';
  const action = actionTypeOf(input.action, context);
  return {
    ...cardFrame(pending ? input.buttons : [], undefined, context),
    title: fill(strings.title, { action, device }),
    status: approvalStatus(input, context),
    color: pending || input.state === 'executing' ? 'warning' : input.state === 'approved' ? 'good' : 'attention',
    text: fill(strings.text, { requester }),
    facts: [
      { label: strings.device, value: device },
      { label: strings.action, value: action },
      { label: strings.requestedBy, value: `${requester}, ${timeWithAge(input.requestedAt, context)}` },
      { label: strings.comment, value: oneLine(input.comment, 500) },
      { label: strings.critical, value: criticalReasonsText(input.reasons, context) },
      { label: strings.expires, value: timeWithCountdown(input.expiresAt, context) },
    ],
    hint: pending ? fill(strings.pendingHint, { requester }) : '',
  };
}
