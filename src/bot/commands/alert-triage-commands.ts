import type { Attachment } from 'botbuilder';
import type { AlertUpdate } from '../../defender/alert-triage';
import type { Alert } from '../../defender/model';
import { DefenderApiError } from '../../defender/errors';
import type { Store } from '../../store/store';
import type { Acting } from '../acting';
import { auditEntry } from '../responses';
import type { Screens } from '../screens';
import type { Command } from './parse';

export interface TriageCommandDeps {
  screens: Screens;
  audit: Pick<Store, 'appendAudit'>;
}

type TriageCommand = Extract<Command, { name: 'assign' } | { name: 'resolve' }>;

/**
 * `assign` and `resolve`: one `PATCH /api/alerts/{id}` as the user who typed it (Defender decides,
 * Alerts investigation and Alert.ReadWrite), then the alert's card as it is now; audited, refusals included.
 */
export async function triageAlert(command: TriageCommand, acting: Acting, deps: TriageCommandDeps): Promise<{ alert: Alert; card: Attachment }> {
  const { update, action, comment } = command.name === 'assign'
    ? { update: { assignedTo: command.assignee === 'me' ? acting.token.upn : command.assignee }, action: 'AssignAlert', comment: '' }
    : {
      update: {
        status: 'Resolved', classification: command.classification, determination: command.determination, comment: command.comment || undefined,
      } satisfies AlertUpdate,
      action: 'ResolveAlert',
      comment: command.comment,
    };
  const audited = (alert: { machineId?: string | null; computerDnsName?: string | null } | undefined) => ({
    acting, action, machineId: alert?.machineId ?? '', computerDnsName: alert?.computerDnsName ?? '',
    comment: [describe(update), comment].filter(Boolean).join('; '),
  });
  try {
    const updated = await deps.screens.updatedAlert(acting, command.alertId, update as AlertUpdate);
    await deps.audit.appendAudit(auditEntry(audited(updated.alert), 'updated'));
    return updated;
  } catch (error) {
    const refused = error instanceof DefenderApiError && ['forbidden', 'not_found', 'bad_request', 'unauthorized'].includes(error.kind);
    await deps.audit.appendAudit(auditEntry(audited(undefined), refused ? 'refused' : 'failed'));
    throw error;
  }
}

/** `alert da63…: assignedTo bob@…, status Resolved`: what the audit line says was changed. */
function describe(update: AlertUpdate): string {
  return Object.entries(update).filter(([key, value]) => value !== undefined && key !== 'comment').map(([key, value]) => `${key} ${value}`).join(', ');
}
