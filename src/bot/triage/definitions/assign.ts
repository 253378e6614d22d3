import type { TriageDefinition } from '../definition';

const UPN = /^[^\s@]{1,128}@[^\s@]{1,255}$/;

/** Assign (`assignedTo`): to the user themself (`me`, the card's Assign to me) or to a UPN (typed). */
export const assign: TriageDefinition = {
  action: 'AssignAlert',
  update(inputs, upn) {
    const assignee = inputs.assignee ?? 'me';
    if (assignee === 'me') return { assignedTo: upn };
    if (typeof assignee !== 'string' || !UPN.test(assignee)) return { problem: { kind: 'choice', input: 'assignee' } };
    return { assignedTo: assignee };
  },
  button: {
    verb: 'alert.assign',
    title: (strings) => strings.triage.assignToMe,
    offered: (alert, viewerUpn) => alert.status !== 'Resolved' && (viewerUpn === undefined || alert.assignedTo?.toLowerCase() !== viewerUpn.toLowerCase()),
  },
};
