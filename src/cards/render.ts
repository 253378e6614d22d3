import fs from 'node:fs';
import path from 'node:path';
import { Template } from 'adaptivecards-templating';
import type { Attachment } from 'botbuilder';
import { cardLocale, type CardLocale } from './locale';
import { stringsFor, type CardStrings } from './strings';
import type { AlertCardData, AlertListCardData, AlertTriageCardData } from './views/alerts';
import type { AuditCardData } from './views/audit';
import type { DeviceCardData, DeviceChoicesCardData } from './views/devices';
import type { ActionsCardData, ActionStatusCardData, ConfirmActionCardData } from './views/machine-actions';
import type { HelpCardData, MessageCardData } from './views/messages';
import type { IncidentCardData, IncidentListCardData } from './views/incidents';
import type { HuntCardData } from './views/hunting';
import type { BlockIndicatorCardData, IndicatorCardData } from './views/indicators';
import type { PermissionsCardData } from './views/permissions';
import type { ApprovalCardData } from './views/approvals';
import type { IsolatedCardData } from './views/isolated';
import type { ReleaseReminderCardData } from './views/release-reminder';
import type { DigestCardData } from './views/digest';

export const ADAPTIVE_CARD_CONTENT_TYPE = 'application/vnd.microsoft.card.adaptive';

/** The template data each card expects (built by the functions in ./views). */
export interface CardDataByName {
  help: HelpCardData;
  'alert-list': AlertListCardData;
  alert: AlertCardData;
  'alert-triage': AlertTriageCardData;
  device: DeviceCardData;
  'confirm-action': ConfirmActionCardData;
  'action-status': ActionStatusCardData;
  actions: ActionsCardData;
  'device-choices': DeviceChoicesCardData;
  message: MessageCardData;
  audit: AuditCardData;
  'incident-list': IncidentListCardData;
  incident: IncidentCardData;
  hunt: HuntCardData;
  'block-indicator': BlockIndicatorCardData;
  indicator: IndicatorCardData;
  permissions: PermissionsCardData;
  approval: ApprovalCardData;
  isolated: IsolatedCardData;
  'release-reminder': ReleaseReminderCardData;
  digest: DigestCardData;
}

export type CardName = keyof CardDataByName;

export const CARD_NAMES: readonly CardName[] = [
  'help', 'alert-list', 'alert', 'alert-triage', 'device', 'confirm-action', 'action-status', 'actions', 'device-choices', 'message', 'audit', 'incident-list', 'incident', 'hunt',
  'block-indicator', 'indicator', 'permissions', 'approval', 'isolated', 'release-reminder', 'digest',
];

/** cards/ at the project root: two levels up from both src/cards and dist/cards. */
const TEMPLATES_DIRECTORY = path.resolve(__dirname, '..', '..', 'cards');

const PAYLOADS = new Map<CardName, unknown>(
  CARD_NAMES.map((name) => [name, JSON.parse(fs.readFileSync(path.join(TEMPLATES_DIRECTORY, `${name}.json`), 'utf8'))]),
);
const TEMPLATES = new Map<`${CardLocale} ${CardName}`, Template>();

/** Each card's template with its locale's strings written in, made at its first render. */
function templateFor(name: CardName, locale: CardLocale): Template | undefined {
  let template = TEMPLATES.get(`${locale} ${name}`);
  if (!template && PAYLOADS.has(name)) {
    template = new Template(withStrings(PAYLOADS.get(name), stringsFor(locale), false));
    TEMPLATES.set(`${locale} ${name}`, template);
  }
  return template;
}

