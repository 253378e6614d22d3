import { ALERT_STATUSES, VERDICTS, verdictValue } from '../../defender/alert-triage';
import type { Alert, AlertEvidence, AlertSeverity, AlertStatus } from '../../defender/model';
import type { IsolationState } from '../../defender/isolation';
import { fill } from '../strings';
import { age, firstOf, listLine, oneLine, timeWithAge, type Coloured, type ViewContext } from '../format';
import {
  alertStatusOf, cardFrame, isolationOf, severityOf, templateAction,
  type CardAction, type CardFrame, type CardRefresh, type IsolationView, type TemplateAction,
} from './common';

/** Most alerts a list card shows; the rest are counted ("and 12 more"). */
export const ALERT_LIST_MAX = 20;
const MAX_TECHNIQUES = 8;
const MAX_EVIDENCE_NAMES = 5;

/** The portal page of an alert (what "Open in Microsoft Defender" opens). */
export function alertPortalUrl(alertId: string): string {
  return `https://security.microsoft.com/alerts/${encodeURIComponent(alertId)}`;
}

export interface AlertListFilter {
  severities: readonly AlertSeverity[];
  statuses: readonly AlertStatus[];
  mine: boolean;
}

/** What a list row shows of an alert (a storm digest keeps just this much). */
export type AlertSummary = Pick<Alert, 'severity' | 'title' | 'computerDnsName' | 'status' | 'alertCreationTime'>;

export interface AlertListItem {
  alert: AlertSummary;
  open: CardAction;
}

export interface AlertListCardData extends CardFrame {
  filter: string;
  shownCount: string;
  alerts: { severity: Coloured; title: string; summary: string; open: TemplateAction }[];
  more: string;
}

/**
 * The newest alerts, each with an Open button, under a header with the filter and the count. The
 * filter is either described by the bot (already in the user's language) or given as values.
 */
export function alertListView(
  input: { items: readonly AlertListItem[]; filter: string | AlertListFilter; buttons?: CardAction[] },
  context: ViewContext,
): AlertListCardData {
  const { shown, more } = firstOf(input.items, ALERT_LIST_MAX, context);
  return {
    ...cardFrame(input.buttons ?? [], undefined, context),
    filter: typeof input.filter === 'string' ? oneLine(input.filter, 200) : filterText(input.filter, context),
    shownCount: fill(context.strings.alertList.count, { count: shown.length }),
    alerts: shown.map(({ alert, open }) => {
      const severity = severityOf(alert.severity, context);
      return {
        severity,
        title: oneLine(alert.title, 120),
        summary: [severity.text, oneLine(alert.computerDnsName, 60), alertStatusOf(alert.status, context).text, age(alert.alertCreationTime, context)]
          .filter(Boolean)
          .join(' · '),
        open: templateAction(open),
      };
    }),
    more,
  };
}

/** "High, Medium · New, In progress · assigned to me". */
function filterText(filter: AlertListFilter, context: ViewContext): string {
  const strings = context.strings;
  const severities = filter.severities.map((severity) => strings.severity[severity] ?? severity).join(', ');
  const statuses = filter.statuses.map((status) => strings.alertStatus[status] ?? status).join(', ');
  const parts = [severities || strings.alertList.anySeverity, statuses || strings.alertList.anyStatus];
  if (filter.mine) parts.push(strings.alertList.mine);
  return parts.join(' · ');
}

export interface AlertCardData extends CardFrame {
  title: string;
  description: string;
  severity: Coloured;
  status: Coloured;
  assignedTo: string;
  device: string;
  isolation?: IsolationView;
  relatedUser: string;
  category: string;
  detectionSource: string;
  mitreTechniques: string;
  created: string;
  lastUpdate: string;
  evidenceCounts: string;
  evidenceNames: string;
  /** "True positive: Malware", or '' when the alert is not classified. */
  verdict: string;
  portalUrl: string;
}

export interface AlertCardInput {
  alert: Alert;
  /** The device's isolation; the row is left out when it could not be read. */
  isolation?: IsolationState;
  /** Response buttons (Isolate or Release, as the bot decided), after the portal link. */
  buttons: readonly CardAction[];
  refresh?: CardRefresh;
}

