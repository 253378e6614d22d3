import { closest, distance } from 'fastest-levenshtein';
import { INCIDENT_ALIASES, type IncidentCommand, parseIncidentCommand } from './incident-commands';
import { type HuntCommand, parseHuntCommand } from './hunt-commands';
import { type AlertClassification, DETERMINATIONS } from '../../defender/alert-triage';
import type { ResponseDefinition } from '../responses/definition';
import { RESPONSE_DEFINITIONS, responseByWord } from '../responses/registry';
import { detectionSourceName } from '../../notify/routing-filter';
import { type IndicatorAction, indicatorOf, MAX_INDICATOR_HOURS } from '../../defender/indicators';

export type Severity = 'Informational' | 'Low' | 'Medium' | 'High';
export type Status = 'New' | 'InProgress' | 'Resolved';

export type Command =
  | { name: 'help' }
  | { name: 'alerts'; severities: Severity[]; statuses: Status[]; mine: boolean; top: number }
  | { name: 'alert'; alertId: string }
  | { name: 'device'; query: string }
  /** A response action (isolate, release, scan, …), named by its definition's first word; `choice` as typed. */
  | { name: 'respond'; response: string; query: string; choice?: string; argument?: string; comment: string }
  | { name: 'cancel'; actionId: string; comment: string }
  | { name: 'actions'; query: string }
  | { name: 'isolated' }
  | { name: 'assign'; alertId: string; assignee: 'me' | string }
  | { name: 'resolve'; alertId: string; classification: AlertClassification; determination?: string; comment: string }
  /** An indicator (file hash, IP address, domain or URL) to confirm; `hours` as typed after `for`. */
  | { name: 'block'; value: string; action: IndicatorAction; hours?: number; comment: string }
  | { name: 'permissions' }
  | { name: 'subscribe'; minSeverity: Severity; deviceGroups: string[]; tags: string[]; sources: string[] }
  | { name: 'unsubscribe' }
  | { name: 'subscriptions' }
  | { name: 'audit'; query?: string }
  | { name: 'signout' }
  | IncidentCommand
  | HuntCommand;

export type ParseResult =
  | { ok: true; command: Command }
  | {
    ok: false; problem: 'empty' | 'unknown' | 'missing_argument' | 'bad_argument' | 'too_long';
    word?: string; suggestion?: string;
    /** The command whose argument is missing or wrong (a response by its first word). */
    command?: string;
  };

export const DEFAULT_ALERT_COUNT = 10;
export const MAX_ALERT_COUNT = 50;
const MAX_COMMAND_LENGTH = 2000;
/** Checked before any other work: markup and entities could at most quadruple a command's length. */
const MAX_RAW_LENGTH = 4 * MAX_COMMAND_LENGTH;

type ReadCommand = Exclude<Command['name'], 'respond'>;

const ALIASES: Record<string, ReadCommand> = {
  help: 'help', '?': 'help', h: 'help',
  alerts: 'alerts', a: 'alerts', al: 'alerts',
  alert: 'alert',
  device: 'device', d: 'device', dev: 'device', machine: 'device',
  actions: 'actions', history: 'actions',
  isolated: 'isolated',
  assign: 'assign',
  resolve: 'resolve',
  block: 'block',
  permissions: 'permissions', whoami: 'permissions',
  subscribe: 'subscribe', sub: 'subscribe',
  unsubscribe: 'unsubscribe', unsub: 'unsubscribe',
  subscriptions: 'subscriptions', subs: 'subscriptions',
  audit: 'audit',
  cancel: 'cancel',
  signout: 'signout', logout: 'signout',
  ...INCIDENT_ALIASES,
  hunt: 'hunt',
};

