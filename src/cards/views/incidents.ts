import { incidentEntities, type Incident } from '../../graph/model';
import { fill } from '../strings';
import { age, firstOf, listLine, oneLine, timeWithAge, type CardColor, type Coloured, type ViewContext } from '../format';
import { cardFrame, templateAction, type CardAction, type CardFrame, type CardRefresh, type TemplateAction } from './common';

/** Most incidents a list card shows, most alerts an incident card lists, most devices and users it names. */
export const INCIDENT_LIST_MAX = 20;
const INCIDENT_ALERTS_MAX = 10;
const ENTITIES_MAX = 8;

const SEVERITY_COLORS: Record<string, CardColor> = { high: 'attention', medium: 'warning', low: 'accent' };
const STATUS_COLORS: Record<string, CardColor> = { active: 'warning', inProgress: 'accent', resolved: 'good' };

/** The classifications triage offers, each with its determination (update-incident's values). */
export const TRIAGE_CLASSIFICATIONS = [
  'truePositive/malware', 'truePositive/phishing', 'truePositive/compromisedAccount', 'truePositive/multiStagedAttack',
  'truePositive/maliciousUserActivity', 'informationalExpectedActivity/securityTesting',
  'informationalExpectedActivity/lineOfBusinessApplication', 'falsePositive/notMalicious', 'falsePositive/notEnoughDataToValidate',
] as const;

export interface IncidentListFilter {
  severities: readonly string[];
  statuses: readonly string[];
  mine: boolean;
}

export interface IncidentListCardData extends CardFrame {
  filter: string;
  shownCount: string;
  incidents: { severity: Coloured; title: string; summary: string; open: TemplateAction }[];
  more: string;
}

export function incidentListView(
  input: { items: readonly { incident: Incident; open: CardAction }[]; filter: IncidentListFilter },
  context: ViewContext,
): IncidentListCardData {
  const { shown, more } = firstOf(input.items, INCIDENT_LIST_MAX, context);
  return {
    ...cardFrame([], undefined, context),
    filter: filterText(input.filter, context),
    shownCount: fill(context.strings.incidents.count, { count: shown.length }),
    incidents: shown.map(({ incident, open }) => {
      const severity = severityOf(incident.severity, context);
      return {
        severity,
        title: `${oneLine(incident.id, 20)} · ${oneLine(incident.displayName, 120)}`,
        summary: [severity.text, statusOf(incident.status, context).text, oneLine(incident.assignedTo, 60), age(incident.createdDateTime, context)]
          .filter(Boolean).join(' · '),
        open: templateAction(open),
      };
    }),
    more,
  };
}

export interface IncidentCardData extends CardFrame {
  title: string;
  displayName: string;
  severity: Coloured;
  status: Coloured;
  assignedTo: string;
  classification: string;
  devices: string;
  users: string;
  created: string;
  lastUpdate: string;
  alerts: { severity: Coloured; title: string; summary: string; open: TemplateAction }[];
  moreAlerts: string;
  triage: boolean;
  classify?: TemplateAction;
  classifyChoices: { title: string; value: string }[];
  portalUrl: string;
}

export interface IncidentCardInput {
  incident: Incident;
  /** The Open button of each alert (opens the alert card with its response buttons). */
  openAlert: (alertId: string) => CardAction;
  /** Assign to me, Resolve or Reactivate. */
  buttons: readonly CardAction[];
  /** The Classify button, sent with the chosen classification; absent: no triage offered. */
  classify?: CardAction;
  refresh?: CardRefresh;
}

/** One incident: status, assignee, classification, its alerts with Open buttons, devices and users, triage. */
export function incidentView(input: IncidentCardInput, context: ViewContext): IncidentCardData {
  const { incident } = input;
  const strings = context.strings.incidents;
  const { devices, users } = incidentEntities(incident);
  const alerts = [...(incident.alerts ?? [])].sort((a, b) => b.createdDateTime.localeCompare(a.createdDateTime));
  const { shown, more } = firstOf(alerts, INCIDENT_ALERTS_MAX, context);
  return {
    ...cardFrame(input.buttons, input.refresh, context),
    title: fill(strings.title, { id: oneLine(incident.id, 20) }),
    displayName: oneLine(incident.displayName, 200),
    severity: severityOf(incident.severity, context),
    status: statusOf(incident.status, context),
    assignedTo: oneLine(incident.assignedTo, 100) || strings.unassigned,
    classification: classificationText(incident, context),
    devices: listLine(devices.map((device) => oneLine(device, 80)), ENTITIES_MAX, context),
    users: listLine(users.map((user) => oneLine(user, 80)), ENTITIES_MAX, context),
    created: timeWithAge(incident.createdDateTime, context),
    lastUpdate: timeWithAge(incident.lastUpdateDateTime, context),
    alerts: shown.map((alert) => {
      const severity = severityOf(alert.severity, context);
      return {
        severity,
        title: oneLine(alert.title, 120),
        summary: [severity.text, alertStatusText(alert.status, context), age(alert.createdDateTime, context)].filter(Boolean).join(' · '),
        open: templateAction(input.openAlert(alert.id)),
      };
    }),
    moreAlerts: more,
    triage: input.classify !== undefined,
    ...(input.classify ? { classify: templateAction(input.classify) } : {}),
    classifyChoices: TRIAGE_CLASSIFICATIONS.map((value) => ({ title: choiceTitle(value, context), value })),
    portalUrl: safePortalUrl(incident),
  };
}

function classificationText(incident: Incident, context: ViewContext): string {
  const strings = context.strings.incidents;
  const classification = strings.classificationName[incident.classification ?? 'unknown'] ?? oneLine(incident.classification, 40);
  const determination = strings.determinationName[incident.determination ?? 'unknown'] ?? oneLine(incident.determination, 40);
  return determination ? `${classification} · ${determination}` : classification;
}

function choiceTitle(value: string, context: ViewContext): string {
  const [classification, determination] = value.split('/');
  return classificationText({ classification, determination } as Incident, context);
}

function severityOf(severity: string, context: ViewContext): Coloured {
  return { text: context.strings.incidents.severityName[severity] ?? oneLine(severity, 20), color: SEVERITY_COLORS[severity] ?? 'default' };
}

function statusOf(status: string, context: ViewContext): Coloured {
  return { text: context.strings.incidents.statusName[status] ?? oneLine(status, 20), color: STATUS_COLORS[status] ?? 'default' };
}

/** Graph's alert status (new, inProgress, resolved) in the words of the alert cards. */
function alertStatusText(status: string, context: ViewContext): string {
  const names: Record<string, string> = context.strings.alertStatus;
  return names[status.charAt(0).toUpperCase() + status.slice(1)] ?? oneLine(status, 20);
}

function filterText(filter: IncidentListFilter, context: ViewContext): string {
  const strings = context.strings.incidents;
  const parts = [
    filter.severities.map((severity) => strings.severityName[severity] ?? severity).join(', ') || strings.anySeverity,
    filter.statuses.map((status) => strings.statusName[status] ?? status).join(', ') || strings.anyStatus,
  ];
  if (filter.mine) parts.push(strings.mine);
  return parts.join(' · ');
}

/** The portal link Graph gives, only when it points at the Defender portal (card data is untrusted). */
function safePortalUrl(incident: Incident): string {
  try {
    const url = new URL(incident.incidentWebUrl);
    if (url.protocol === 'https:' && /(^|\.)security\.microsoft\.(com|us)$/.test(url.hostname)) return url.href;
  } catch {
    // falls through to the portal's own incident page
  }
  return `https://security.microsoft.com/incidents/${encodeURIComponent(incident.id)}`;
}