/** One alert: details, evidence summary, a link to the portal, and the bot's response buttons. */
export function alertView(input: AlertCardInput, context: ViewContext): AlertCardData {
  const { alert } = input;
  const strings = context.strings;
  return {
    ...cardFrame(input.buttons, input.refresh, context),
    title: oneLine(alert.title, 200),
    description: oneLine(alert.description, 400),
    severity: severityOf(alert.severity, context),
    status: alertStatusOf(alert.status, context),
    assignedTo: oneLine(alert.assignedTo, 100) || strings.alert.unassigned,
    device: oneLine(alert.computerDnsName, 100),
    ...(input.isolation ? { isolation: isolationOf(input.isolation, context) } : {}),
    relatedUser: alert.relatedUser ? oneLine(qualifiedName(alert.relatedUser.domainName, alert.relatedUser.userName), 100) : '',
    category: oneLine(alert.category, 60),
    detectionSource: oneLine(alert.detectionSource, 60),
    mitreTechniques: listLine(alert.mitreTechniques.map((technique) => oneLine(technique, 20)), MAX_TECHNIQUES, context),
    created: timeWithAge(alert.alertCreationTime, context),
    lastUpdate: timeWithAge(alert.lastUpdateTime, context),
    evidenceCounts: evidenceCounts(alert.evidence, context),
    evidenceNames: listLine(evidenceNames(alert.evidence), MAX_EVIDENCE_NAMES, context),
    verdict: alert.classification ? verdictText(alert, context) : '',
    portalUrl: alertPortalUrl(alert.id),
  };
}

/** "True positive: Malware" (or the classification alone), in the card's language; values Defender adds later show as sent. */
function verdictText(verdict: { classification: string | null; determination: string | null }, context: ViewContext): string {
  const names = context.strings.triage;
  const classification = (names.classification as Record<string, string>)[verdict.classification ?? ''] ?? oneLine(verdict.classification, 60);
  if (!verdict.determination) return classification;
  return `${classification}: ${names.determination[verdict.determination] ?? oneLine(verdict.determination, 60)}`;
}

/** The triage form's verdict that changes nothing (a choice's value must not be empty). */
export const KEEP_VERDICT = 'keep';

export interface TriageChoice {
  title: string;
  value: string;
}

export interface AlertTriageCardData extends CardFrame {
  title: string;
  text: string;
  status: { value: string; choices: TriageChoice[] };
  verdict: { value: string; choices: TriageChoice[] };
  save: TemplateAction;
  cancel: TemplateAction;
}

/**
 * The triage form: status, a classification with one of the determinations it allows (one choice,
 * so that no determination is offered under a classification that does not allow it), a comment.
 */
export function alertTriageView(input: { alert: Alert; save: CardAction; cancel: CardAction }, context: ViewContext): AlertTriageCardData {
  const { alert } = input;
  const strings = context.strings;
  const current = alert.classification && alert.determination ? verdictValue({ classification: alert.classification, determination: alert.determination }) : '';
  const verdicts = VERDICTS.map((verdict) => ({ title: verdictText(verdict, context), value: verdictValue(verdict) }));
  return {
    ...cardFrame([], undefined, context),
    title: fill(strings.triage.title, { title: oneLine(alert.title, 150) }),
    text: strings.triage.text,
    status: {
      value: ALERT_STATUSES.find((status) => status === alert.status) ?? 'New',
      choices: ALERT_STATUSES.map((status) => ({ title: strings.alertStatus[status], value: status })),
    },
    verdict: {
      value: verdicts.some((verdict) => verdict.value === current) ? current : KEEP_VERDICT,
      choices: [{ title: strings.triage.verdictKeep, value: KEEP_VERDICT }, ...verdicts],
    },
    save: templateAction(input.save),
    cancel: templateAction(input.cancel),
  };
}

function qualifiedName(domain: string | null | undefined, name: string): string {
  return domain ? `${domain}\\${name}` : name;
}

/** "Files 3 · Processes 2 · Users 1", in order of first appearance. */
function evidenceCounts(evidence: readonly AlertEvidence[], context: ViewContext): string {
  const counts = new Map<string, number>();
  for (const item of evidence) counts.set(item.entityType, (counts.get(item.entityType) ?? 0) + 1);
  const names = context.strings.entityType as Record<string, string>;
  return [...counts].map(([type, count]) => `${names[type] ?? oneLine(type, 30)} ${count}`).join(' · ');
}

/** Distinct file names of File and Process evidence (a process shows its image file). */
function evidenceNames(evidence: readonly AlertEvidence[]): string[] {
  const names = evidence
    .filter((item) => item.entityType === 'File' || item.entityType === 'Process')
    .map((item) => oneLine(item.fileName, 80))
    .filter(Boolean);
  return [...new Set(names)];
}
