import crypto from 'node:crypto';
import type { Attachment } from 'botbuilder';
import { fill, stringsForLocale } from '../cards/strings';
import { DEFAULT_INDICATOR_HOURS } from '../cards/views/indicators';
import type { DefenderClient } from '../defender/client';
import { DefenderApiError } from '../defender/errors';
import { INDICATOR_ACTIONS, type IndicatorAction, indicatorOf, MAX_INDICATOR_HOURS, type IndicatorSubmission, type IndicatorType } from '../defender/indicators';
import type { Alert } from '../defender/model';
import type { AuditEntry } from '../store/store';
import { type Acting, tokenSource } from './acting';
import { VERBS } from './buttons';
import type { OnceLedger } from './once';
import { auditEntry, MAX_COMMENT_LENGTH } from './responses';
import type { ActionSigner, VerifiedAction } from './signed-actions';
import type { CardAction, Views } from './views';

/** Most evidence values a confirmation offers. */
const MAX_CANDIDATES = 10;

export interface BlockRequest {
  value: string;
  action: IndicatorAction;
  hours?: number;
  comment: string;
}

interface Candidate {
  value: string;
  type: IndicatorType;
}

/**
 * Indicators as the user (`POST /api/indicators`, Ti.ReadWrite; post-ti-indicator): typed
 * (`block <hash|ip|domain|url> [warn|audit] [for <duration>]`) or from an alert's evidence, always
 * through a confirmation with a required comment, exactly one request per confirmation, an audit
 * line. Indicator deletion is application-only in Defender (delete-ti-indicator-by-id): the bot
 * never deletes one, the result card links to the portal instead.
 */
export class IndicatorActions {
  constructor(private readonly deps: {
    defender: DefenderClient;
    views: Views;
    signer: ActionSigner;
    ledger: OnceLedger<string>;
    audit: (entry: AuditEntry) => Promise<void>;
    now: () => number;
  }) {}

  /** The confirmation of a typed `block`: the value (recognised by the parser), action and expiry preselected. */
  ask(acting: Acting, request: BlockRequest): Attachment {
    const candidate = indicatorOf(request.value);
    if (!candidate) throw DefenderApiError.invalidInput(`"${request.value}" is not a file hash, IP address, domain or URL.`);
    return this.confirmation(acting, [candidate], request, {});
  }

  /** "Block indicator…" on an alert card: the evidence values of the alert as the clicker reads it now. */
  async askFromAlert(acting: Acting, alertId: string): Promise<Attachment> {
    const alert = await this.deps.defender.getAlert(tokenSource(acting), alertId);
    const candidates = indicatorCandidates(alert);
    if (candidates.length === 0) {
      const texts = stringsForLocale(acting.locale).indicators;
      return this.deps.views.message(acting.locale, { kind: 'info', title: texts.noEvidenceTitle, text: texts.noEvidenceText });
    }
    const params = { alertId: alert.id, alertTitle: alert.title.slice(0, 200), machineId: alert.machineId ?? '', device: alert.computerDnsName ?? '', severity: alert.severity };
    const cancel = this.action(stringsForLocale(acting.locale).buttons.cancel, VERBS.refreshAlert, acting, { alertId: alert.id });
    return this.confirmation(acting, candidates, { action: 'Block', comment: '' }, params, cancel);
  }

  /**
   * A confirmation: its inputs checked against what the bot signed into it, claimed once, then one
   * request as the user; the card for everyone says what Defender accepted.
   */
  async confirm(acting: Acting, verified: VerifiedAction): Promise<{ card: Attachment; submitted: boolean }> {
    const { params, inputs } = verified;
    const strings = stringsForLocale(acting.locale);
    const input = validInputs(params, inputs);
    if ('problem' in input) {
      return { card: this.deps.views.message(acting.locale, { kind: 'warning', title: strings.bot.cardActions.checkInputTitle, text: input.problem(strings) }), submitted: false };
    }
    if (!verified.nonce || !(await this.deps.ledger.claim(verified.nonce))) {
      const texts = strings.bot.cardActions;
      return { card: this.deps.views.message(acting.locale, { kind: 'info', title: texts.alreadySubmittedTitle, text: texts.alreadySubmittedIndicatorText }), submitted: false };
    }
    const expires = new Date(this.deps.now() + input.hours * 3_600_000).toISOString();
    const submission = this.submission(acting, input, params, expires);
    const audited = {
      acting, action: `SubmitIndicator ${input.action}`, machineId: params.machineId ?? '', computerDnsName: params.device ?? '',
      comment: `${input.type} ${input.value} until ${expires}; ${input.comment}`,
    };
    let id: string;
    try {
      id = (await this.deps.defender.submitIndicator(tokenSource(acting), submission)).id;
    } catch (error) {
      const refused = error instanceof DefenderApiError && ['forbidden', 'bad_request', 'unauthorized'].includes(error.kind);
      await this.deps.audit(auditEntry(audited, refused ? 'refused' : 'failed'));
      throw error;
    }
    await this.deps.ledger.record(verified.nonce, id);
    await this.deps.audit({ ...auditEntry(audited, 'requested'), defenderActionId: id });
    const card = this.deps.views.indicator(acting.locale, {
      value: input.value, type: input.type, action: input.action, expires: `${expires.slice(0, 16).replace('T', ' ')} UTC`, upn: acting.token.upn, comment: input.comment,
    });
    return { card, submitted: true };
  }

