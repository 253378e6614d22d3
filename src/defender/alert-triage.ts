/**
 * Defender's alert classifications and the determinations each allows (update-alert.md; the twin's
 * alert-updates.ts holds the same table): the determination offered depends on the classification.
 */
export const DETERMINATIONS = {
  TruePositive: ['MultiStagedAttack', 'MaliciousUserActivity', 'CompromisedUser', 'Malware', 'Phishing', 'UnwantedSoftware', 'Other'],
  InformationalExpectedActivity: ['SecurityTesting', 'LineOfBusinessApplication', 'ConfirmedUserActivity', 'Other'],
  FalsePositive: ['Clean', 'InsufficientData', 'Other'],
} as const satisfies Record<string, readonly string[]>;

export type AlertClassification = keyof typeof DETERMINATIONS;

/** One `PATCH /api/alerts/{id}`: any of these, at least one. */
export interface AlertUpdate {
  status?: 'New' | 'InProgress' | 'Resolved';
  assignedTo?: string;
  classification?: AlertClassification;
  determination?: string;
  comment?: string;
}