const READ_USAGE: Record<ReadCommand, string> = {
  help: 'help',
  alerts: 'alerts [high|medium|low|informational] [new|inprogress|resolved] [mine] [N]',
  alert: 'alert <alert id>',
  device: 'device <name | device id | IP address>',
  actions: 'actions <device>',
  isolated: 'isolated',
  assign: 'assign <alert id> [me|<upn>]',
  resolve: 'resolve <alert id> <truepositive|falsepositive|expected> [<determination>] [comment…]',
  block: 'block <hash|ip|domain|url> [warn|audit] [for <duration: 24h, 7d, 2w>] [comment…]',
  permissions: 'permissions',
  subscribe: 'subscribe [high|medium|low|informational] [group <device group>] [tag <machine tag>] [source <detection source>]',
  unsubscribe: 'unsubscribe',
  subscriptions: 'subscriptions',
  audit: 'audit [device]',
  cancel: 'cancel <action id> [comment…]',
  signout: 'signout',
  incidents: 'incidents [high|medium|low|informational] [active|resolved] [mine] [N]',
  incident: 'incident <incident id>',
  hunt: 'hunt <KQL> | hunt hash <sha1|sha256> | hunt logons <device> [24h] | hunt ip <address> | hunt process <name> [device]',
};

/** Every command's syntax by name: the read commands', then each response definition's. */
export const USAGE: Record<string, string> = {
  ...READ_USAGE,
  ...Object.fromEntries(RESPONSE_DEFINITIONS.map((definition) => [definition.words[0], definition.usage])),
};

export const DEFAULT_SUBSCRIPTION_SEVERITY: Severity = 'Medium';

const SEVERITIES: Record<string, Severity> = { high: 'High', medium: 'Medium', low: 'Low', informational: 'Informational', info: 'Informational' };
const STATUSES: Record<string, Status> = { new: 'New', inprogress: 'InProgress', 'in-progress': 'InProgress', resolved: 'Resolved' };

/** Parses what a user typed (mention already removed) into a command, or says what is wrong. */
export function parseCommand(rawText: string): ParseResult {
  if (rawText.length > MAX_RAW_LENGTH) return { ok: false, problem: 'too_long' };
  const text = normaliseText(rawText);
  if (text.length > MAX_COMMAND_LENGTH) return { ok: false, problem: 'too_long' };
  if (!text) return { ok: false, problem: 'empty' };
  const [first, ...rest] = text.split(' ');
  const word = first.toLowerCase();
  const response = responseByWord(word);
  if (response) return parseResponse(response, rest);
  const name = word === 'sign' && rest[0]?.toLowerCase() === 'out' ? 'signout' : ALIASES[word];
  if (!name) return { ok: false, problem: 'unknown', word: first, suggestion: suggestCommand(word) };
  const missing = (): ParseResult => ({ ok: false, problem: 'missing_argument', command: name });
  switch (name) {
    case 'help':
    case 'permissions':
    case 'signout':
    case 'unsubscribe':
    case 'subscriptions':
    case 'isolated':
      return { ok: true, command: { name } };
    case 'audit':
      return { ok: true, command: rest.length ? { name, query: rest.join(' ') } : { name } };
    case 'subscribe':
      return parseSubscribe(rest);
    case 'alerts':
      return parseAlerts(rest);
    case 'alert':
      return rest[0] ? { ok: true, command: { name, alertId: rest[0] } } : missing();
    case 'assign':
      return parseAssign(rest);
    case 'cancel':
      return parseCancel(rest);
    case 'resolve':
      return parseResolve(rest);
    case 'block':
      return parseBlock(rest);
    case 'device':
    case 'actions':
      return rest.length ? { ok: true, command: { name, query: rest.join(' ') } } : missing();
    case 'incidents':
    case 'incident':
      return parseIncidentCommand(name, rest);
    case 'hunt':
      return parseHuntCommand(rest);
  }
}

/**
 * `<word> [<argument> <joiner>] <device> [choice] [comment…]`: a first word after the device that
 * names one of the choice's values preselects it; a definition with an argument (quarantine's SHA-1)
 * takes it first, in its shape, then its joiner word (`quarantine <sha1> on <device>`).
 */
function parseResponse(definition: ResponseDefinition, words: string[]): ParseResult {
  const response = definition.words[0];
  const { argument } = definition;
  const [typedArgument, joiner, ...afterArgument] = argument ? words : [];
  if (argument && (!typedArgument || !joiner || afterArgument.length === 0)) return { ok: false, problem: 'missing_argument', command: response };
  if (argument && !argument.pattern.test(typedArgument)) return { ok: false, problem: 'bad_argument', word: typedArgument, command: response };
  if (argument && joiner.toLowerCase() !== argument.joiner) return { ok: false, problem: 'bad_argument', word: joiner, command: response };
  const [query, ...tail] = argument ? afterArgument : words;
  if (!query) return { ok: false, problem: 'missing_argument', command: response };
  const typed = definition.choice?.values.find((value) => value.toLowerCase() === tail[0]?.toLowerCase());
  const comment = (typed ? tail.slice(1) : tail).join(' ');
  return {
    ok: true,
    command: { name: 'respond', response, query, ...(typed ? { choice: typed } : {}), ...(argument ? { argument: typedArgument.toLowerCase() } : {}), comment },
  };
}

