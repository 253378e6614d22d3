import { type AlertClassification, DETERMINATIONS } from '../../../defender/alert-triage';
import { type TriageDefinition, triageComment } from '../definition';

/** Resolve, typed (`resolve <alert> <classification> [<determination>] [comment]`): status Resolved with the verdict. */
export const resolve: TriageDefinition = {
  action: 'ResolveAlert',
  update(inputs) {
    const classification = inputs.classification as AlertClassification;
    const allowed: readonly string[] | undefined = DETERMINATIONS[classification];
    if (!allowed) return { problem: { kind: 'choice', input: 'verdict' } };
    const determination = typeof inputs.determination === 'string' && inputs.determination ? inputs.determination : undefined;
    if (determination !== undefined && !allowed.includes(determination)) return { problem: { kind: 'choice', input: 'verdict' } };
    const comment = triageComment(inputs.comment);
    if ('problem' in comment) return comment;
    return { status: 'Resolved', classification, determination, ...comment };
  },
};