  /** Title and description name the analyst and, when it came from one, the alert (what the portal and its alerts show). */
  private submission(acting: Acting, input: ValidInputs, params: Record<string, string>, expirationTime: string): IndicatorSubmission {
    const from = params.alertId ? ` from alert ${params.alertId} "${params.alertTitle ?? ''}"` : '';
    const severity = (['Informational', 'Low', 'Medium', 'High'] as const).find((value) => value === params.severity) ?? 'Medium';
    return {
      indicatorValue: input.value,
      indicatorType: input.type,
      action: input.action,
      title: `${input.action} by ${acting.token.upn} in Microsoft Teams${params.alertId ? ` (alert ${params.alertId})` : ''}`.slice(0, 250),
      description: `${input.action} by ${acting.token.upn} in Microsoft Teams${from}: ${input.comment}`.slice(0, 2000),
      expirationTime,
      severity,
    };
  }

  private confirmation(acting: Acting, candidates: readonly Candidate[], request: Omit<BlockRequest, 'value'>, params: Record<string, string>, cancel?: CardAction): Attachment {
    const signed = { ...params, values: candidates.map((candidate) => candidate.value).join(' ') };
    const confirm = {
      ...this.action(stringsForLocale(acting.locale).indicators.confirm, VERBS.confirmIndicator, acting, signed, crypto.randomUUID()),
      style: 'destructive' as const,
    };
    return this.deps.views.blockIndicator(acting.locale, {
      candidates, action: request.action, hours: request.hours ?? DEFAULT_INDICATOR_HOURS, comment: request.comment,
      alertTitle: params.alertTitle, confirm, cancel,
    });
  }

  private action(title: string, verb: string, acting: Acting, params: Record<string, string>, nonce?: string): CardAction {
    return { title, verb, data: { ...this.deps.signer.sign(verb, params, acting.conversationId, nonce) } };
  }
}

/** File hashes (SHA-256 before SHA-1), IP addresses and URLs of an alert's evidence, files before processes, each once. */
export function indicatorCandidates(alert: Pick<Alert, 'evidence'>): Candidate[] {
  const rank = (type: string) => ['File', 'Ip', 'Url', 'Process'].indexOf(type);
  const values = [...alert.evidence]
    .filter((item) => rank(item.entityType) >= 0)
    .sort((a, b) => rank(a.entityType) - rank(b.entityType))
    .flatMap((item) => [item.sha256 ?? item.sha1, item.ipAddress, item.url])
    .filter((value): value is string => typeof value === 'string' && value !== '');
  const candidates = new Map<string, Candidate>();
  for (const value of values) {
    const candidate = indicatorOf(value);
    if (candidate && !candidates.has(candidate.value)) candidates.set(candidate.value, candidate);
  }
  return [...candidates.values()].slice(0, MAX_CANDIDATES);
}

type Strings = ReturnType<typeof stringsForLocale>;
interface ValidInputs extends Candidate {
  action: IndicatorAction;
  hours: number;
  comment: string;
}

/** The confirmation's inputs (untrusted): a value the bot offered on this card, an action, an expiry, a comment. */
function validInputs(params: Record<string, string>, inputs: Record<string, unknown>): ValidInputs | { problem: (strings: Strings) => string } {
  const offered = (params.values ?? '').split(' ').filter(Boolean);
  const value = inputs.indicator ?? offered[0];
  const candidate = typeof value === 'string' && offered.includes(value) ? indicatorOf(value) : undefined;
  if (!candidate) return { problem: (strings) => strings.indicators.problems.indicator };
  const action = INDICATOR_ACTIONS.find((known) => known === inputs.action);
  if (!action) return { problem: (strings) => strings.indicators.problems.action };
  const hours = typeof inputs.expiry === 'string' && /^\d{1,4}$/.test(inputs.expiry) ? Number(inputs.expiry) : NaN;
  if (!(hours >= 1 && hours <= MAX_INDICATOR_HOURS)) return { problem: (strings) => strings.indicators.problems.expiry };
  const comment = typeof inputs.comment === 'string' ? inputs.comment.trim() : '';
  if (!comment) return { problem: (strings) => strings.bot.responseInput.commentRequired };
  if (comment.length > MAX_COMMENT_LENGTH) return { problem: (strings) => fill(strings.bot.responseInput.commentTooLong, { length: comment.length, max: MAX_COMMENT_LENGTH }) };
  return { ...candidate, action, hours, comment };
}
