import { randomUUID } from 'node:crypto';
import type { AuditEntry } from './store';

/** The audit_log columns, the same in both schemas. */
export interface AuditRow {
  time: string;
  user_oid: string;
  upn: string;
  machine_id: string;
  computer_dns_name: string;
  action: string;
  comment: string;
  result: string;
  defender_action_id: string | null;
  conversation_id: string;
}

export const AUDIT_COLUMNS =
  'time, user_oid, upn, machine_id, computer_dns_name, action, comment, result, defender_action_id, conversation_id';

export function auditRowValues(entry: AuditEntry): unknown[] {
  return [
    entry.time,
    entry.userOid,
    entry.upn,
    entry.machineId,
    entry.computerDnsName,
    entry.action,
    entry.comment,
    entry.result,
    entry.defenderActionId,
    entry.conversationId,
  ];
}

export function auditEntryFromRow(row: AuditRow): AuditEntry {
  return {
    time: row.time,
    userOid: row.user_oid,
    upn: row.upn,
    machineId: row.machine_id,
    computerDnsName: row.computer_dns_name,
    action: row.action,
    comment: row.comment,
    result: row.result,
    defenderActionId: row.defender_action_id,
    conversationId: row.conversation_id,
  };
}

export function newEtag(): string {
  return randomUUID();
}
