import type { AlertSeverity } from '../../defender/model';
import { fill } from '../strings';
import { age, oneLine, timeWithAge, type Coloured, type ViewContext } from '../format';
import { alertStatusOf, cardFrame, severityOf, templateAction, type CardAction, type CardFrame, type TemplateAction } from './common';

/** Rows of each count a digest card shows, and how many alerts it lists with Open: the card stays a few KB at any storm size. */
export const DIGEST_TOP_ROWS = 5;
export const DIGEST_NEWEST = 5;
const SEVERITY_ORDER: readonly AlertSeverity[] = ['High', 'Medium', 'Low', 'Informational', 'UnSpecified'];
/** A changed alert in the digest shows here (triage progress), whether or not it is among the newest. */
const STATUS_ORDER: readonly DigestEntry['status'][] = ['New', 'InProgress', 'Resolved', 'Unknown'];

/** One alert of a storm digest, as the digest keeps it. */
export interface DigestEntry {
  id: string;
  title: string;
  severity: AlertSeverity;
  device: string;
  status: Parameters<typeof alertStatusOf>[0];
  createdAt: string;
}

export interface DigestCardInput {
  entries: readonly DigestEntry[];
  startedAt: string;
  endedAt: string | null;
  /** Alerts at or above it get cards of their own, also during the storm. */
  bypassSeverity: AlertSeverity;
  open: (entry: DigestEntry) => CardAction;
  /** Lists every alert of the digest, page by page. */
  showAll: CardAction;
}

interface Count {
  name: string;
  count: string;
}

export interface DigestCardData extends CardFrame {
  heading: string;
  period: string;
  explanation: string;
  bySeverity: Count[];
  byStatus: Count[];
  byDevice: Count[];
  byTitle: Count[];
  newest: { severity: Coloured; title: string; summary: string; open: TemplateAction }[];
  more: string;
}

/**
 * A storm's alerts in one card: how many by severity, status, device and title (the largest groups first),
 * the newest few with Open, the number of the rest, and a button listing them all.
 */
export function digestView(input: DigestCardInput, context: ViewContext): DigestCardData {
  const strings = context.strings.digest;
  const entries = [...input.entries].sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt));
  const newest = entries.slice(0, DIGEST_NEWEST);
  const rest = entries.length - newest.length;
  return {
    ...cardFrame(rest > 0 ? [input.showAll] : [], undefined, context),
    heading: fill(input.endedAt ? strings.headingEnded : strings.heading, { count: entries.length }),
    period: input.endedAt
      ? fill(strings.periodEnded, { start: timeWithAge(input.startedAt, context), end: timeWithAge(input.endedAt, context) })
      : fill(strings.period, { start: timeWithAge(input.startedAt, context) }),
    explanation: fill(strings.explanation, { severity: context.strings.severity[input.bypassSeverity] ?? input.bypassSeverity }),
    bySeverity: SEVERITY_ORDER
      .map((severity) => ({ name: severityOf(severity, context).text, count: entries.filter((entry) => entry.severity === severity).length }))
      .filter((row) => row.count > 0)
      .map((row) => ({ name: row.name, count: String(row.count) })),
    byStatus: STATUS_ORDER
      .map((status) => ({ name: alertStatusOf(status, context).text, count: entries.filter((entry) => entry.status === status).length }))
      .filter((row) => row.count > 0)
      .map((row) => ({ name: row.name, count: String(row.count) })),
    byDevice: largestGroups(entries.map((entry) => oneLine(entry.device, 60) || strings.noDevice), context),
    byTitle: largestGroups(entries.map((entry) => oneLine(entry.title, 80)), context),
    newest: newest.map((entry) => {
      const severity = severityOf(entry.severity, context);
      return {
        severity,
        title: oneLine(entry.title, 120),
        summary: [severity.text, oneLine(entry.device, 60), alertStatusOf(entry.status, context).text, age(entry.createdAt, context)].filter(Boolean).join(' · '),
        open: templateAction(input.open(entry)),
      };
    }),
    more: rest > 0 ? fill(context.strings.andMore, { count: rest }) : '',
  };
}

/** The largest groups first (ties by name), then one row for all the others. */
function largestGroups(names: readonly string[], context: ViewContext): Count[] {
  const counts = new Map<string, number>();
  for (const name of names) counts.set(name, (counts.get(name) ?? 0) + 1);
  const sorted = [...counts].sort(([a, x], [b, y]) => y - x || a.localeCompare(b));
  const rows = sorted.slice(0, DIGEST_TOP_ROWS).map(([name, count]) => ({ name, count: String(count) }));
  const others = sorted.slice(DIGEST_TOP_ROWS);
  if (others.length > 0) {
    rows.push({
      name: fill(context.strings.digest.others, { count: others.length }),
      count: String(others.reduce((sum, [, count]) => sum + count, 0)),
    });
  }
  return rows;
}
