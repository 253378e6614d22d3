import type { AlertUpdate } from '../../defender/alert-triage';
import type { DefenderClient } from '../../defender/client';
import { DefenderApiError } from '../../defender/errors';
import type { Alert } from '../../defender/model';
import type { AuditEntry } from '../../store/store';
import { type Acting, tokenSource } from '../acting';
import type { OnceLedger } from '../once';
import { auditEntry } from '../responses';
import type { TriageDefinition, TriageProblem } from './definition';

/** Where the cards of an alert are kept current: the notifier's record of the cards it posted. */
export interface AlertCards {
  alertChanged(alert: Alert): Promise<unknown>;
}

export type TriageOutcome =
  | { done: 'updated'; alert: Alert }
  | { done: 'invalid_input'; problem: TriageProblem }
  /** This form was saved already (a double click, a re-sent invoke): nothing was sent again. */
  | { done: 'already_saved' };

/**
 * The pipeline of every triage step (assign, resolve, the triage form; one definition each):
 * inputs checked → exactly one `PATCH /api/alerts/{id}` with the acting user's own token
 * (update-alert, learn.microsoft.com/defender-endpoint/api/update-alert: Alert.ReadWrite and the
 * Alerts investigation role; Defender decides) → an audit line, refusals included → every
 * notification card of the alert updated. The caller updates the card that was clicked.
 */
export class AlertTriage {
  constructor(
    private readonly defender: DefenderClient,
    private readonly audit: (entry: AuditEntry) => Promise<void>,
    private readonly cards: AlertCards,
    private readonly ledger: OnceLedger<true>,
    private readonly log: (line: string) => void,
  ) {}

  /** `nonce`: a form's one-time id (its Save reaches Defender once); steps without a form have none. */
  async apply(
    acting: Acting, alertId: string, definition: TriageDefinition, inputs: Readonly<Record<string, unknown>>, nonce?: string,
  ): Promise<TriageOutcome> {
    const update = definition.update(inputs, acting.token.upn);
    if ('problem' in update) return { done: 'invalid_input', problem: update.problem };
    if (nonce !== undefined && !(await this.ledger.claim(nonce))) return { done: 'already_saved' };
    const audited = (alert?: Alert) => ({
      acting, action: definition.action, machineId: alert?.machineId ?? '', computerDnsName: alert?.computerDnsName ?? '',
      comment: [describe(update), update.comment].filter(Boolean).join('; '),
    });
    let alert: Alert;
    try {
      alert = await this.defender.updateAlert(tokenSource(acting), alertId, update);
    } catch (error) {
      const refused = error instanceof DefenderApiError && ['forbidden', 'not_found', 'bad_request', 'unauthorized'].includes(error.kind);
      await this.audit(auditEntry(audited(), refused ? 'refused' : 'failed'));
      throw error;
    }
    await this.audit(auditEntry(audited(alert), 'updated'));
    // The alert changed in Defender whatever happens here: the next poll updates the cards if this fails.
    await this.cards.alertChanged(alert).catch((error) => this.log(`triage: updating the notification cards of alert ${alert.id} failed: ${String(error)}`));
    return { done: 'updated', alert };
  }
}

/** `assignedTo bob@…, status Resolved`: what the audit line says was changed. */
function describe(update: AlertUpdate): string {
  return Object.entries(update).filter(([key, value]) => value !== undefined && key !== 'comment').map(([key, value]) => `${key} ${String(value)}`).join(', ');
}
