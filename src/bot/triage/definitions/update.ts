import { ALERT_STATUSES, verdictFrom } from '../../../defender/alert-triage';
import type { AlertUpdate } from '../../../defender/alert-triage';
import { KEEP_VERDICT } from '../../../cards/views/alerts';
import { type TriageDefinition, triageComment } from '../definition';

/**
 * The triage form (status New / In progress / Resolved, a classification with one of the
 * determinations it allows, a comment): one PATCH with what was chosen. Offered on every alert card.
 */
export const updateAlert: TriageDefinition = {
  action: 'UpdateAlert',
  update(inputs) {
    const update: AlertUpdate = {};
    const status = inputs.status ?? '';
    if (status !== '') {
      const known = ALERT_STATUSES.find((value) => value === status);
      if (!known) return { problem: { kind: 'choice', input: 'status' } };
      update.status = known;
    }
    const verdictText = inputs.verdict ?? KEEP_VERDICT;
    if (verdictText !== KEEP_VERDICT) {
      const verdict = typeof verdictText === 'string' ? verdictFrom(verdictText) : undefined;
      if (!verdict) return { problem: { kind: 'choice', input: 'verdict' } };
      Object.assign(update, verdict);
    }
    const comment = triageComment(inputs.comment);
    if ('problem' in comment) return comment;
    Object.assign(update, comment);
    return Object.keys(update).length > 0 ? update : { problem: { kind: 'nothing_to_change' } };
  },
  button: {
    verb: 'alert.triage',
    title: (strings) => strings.triage.triage,
    offered: () => true,
    form: true,
  },
};
