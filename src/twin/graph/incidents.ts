import type { Alert } from '../defender/model';
import { graphErrors } from './errors';

/**
 * Microsoft Graph security incidents (learn.microsoft.com/graph/api/resources/security-incident),
 * derived from the Defender twin's alerts: an incident is the alerts that share an `incidentId`.
 * What only the incident has (status, assignee, classification, determination, comments) is kept here.
 */
export interface GraphIncident {
  id: string;
  tenantId: string;
  displayName: string;
  description: string | null;
  severity: GraphSeverity;
  status: string;
  assignedTo: string | null;
  classification: string;
  determination: string;
  createdDateTime: string;
  lastUpdateDateTime: string;
  incidentWebUrl: string;
  redirectIncidentId: string | null;
  customTags: string[];
  systemTags: string[];
  comments: GraphComment[];
}

export interface GraphComment {
  comment: string;
  createdByDisplayName: string;
  createdDateTime: string;
}

/** A Graph security alert (alerts_v2), with the evidence a card needs: devices and users. */
export interface GraphAlert {
  id: string;
  incidentId: string;
  title: string;
  severity: GraphSeverity;
  status: 'new' | 'inProgress' | 'resolved';
  createdDateTime: string;
  alertWebUrl: string;
  evidence: Record<string, unknown>[];
}

type GraphSeverity = 'informational' | 'low' | 'medium' | 'high' | 'unknown';

export const INCIDENT_STATUSES = ['active', 'resolved', 'inProgress', 'redirected', 'unknownFutureValue', 'awaitingAction'] as const;
export const INCIDENT_SEVERITIES = ['unknown', 'informational', 'low', 'medium', 'high', 'unknownFutureValue'] as const;
export const CLASSIFICATIONS = ['unknown', 'falsePositive', 'truePositive', 'informationalExpectedActivity', 'unknownFutureValue'] as const;
/**
 * The resource page's determinations plus the update page's `notMalicious` and `notEnoughDataToValidate`
 * (the two pages disagree; Graph accepts both spellings).
 */
export const DETERMINATIONS = [
  'unknown', 'apt', 'malware', 'securityPersonnel', 'securityTesting', 'unwantedSoftware', 'other', 'multiStagedAttack',
  'compromisedAccount', 'phishing', 'maliciousUserActivity', 'notMalicious', 'notEnoughDataToValidate', 'confirmedActivity',
  'lineOfBusinessApplication', 'unknownFutureValue',
] as const;
/** `awaitingAction` is set only by Microsoft Defender Experts; `inProgress` is not writable either (update-incident docs). */
const WRITABLE_STATUSES = ['active', 'resolved', 'redirected'];

export interface IncidentPatch {
  status?: unknown;
  assignedTo?: unknown;
  classification?: unknown;
  determination?: unknown;
  customTags?: unknown;
}

const SEVERITY_ORDER: readonly GraphSeverity[] = ['unknown', 'informational', 'low', 'medium', 'high'];
const PORTAL = 'https://security.microsoft.com';

type IncidentState = Pick<GraphIncident, 'status' | 'assignedTo' | 'classification' | 'determination' | 'customTags' | 'comments'> & {
  lastUpdateDateTime?: string;
};

export class IncidentBook {
  private readonly state = new Map<string, IncidentState>();

  constructor(private readonly tenantId: string) {}

  /** Every incident of these (visible) alerts, newest first. */
  incidents(alerts: readonly Alert[]): GraphIncident[] {
    const grouped = new Map<string, Alert[]>();
    for (const alert of alerts) {
      if (alert.incidentId === null) continue;
      const id = String(alert.incidentId);
      grouped.set(id, [...(grouped.get(id) ?? []), alert]);
    }
    return [...grouped.entries()].map(([id, members]) => this.incident(id, members))
      .sort((a, b) => b.createdDateTime.localeCompare(a.createdDateTime));
  }

