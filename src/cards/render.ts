import fs from 'node:fs';
import path from 'node:path';
import { Template } from 'adaptivecards-templating';
import type { Attachment } from 'botbuilder';
import { PROJECT_DIR } from '../project-dir';
import { cardLocale, type CardLocale } from './locale';
import { stringsFor } from './strings';
import { BINDING_START, isPlainObject, templateWithStrings } from './template-strings';
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

const TEMPLATES_DIRECTORY = path.join(PROJECT_DIR, 'cards');

const PAYLOADS = new Map<CardName, unknown>(
  CARD_NAMES.map((name) => [name, JSON.parse(fs.readFileSync(path.join(TEMPLATES_DIRECTORY, `${name}.json`), 'utf8'))]),
);
const TEMPLATES = new Map<`${CardLocale} ${CardName}`, Template>();

/** Each card's template with its locale's strings written in, made at its first render. */
function templateFor(name: CardName, locale: CardLocale): Template | undefined {
  let template = TEMPLATES.get(`${locale} ${name}`);
  if (!template && PAYLOADS.has(name)) {
    template = new Template(templateWithStrings(PAYLOADS.get(name), stringsFor(locale)));
    TEMPLATES.set(`${locale} ${name}`, template);
  }
  return template;
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
