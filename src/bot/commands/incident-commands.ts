import type { Attachment } from 'botbuilder';
import type { Acting } from '../acting';
import type { IncidentScreens, IncidentSeverity, IncidentStatusFilter } from '../incidents';

export type IncidentCommand =
  | { name: 'incidents'; severities: IncidentSeverity[]; statuses: IncidentStatusFilter[]; mine: boolean; top: number }
  | { name: 'incident'; incidentId: string };

export type IncidentParse =
  | { ok: true; command: IncidentCommand }
  | { ok: false; problem: 'missing_argument' | 'bad_argument'; word?: string; command: IncidentCommand['name'] };

export const INCIDENT_ALIASES: Record<string, IncidentCommand['name']> = { incidents: 'incidents', inc: 'incidents', incident: 'incident' };

const DEFAULT_COUNT = 10;
const MAX_COUNT = 50;
const SEVERITIES: Record<string, IncidentSeverity> = { high: 'high', medium: 'medium', low: 'low', informational: 'informational', info: 'informational' };
const STATUSES: Record<string, IncidentStatusFilter> = { active: 'active', open: 'active', resolved: 'resolved', closed: 'resolved' };

/** `incidents [high|…] [active|resolved] [mine] [N]` (default: active) and `incident <id>`. */
export function parseIncidentCommand(name: IncidentCommand['name'], words: string[]): IncidentParse {
  if (name === 'incident') {
    return words[0] ? { ok: true, command: { name, incidentId: words[0] } } : { ok: false, problem: 'missing_argument', command: name };
  }
  const severities: IncidentSeverity[] = [];
  const statuses: IncidentStatusFilter[] = [];
  let mine = false;
  let top = DEFAULT_COUNT;
  for (const original of words) {
    const word = original.toLowerCase();
    if (SEVERITIES[word]) severities.push(SEVERITIES[word]);
    else if (STATUSES[word]) statuses.push(STATUSES[word]);
    else if (word === 'mine' || word === 'my') mine = true;
    else if (/^\d{1,2}$/.test(word) && Number(word) >= 1 && Number(word) <= MAX_COUNT) top = Number(word);
    else return { ok: false, problem: 'bad_argument', word: original, command: name };
  }
  return { ok: true, command: { name, severities, statuses: statuses.length ? statuses : ['active'], mine, top } };
}

export function runIncidentCommand(command: IncidentCommand, acting: Acting, incidents: IncidentScreens): Promise<Attachment> {
  return command.name === 'incidents' ? incidents.list(acting, command) : incidents.incident(acting, command.incidentId);
}