  patch(incident: GraphIncident, patch: IncidentPatch, now: string): GraphIncident {
    const known = ['status', 'assignedTo', 'classification', 'determination', 'customTags'];
    if (!known.some((key) => (patch as Record<string, unknown>)[key] !== undefined)) {
      throw graphErrors.badRequest(`The request body must set at least one of: ${known.join(', ')}.`);
    }
    const next = { ...this.stateOf(incident) };
    if (patch.status !== undefined) next.status = oneOf(patch.status, WRITABLE_STATUSES, 'status');
    if (patch.classification !== undefined) next.classification = oneOf(patch.classification, CLASSIFICATIONS, 'classification');
    if (patch.determination !== undefined) next.determination = oneOf(patch.determination, DETERMINATIONS, 'determination');
    if (patch.assignedTo !== undefined) {
      if (patch.assignedTo !== null && typeof patch.assignedTo !== 'string') throw graphErrors.badRequest('assignedTo must be a string.');
      next.assignedTo = patch.assignedTo === '' ? null : patch.assignedTo;
    }
    if (patch.customTags !== undefined) {
      if (!Array.isArray(patch.customTags) || !patch.customTags.every((tag) => typeof tag === 'string')) {
        throw graphErrors.badRequest('customTags must be an array of strings.');
      }
      next.customTags = patch.customTags as string[];
    }
    next.lastUpdateDateTime = now;
    this.state.set(incident.id, next);
    return { ...incident, ...next, lastUpdateDateTime: now };
  }

  comment(incident: GraphIncident, comment: unknown, author: string, now: string): GraphComment[] {
    if (typeof comment !== 'string' || comment.trim() === '') throw graphErrors.badRequest('comment must be a non-empty string.');
    if (comment.length > 30_000) throw graphErrors.badRequest('comment is too long.');
    const next = { ...this.stateOf(incident) };
    next.comments = [...next.comments, { comment, createdByDisplayName: author, createdDateTime: now }];
    next.lastUpdateDateTime = now;
    this.state.set(incident.id, next);
    return next.comments;
  }

  private stateOf(incident: GraphIncident): IncidentState {
    return this.state.get(incident.id) ?? {
      status: incident.status, assignedTo: incident.assignedTo, classification: incident.classification,
      determination: incident.determination, customTags: incident.customTags, comments: incident.comments,
    };
  }

  private incident(id: string, alerts: Alert[]): GraphIncident {
    const first = [...alerts].sort((a, b) => a.alertCreationTime.localeCompare(b.alertCreationTime))[0];
    const updated = alerts.map((alert) => alert.lastUpdateTime).sort().at(-1) ?? first.lastUpdateTime;
    const severity = alerts.map((alert) => graphSeverity(alert.severity))
      .reduce((high, next) => (SEVERITY_ORDER.indexOf(next) > SEVERITY_ORDER.indexOf(high) ? next : high), 'unknown');
    const devices = [...new Set(alerts.map((alert) => alert.computerDnsName))];
    const derived: GraphIncident = {
      id,
      tenantId: this.tenantId,
      displayName: `${first.title} on ${devices.length === 1 ? devices[0] : `${devices.length} endpoints`}`,
      description: null,
      severity,
      status: alerts.every((alert) => alert.status === 'Resolved') ? 'resolved' : 'active',
      assignedTo: first.assignedTo,
      classification: 'unknown',
      determination: 'unknown',
      createdDateTime: first.alertCreationTime,
      lastUpdateDateTime: updated,
      incidentWebUrl: `${PORTAL}/incidents/${id}?tid=${this.tenantId}`,
      redirectIncidentId: null,
      customTags: [],
      systemTags: [],
      comments: [],
    };
    const kept = this.state.get(id);
    if (!kept) return derived;
    return { ...derived, ...kept, lastUpdateDateTime: [updated, kept.lastUpdateDateTime ?? ''].sort().at(-1) ?? updated };
  }
}

export function graphAlert(alert: Alert): GraphAlert {
  const users = alert.loggedOnUsers ?? [];
  return {
    id: alert.id,
    incidentId: String(alert.incidentId),
    title: alert.title,
    severity: graphSeverity(alert.severity),
    status: alert.status === 'Resolved' ? 'resolved' : alert.status === 'InProgress' ? 'inProgress' : 'new',
    createdDateTime: alert.alertCreationTime,
    alertWebUrl: `${PORTAL}/alerts/${alert.id}`,
    evidence: [
      { '@odata.type': '#microsoft.graph.security.deviceEvidence', deviceDnsName: alert.computerDnsName, mdeDeviceId: alert.machineId },
      ...users.map((user) => ({
        '@odata.type': '#microsoft.graph.security.userEvidence',
        userAccount: { accountName: user.accountName, domainName: user.domainName, userPrincipalName: null },
      })),
    ],
  };
}

function graphSeverity(severity: Alert['severity']): GraphSeverity {
  return severity === 'UnSpecified' ? 'unknown' : (severity.toLowerCase() as GraphSeverity);
}

function oneOf(value: unknown, allowed: readonly string[], name: string): string {
  if (typeof value !== 'string' || !allowed.includes(value)) {
    throw graphErrors.badRequest(`Invalid value '${String(value)}' for ${name}. Valid values: ${allowed.join(', ')}.`);
  }
  return value;
}