const ACTION_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** `cancel <action id> [comment…]`: the id in Defender's GUID shape. */
function parseCancel([actionId, ...comment]: string[]): ParseResult {
  if (!actionId) return { ok: false, problem: 'missing_argument', command: 'cancel' };
  if (!ACTION_ID.test(actionId)) return { ok: false, problem: 'bad_argument', word: actionId, command: 'cancel' };
  return { ok: true, command: { name: 'cancel', actionId: actionId.toLowerCase(), comment: comment.join(' ') } };
}

const CLASSIFICATIONS: Record<string, AlertClassification> = {
  truepositive: 'TruePositive', tp: 'TruePositive',
  falsepositive: 'FalsePositive', fp: 'FalsePositive',
  expected: 'InformationalExpectedActivity', informational: 'InformationalExpectedActivity', benign: 'InformationalExpectedActivity',
};
const UPN = /^[^\s@]{1,128}@[^\s@]{1,255}$/;

function parseAssign([alertId, who, ...extra]: string[]): ParseResult {
  if (!alertId) return { ok: false, problem: 'missing_argument', command: 'assign' };
  const assignee = !who || who.toLowerCase() === 'me' ? 'me' : who;
  if ((assignee !== 'me' && !UPN.test(assignee)) || extra.length > 0) {
    return { ok: false, problem: 'bad_argument', word: extra[0] ?? who, command: 'assign' };
  }
  return { ok: true, command: { name: 'assign', alertId, assignee } };
}

/** `resolve <alert> <classification> [<determination>] [comment…]`: the determination must be one the classification allows. */
function parseResolve([alertId, classificationWord, ...tail]: string[]): ParseResult {
  if (!alertId || !classificationWord) return { ok: false, problem: 'missing_argument', command: 'resolve' };
  const classification = CLASSIFICATIONS[classificationWord.toLowerCase()];
  if (!classification) return { ok: false, problem: 'bad_argument', word: classificationWord, command: 'resolve' };
  const determination = DETERMINATIONS[classification].find((value) => value.toLowerCase() === tail[0]?.toLowerCase());
  const comment = (determination ? tail.slice(1) : tail).join(' ');
  return { ok: true, command: { name: 'resolve', alertId, classification, ...(determination ? { determination } : {}), comment } };
}

const INDICATOR_ACTION_WORDS: Record<string, IndicatorAction> = { block: 'Block', warn: 'Warn', audit: 'Audit' };
const DURATION = /^(\d{1,4})(h|d|w)$/i;
const HOURS_PER_UNIT: Record<string, number> = { h: 1, d: 24, w: 7 * 24 };

/** `block <value> [block|warn|audit] [for <N>h|d|w] [comment…]`: the value must be a hash, an IP address, a domain or a URL. */
function parseBlock([value, ...tail]: string[]): ParseResult {
  if (!value) return { ok: false, problem: 'missing_argument', command: 'block' };
  if (!indicatorOf(value)) return { ok: false, problem: 'bad_argument', word: value, command: 'block' };
  let words = tail;
  const action = INDICATOR_ACTION_WORDS[words[0]?.toLowerCase() ?? ''];
  if (action) words = words.slice(1);
  let hours: number | undefined;
  if (words[0]?.toLowerCase() === 'for') {
    const duration = DURATION.exec(words[1] ?? '');
    hours = duration ? Number(duration[1]) * HOURS_PER_UNIT[duration[2].toLowerCase()] : NaN;
    if (!(hours >= 1 && hours <= MAX_INDICATOR_HOURS)) return { ok: false, problem: 'bad_argument', word: words[1] ?? 'for', command: 'block' };
    words = words.slice(2);
  }
  return { ok: true, command: { name: 'block', value, action: action ?? 'Block', ...(hours ? { hours } : {}), comment: words.join(' ') } };
}

