/**
 * Microsoft Graph security entities as the bot reads them (learn.microsoft.com/graph/api/resources/
 * security-incident and security-alert): only the fields a card shows.
 */
export interface Incident {
  id: string;
  displayName: string;
  severity: string;
  status: string;
  assignedTo: string | null;
  classification: string | null;
  determination: string | null;
  createdDateTime: string;
  lastUpdateDateTime: string;
  incidentWebUrl: string;
  comments?: IncidentComment[];
  /** Present with `$expand=alerts`. */
  alerts?: IncidentAlert[];
}

export interface IncidentComment {
  comment: string;
  createdByDisplayName: string;
  createdDateTime: string;
}

export interface IncidentAlert {
  id: string;
  title: string;
  severity: string;
  status: string;
  createdDateTime: string;
  evidence?: Evidence[];
}

export type Evidence = Record<string, unknown> & { '@odata.type'?: string };

export type IncidentStatus = 'active' | 'resolved' | 'redirected';
export type IncidentClassification = 'falsePositive' | 'truePositive' | 'informationalExpectedActivity';

/** What triage may change on an incident (update-incident: one PATCH). */
export interface IncidentChange {
  status?: IncidentStatus;
  assignedTo?: string;
  classification?: IncidentClassification;
  determination?: string;
}

/** An advanced hunting answer: the columns, then the rows (huntingQueryResults). */
export interface HuntingResult {
  schema: { Name: string; Type: string }[];
  results: Record<string, unknown>[];
}

/** The devices and users an incident's alerts name in their evidence. */
export function incidentEntities(incident: Incident): { devices: string[]; users: string[] } {
  const devices = new Set<string>();
  const users = new Set<string>();
  for (const evidence of (incident.alerts ?? []).flatMap((alert) => alert.evidence ?? [])) {
    const type = String(evidence['@odata.type'] ?? '');
    if (type.endsWith('deviceEvidence') && typeof evidence.deviceDnsName === 'string') devices.add(evidence.deviceDnsName);
    if (type.endsWith('userEvidence')) {
      const account = evidence.userAccount as { accountName?: unknown; domainName?: unknown; userPrincipalName?: unknown } | undefined;
      const name = account?.userPrincipalName ?? (account?.domainName ? `${String(account.domainName)}\\${String(account.accountName)}` : account?.accountName);
      if (typeof name === 'string' && name) users.add(name);
    }
  }
  return { devices: [...devices], users: [...users] };
}
