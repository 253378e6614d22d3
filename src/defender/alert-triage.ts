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

export const ALERT_STATUSES = ['New', 'InProgress', 'Resolved'] as const;

/** A classification with one of its determinations, as the triage form offers them: `TruePositive:Malware`. */
export type Verdict = { classification: AlertClassification; determination: string };

/** Every classification with each determination it allows, in Defender's order. */
export const VERDICTS: readonly Verdict[] = Object.entries(DETERMINATIONS).flatMap(([classification, determinations]) =>
  determinations.map((determination) => ({ classification: classification as AlertClassification, determination })));

export function verdictValue(verdict: Verdict): string {
  return `${verdict.classification}:${verdict.determination}`;
}

/** The verdict a form value names, if it names one Defender allows (a determination that fits its classification). */
export function verdictFrom(value: string): Verdict | undefined {
  return VERDICTS.find((verdict) => verdictValue(verdict) === value);
}
