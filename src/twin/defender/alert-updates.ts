import { defenderErrors } from './errors';
import type { Alert, AlertClassification, AlertStatus } from './model';
import { toDefenderTimestamp } from './timestamps';

/** Determination values per classification (reference §5.2); 'Other' fits every classification. */
const DETERMINATIONS: Record<AlertClassification, readonly string[]> = {
  TruePositive: ['MultiStagedAttack', 'MaliciousUserActivity', 'CompromisedUser', 'Malware', 'Phishing', 'UnwantedSoftware', 'Other'],
  InformationalExpectedActivity: ['SecurityTesting', 'LineOfBusinessApplication', 'ConfirmedUserActivity', 'Other'],
  FalsePositive: ['Clean', 'InsufficientData', 'Other'],
};

/** update-alert.md's XDR-style names, accepted and stored under the canonical MDE name (§5.2). */
const DETERMINATION_ALIASES: Record<string, string> = { ConfirmedActivity: 'ConfirmedUserActivity', NotMalicious: 'Clean' };

const WRITABLE_STATUSES: readonly AlertStatus[] = ['New', 'InProgress', 'Resolved'];

export interface AlertPatch {
  status?: string;
  assignedTo?: string;
  classification?: string;
  determination?: string;
  comment?: string;
}

/** Validates a PATCH body (enum values; a determination must fit the classification) and applies it. */
export function patchAlert(alert: Alert, patch: AlertPatch, author: string, now: number): Alert {
  if (Object.values(patch).every((value) => value === undefined)) {
    throw defenderErrors.invalidRequestBody('The request body must contain at least one of: status, assignedTo, classification, determination, comment.');
  }
  const change: Partial<Alert> = {};
  if (patch.status !== undefined) {
    if (!WRITABLE_STATUSES.includes(patch.status as AlertStatus)) {
      throw defenderErrors.invalidInput(`Invalid status '${patch.status}'. Valid values: ${WRITABLE_STATUSES.join(', ')}.`);
    }
    change.status = patch.status as AlertStatus;
  }
  if (patch.classification !== undefined) {
    if (!(patch.classification in DETERMINATIONS)) {
      throw defenderErrors.invalidInput(
        `Invalid classification '${patch.classification}'. Valid values: ${Object.keys(DETERMINATIONS).join(', ')}.`,
      );
    }
    change.classification = patch.classification as AlertClassification;
  }
  if (patch.determination !== undefined) {
    const determination = DETERMINATION_ALIASES[patch.determination] ?? patch.determination;
    const classification = change.classification ?? alert.classification;
    const allowed = classification ? DETERMINATIONS[classification] : [...new Set(Object.values(DETERMINATIONS).flat())];
    if (!allowed.includes(determination)) {
      throw defenderErrors.invalidInput(
        `Invalid determination '${patch.determination}'${classification ? ` for classification ${classification}` : ''}.`,
      );
    }
    change.determination = determination;
  }
  if (patch.assignedTo !== undefined) change.assignedTo = patch.assignedTo;
  if (patch.comment !== undefined) {
    change.comments = [...(alert.comments ?? []), { comment: patch.comment, createdBy: author, createdTime: toDefenderTimestamp(now) }];
  }
  return applyAlertChange(alert, change, now);
}

/**
 * Changes an alert in place as the service would: `lastUpdateTime` moves to now, and `resolvedTime`
 * is set when the status becomes Resolved (cleared when it leaves Resolved).
 */
export function applyAlertChange(alert: Alert, change: Partial<Alert>, now: number): Alert {
  const wasResolved = alert.status === 'Resolved';
  Object.assign(alert, change);
  if (change.status !== undefined && alert.status === 'Resolved' && !wasResolved && change.resolvedTime === undefined) {
    alert.resolvedTime = toDefenderTimestamp(now);
  }
  if (change.status !== undefined && alert.status !== 'Resolved' && change.resolvedTime === undefined) alert.resolvedTime = null;
  alert.lastUpdateTime = change.lastUpdateTime ?? toDefenderTimestamp(now);
  return alert;
}
