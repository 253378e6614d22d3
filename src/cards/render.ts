import fs from 'node:fs';
import path from 'node:path';
import { Template } from 'adaptivecards-templating';
import type { Attachment } from 'botbuilder';
import { PROJECT_DIR } from '../project-dir';
import { cardLocale } from './locale';
import { stringsFor } from './strings';
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

const TEMPLATES = new Map<CardName, Template>(
  CARD_NAMES.map((name) => [name, new Template(JSON.parse(fs.readFileSync(path.join(TEMPLATES_DIRECTORY, `${name}.json`), 'utf8')))]),
);

/**
 * Expands a card template with the view's data and the strings of its locale (by default the one
 * the view was built in). The card never shows a binding: text from Defender that happens to contain
 * `${` is defused before expansion, and whatever the template could not resolve is removed after.
 */
export function renderCard<N extends CardName>(name: N, data: CardDataByName[N], locale?: string): Attachment {
  const template = TEMPLATES.get(name);
  if (!template) throw new Error(`unknown card template: ${name}`);
  const strings = stringsFor(locale === undefined ? data.locale : cardLocale(locale));
  const root = { ...(defuseBindings(data) as object), strings };
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

function defuseBindings(value: unknown): unknown {
  if (typeof value === 'string') return value.split(BINDING_START).join(DEFUSED_BINDING_START);
  if (Array.isArray(value)) return value.map(defuseBindings);
  if (isPlainObject(value)) {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, isActionData(value, key) ? item : defuseBindings(item)]),
    );
  }
  return value;
}

/**
 * Drops what the template left unresolved: `${…}` text, properties or items that were only that (or
 * null), and text elements whose text (links whose URL) is gone.
 */
function withoutUnresolved(value: unknown): unknown {
  if (typeof value === 'string') {
    if (!value.includes(BINDING_START)) return value;
    const cleaned = value.replace(UNRESOLVED_BINDING, '');
    return cleaned.trim() === '' ? undefined : cleaned;
  }
  if (Array.isArray(value)) {
    return value.map(withoutUnresolved).filter((item) => item !== undefined && item !== null);
  }
  if (isPlainObject(value)) {
    const result: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      const kept = isActionData(value, key) && typeof item !== 'string' ? item : withoutUnresolved(item);
      if (kept !== undefined && kept !== null) result[key] = kept;
    }
    if (result.type === 'Action.OpenUrl' && result.url === undefined) return undefined;
    return TEXT_ELEMENTS.has(String(result.type)) && result.text === undefined ? undefined : result;
  }
  return value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
