import { fill } from '../strings';
import { oneLine, timeWithAge, type ViewContext } from '../format';
import { cardFrame, type CardFrame } from './common';

/** One audit log entry as the cards show it (the store's entry, without ids the reader does not need). */
export interface AuditLineInput {
  time: string;
  upn: string;
  computerDnsName: string;
  action: string;
  comment: string;
  result: string;
}

export interface AuditCardData extends CardFrame {
  title: string;
  items: { action: string; device: string; result: string; resultColor: string; who: string; when: string; comment: string }[];
}

export const AUDIT_MAX = 20;

/** Who asked Defender for which response action, when, and how it went (newest first as given). */
export function auditView(input: { device?: string; entries: readonly AuditLineInput[] }, context: ViewContext): AuditCardData {
  const { audit } = context.strings;
  return {
    ...cardFrame([], undefined, context),
    title: input.device ? fill(audit.titleDevice, { device: oneLine(input.device, 100) }) : audit.title,
    items: input.entries.slice(0, AUDIT_MAX).map((entry) => ({
      action: actionName(entry.action, context),
      device: oneLine(entry.computerDnsName, 100),
      result: audit.results[entry.result as keyof typeof audit.results] ?? oneLine(entry.result, 40),
      resultColor: /refused|failed|timeout|cancelled|breakGlass|denied|expired/i.test(entry.result) ? 'Attention' : entry.result === 'Succeeded' ? 'Good' : 'Accent',
      who: oneLine(entry.upn, 80),
      when: timeWithAge(entry.time, context),
      comment: oneLine(entry.comment, 200),
    })),
  };
}

/**
 * Defender's action type as the log stores it (`RestrictCodeExecution`, `Cancel RunAntiVirusScan`,
 * `Download CollectInvestigationPackage`), in the reader's words.
 */
function actionName(action: string, context: ViewContext): string {
  const names: Record<string, string> = context.strings.actionType;
  const { cancelOf, downloadOf } = context.strings.audit;
  const [, step, type] = /^(Cancel|Download) (\w+)$/.exec(action) ?? [];
  if (type && names[type]) return fill(step === 'Cancel' ? cancelOf : downloadOf, { action: names[type] });
  return names[action] ?? oneLine(action, 40);
}