function parseAlerts(words: string[]): ParseResult {
  const severities: Severity[] = [];
  const statuses: Status[] = [];
  let mine = false;
  let top = DEFAULT_ALERT_COUNT;
  for (const original of words) {
    const word = original.toLowerCase();
    if (SEVERITIES[word]) severities.push(SEVERITIES[word]);
    else if (STATUSES[word]) statuses.push(STATUSES[word]);
    else if (word === 'mine' || word === 'my') mine = true;
    else if (/^\d{1,3}$/.test(word) && Number(word) >= 1 && Number(word) <= MAX_ALERT_COUNT) top = Number(word);
    else return { ok: false, problem: 'bad_argument', word: original, command: 'alerts' };
  }
  return {
    ok: true,
    command: { name: 'alerts', severities, statuses: statuses.length ? statuses : ['New', 'InProgress'], mine, top },
  };
}

/** What follows each routing keyword of `subscribe`: words up to the next keyword, commas separating values. */
const SUBSCRIBE_CLAUSES = { group: 'deviceGroups', tag: 'tags', source: 'sources' } as const;

/** `subscribe [severity] [group <g>[, <g>…]] [tag <t>…] [source <s>…]`, each keyword repeatable. */
function parseSubscribe(words: string[]): ParseResult {
  let minSeverity = DEFAULT_SUBSCRIPTION_SEVERITY;
  const lists: Record<(typeof SUBSCRIBE_CLAUSES)[keyof typeof SUBSCRIBE_CLAUSES], string[]> = { deviceGroups: [], tags: [], sources: [] };
  let clause: keyof typeof SUBSCRIBE_CLAUSES | undefined;
  let value: string[] = [];
  const close = (): boolean => {
    if (!clause) return true;
    const values = value.join(' ').split(',').map((item) => item.trim()).filter(Boolean);
    lists[SUBSCRIBE_CLAUSES[clause]].push(...(clause === 'source' ? values.map(detectionSourceName) : values));
    return values.length > 0;
  };
  for (const original of words) {
    const word = original.toLowerCase();
    if (word in SUBSCRIBE_CLAUSES) {
      if (!close()) return { ok: false, problem: 'bad_argument', word: clause ?? original, command: 'subscribe' };
      clause = word as keyof typeof SUBSCRIBE_CLAUSES;
      value = [];
    } else if (clause) value.push(original);
    else if (SEVERITIES[word]) minSeverity = SEVERITIES[word];
    else return { ok: false, problem: 'bad_argument', word: original, command: 'subscribe' };
  }
  if (!close()) return { ok: false, problem: 'bad_argument', word: clause ?? '', command: 'subscribe' };
  return { ok: true, command: { name: 'subscribe', minSeverity, ...lists } };
}

/** The closest command name, if it is close enough to be what the user meant. */
export function suggestCommand(word: string): string | undefined {
  const names = Object.keys(USAGE);
  const best = closest(word.toLowerCase(), names);
  return distance(word.toLowerCase(), best) <= Math.max(2, Math.floor(best.length / 3)) ? best : undefined;
}

/**
 * Plain text from a Teams message: leftover mention tags and entities removed, whitespace collapsed.
 * Time linear in the text: no pattern can scan past the next `<` (a tag ends there at the latest).
 */
export function normaliseText(text: string): string {
  return text
    .replace(/<at>[^<]*<\/at>/gi, ' ')
    .replace(/<[^<>]+>/g, ' ')
    .replace(/&nbsp;/gi, ' ')
    .replace(/&amp;/gi, '&')
    .replace(/&lt;/gi, '<')
    .replace(/&gt;/gi, '>')
    .replace(/&#39;|&apos;/gi, "'")
    .replace(/&quot;/gi, '"')
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f\u200b-\u200d\ufeff]/g, ' ')
    .replace(/[\ud800-\udfff]/g, (char, offset: number, whole: string) => (isPairedSurrogate(whole, offset) ? char : ''))
    .replace(/\s+/g, ' ')
    .trim();
}

function isPairedSurrogate(text: string, offset: number): boolean {
  const code = text.charCodeAt(offset);
  if (code >= 0xd800 && code <= 0xdbff) {
    const next = text.charCodeAt(offset + 1);
    return next >= 0xdc00 && next <= 0xdfff;
  }
  const previous = text.charCodeAt(offset - 1);
  return previous >= 0xd800 && previous <= 0xdbff;
}