/** `${strings.a.b}`, or `${$root.strings.a.b}` (the form that also reaches them inside a `$data` scope). */
const STRING_BINDING = /\$\{(\$root\.)?strings\.([\w.]+)\}/g;
/** Text with no other binding, nor anything the expression language reads specially. */
const ONLY_STRING_BINDINGS = /^(?:[^$`\\{}'"]|\$\{(?:\$root\.)?strings\.[\w.]+\})*$/;

/**
 * The strings are the same in every card of a locale, so template text made of them alone is
 * written in once instead of being resolved by the library at every render. `$data` and `$when`
 * (the template's own keys) stay expressions.
 */
function withStrings(node: unknown, strings: CardStrings, inDataScope: boolean): unknown {
  if (typeof node === 'string') return ONLY_STRING_BINDINGS.test(node) ? stringsWrittenIn(node, strings, inDataScope) : node;
  if (Array.isArray(node)) return node.map((item) => withStrings(item, strings, inDataScope));
  if (isPlainObject(node)) {
    const scoped = inDataScope || '$data' in node;
    const result: Record<string, unknown> = {};
    for (const key of Object.keys(node)) result[key] = key.startsWith('$') ? node[key] : withStrings(node[key], strings, scoped);
    return result;
  }
  return node;
}

/** The text as the library would expand it, or the text unchanged when any of its bindings is not plainly a string. */
function stringsWrittenIn(text: string, strings: CardStrings, inDataScope: boolean): string {
  let resolvable = true;
  const written = text.replace(STRING_BINDING, (_binding, fromRoot: string | undefined, stringPath: string) => {
    // Inside a `$data` scope a path without `$root` is looked up in the item, not in the strings.
    const value = inDataScope && !fromRoot ? undefined : stringAt(strings, stringPath);
    if (typeof value !== 'string') resolvable = false;
    return String(value);
  });
  return resolvable && !written.includes(BINDING_START) ? written : text;
}

/** Looked up as the library does: at each step, the first key equal to the name but for case. */
function stringAt(strings: CardStrings, stringPath: string): unknown {
  let scope: unknown = strings;
  for (const name of stringPath.split('.')) {
    if (!isPlainObject(scope)) return undefined;
    const key = Object.keys(scope).find((candidate) => candidate.toLowerCase() === name.toLowerCase());
    scope = key === undefined ? undefined : scope[key];
  }
  return scope;
}

/**
 * Expands a card template with the view's data and the strings of its locale (by default the one
 * the view was built in). The card never shows a binding: text from Defender that happens to contain
 * `${` is defused before expansion, and whatever the template could not resolve is removed after.
 */
export function renderCard<N extends CardName>(name: N, data: CardDataByName[N], locale?: string): Attachment {
  const cardLanguage = locale === undefined ? data.locale : cardLocale(locale);
  const template = templateFor(name, cardLanguage);
  if (!template) throw new Error(`unknown card template: ${name}`);
  const root = { ...(defuseBindings(data) as object), strings: stringsFor(cardLanguage) };
  return { contentType: ADAPTIVE_CARD_CONTENT_TYPE, content: withoutUnresolved(template.expand({ $root: root })) };
}

/** Bytes of the attachment as sent (UTF-8 JSON); Teams refuses a message of about 100 KB. */
export function cardSize(attachment: Attachment): number {
  return Buffer.byteLength(JSON.stringify(attachment), 'utf8');
}

const BINDING_START = '${';
/** U+2060 WORD JOINER: invisible, and it keeps "$" and "{" from forming a binding. */
const DEFUSED_BINDING_START = '$\u2060{';
const UNRESOLVED_BINDING = /\$\{[^}]*\}?/g;
const TEXT_ELEMENTS = new Set(['TextBlock', 'TextRun']);

/**
 * Action data (an object's `data` beside its `verb`) is signed by the bot and passes through
 * untouched in both directions; everything else is text for people.
 */
function isActionData(parent: Record<string, unknown>, key: string): boolean {
  return key === 'data' && (typeof parent.verb === 'string' || parent.type === 'Action.Execute');
}

/**
 * Most of a card's data holds no `${`: strings without one are kept as they are, and an array or
 * object is copied only once one of its items changes.
 */
function defuseBindings(value: unknown): unknown {
  if (typeof value === 'string') return value.includes(BINDING_START) ? value.replaceAll(BINDING_START, DEFUSED_BINDING_START) : value;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let index = 0; index < value.length; index++) {
      const item: unknown = value[index];
      const defused = defuseBindings(item);
      if (defused !== item) (copy ??= value.slice())[index] = defused;
    }
    return copy ?? value;
  }
  if (isPlainObject(value)) {
    let copy: Record<string, unknown> | undefined;
    for (const key of Object.keys(value)) {
      if (isActionData(value, key)) continue;
      const item = value[key];
      const defused = defuseBindings(item);
      if (defused !== item) (copy ??= { ...value })[key] = defused;
    }
    return copy ?? value;
  }
  return value;
}

/**
 * Drops what the template left unresolved: `${…}` text, properties or items that were only that (or
 * null), and text elements whose text (links whose URL) is gone. An array or object that loses or
 * changes nothing is kept as it is.
 */
function withoutUnresolved(value: unknown): unknown {
  if (typeof value === 'string') {
    if (!value.includes(BINDING_START)) return value;
    const cleaned = value.replace(UNRESOLVED_BINDING, '');
    return cleaned.trim() === '' ? undefined : cleaned;
  }
  if (Array.isArray(value)) {
    let kept: unknown[] | undefined;
    for (let index = 0; index < value.length; index++) {
      const item: unknown = value[index];
      const cleaned = withoutUnresolved(item);
      if (!kept && cleaned === item && isPresent(cleaned)) continue;
      kept ??= value.slice(0, index);
      if (isPresent(cleaned)) kept.push(cleaned);
    }
    return kept ?? value;
  }
  if (isPlainObject(value)) {
    const keys = Object.keys(value);
    let result: Record<string, unknown> | undefined;
    for (let index = 0; index < keys.length; index++) {
      const key = keys[index];
      const item = value[key];
      const kept = isActionData(value, key) && typeof item !== 'string' ? item : withoutUnresolved(item);
      if (!result && kept === item && isPresent(kept)) continue;
      if (!result) {
        result = {};
        for (const earlier of keys.slice(0, index)) result[earlier] = value[earlier];
      }
      if (isPresent(kept)) result[key] = kept;
    }
    const cleaned = result ?? value;
    if (cleaned.type === 'Action.OpenUrl' && cleaned.url === undefined) return undefined;
    return TEXT_ELEMENTS.has(String(cleaned.type)) && cleaned.text === undefined ? undefined : cleaned;
  }
  return value;
}

function isPresent(value: unknown): boolean {
  return value !== undefined && value !== null;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
