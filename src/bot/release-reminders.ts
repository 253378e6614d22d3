import type { Attachment, ConversationReference } from 'botbuilder';
import { fill, stringsForLocale } from '../cards/strings';
import type { AccessTokenSource, DefenderClient } from '../defender/client';
import { LeasedRounds } from './leased-rounds';
import type { AuditEntry, StoredDocument } from '../store/store';
import { type Acting, tokenSource } from './acting';
import type { IsolationLedger, LedgerEntry } from './isolation-ledger';
import { auditEntry } from './responses';
import { release } from './responses/definitions/release';
import type { Screens } from './screens';
import type { VerifiedAction } from './signed-actions';
import type { TurnOutput } from './turn-budget';
import type { Views } from './views';

export const EXTEND_REMINDER_VERB = 'isolation.extend';
export const REMINDER_LEASE = 'release-reminders';
/** What Extend offers: the reminder again after this many hours. */
const EXTEND_HOURS = [4, 24] as const;

export interface ReleaseRemindersDeps {
  ledger: IsolationLedger;
  defender: DefenderClient;
  /** The app's read-only token: whether the device is still isolated by the recorded action. */
  appToken: AccessTokenSource;
  screens: Screens;
  views: Views;
  /** Posts a new message in a conversation; returns its activity id. */
  post(reference: Partial<ConversationReference>, card: Attachment): Promise<string>;
  audit(entry: AuditEntry): Promise<void>;
  replicaId: string;
  /** How often a replica looks for due reminders. */
  checkMs: number;
  log(line: string): void;
  now?: () => number;
}

/**
 * Release reminders: at the time an isolation's requester picked, the conversation of the request
 * gets a card mentioning them, with Release (the usual confirmation, as the clicker) and Extend.
 * Nothing is ever released automatically. Whichever replica holds the lease looks for due
 * reminders; each is claimed in the store (an etag write) before it is posted, so it is posted once
 * across replicas and restarts.
 */
export class ReleaseReminders {
  private readonly rounds: LeasedRounds;

  constructor(private readonly deps: ReleaseRemindersDeps) {
    this.rounds = new LeasedRounds(deps.ledger.store, {
      name: REMINDER_LEASE, replicaId: deps.replicaId, everyMs: deps.checkMs, round: () => this.remindOnce(), log: deps.log, now: deps.now,
    });
  }

  start(): void {
    this.rounds.start();
  }

  async stop(): Promise<void> {
    await this.rounds.stop();
  }

  /** Posts the reminders due now, if this replica holds (or can take) the lease; returns how many it posted. */
  async remindOnce(): Promise<number> {
    if (!(await this.rounds.lease.hold())) return 0;
    let posted = 0;
    for (const due of await this.deps.ledger.due()) {
      const claimed = await this.deps.ledger.claim(due);
      if (!claimed) continue;
      if (await this.post(claimed)) posted += 1;
    }
    return posted;
  }

  handles(verb: string): boolean {
    return verb === EXTEND_REMINDER_VERB;
  }

  /**
   * Extend, as the clicker: they must see the device in Defender (read with their own token); the
   * reminder moves, the card says by whom for everyone, and the audit log has a line.
   */
  async act(output: TurnOutput, acting: Acting, action: VerifiedAction): Promise<Attachment> {
    const { machineId = '', actionId = '' } = action.params;
    const hours = EXTEND_HOURS.find((choice) => String(choice) === action.params.hours) ?? EXTEND_HOURS[0];
    const strings = stringsForLocale(acting.locale).ledger;
    const machine = await this.deps.defender.getMachine(tokenSource(acting), machineId);
    const doc = await this.deps.ledger.get(machine.id);
    const extended = doc && doc.value.actionId === actionId ? await this.deps.ledger.extend(doc, hours) : undefined;
    if (!extended) return this.deps.views.message(acting.locale, { kind: 'warning', title: strings.notInLedgerTitle, text: strings.notInLedgerText });
    const when = new Date(extended.remindAt ?? 0).toISOString();
    await this.deps.audit(auditEntry({
      acting, action: 'Release reminder', machineId: machine.id, computerDnsName: machine.computerDnsName,
      comment: `extended by ${hours} h, to ${when}`,
    }, 'extended'));
    const note = fill(strings.extendedText, { who: acting.token.upn, device: machine.computerDnsName, when: `${when.slice(0, 16).replace('T', ' ')} UTC` });
    const card = this.card(extended, acting, note);
    if (output.replyToId) await output.update({ type: 'message', id: output.replyToId, attachments: [card] });
    return card;
  }

  /** A claimed reminder: dropped when the device is no longer isolated by the recorded action, else posted. */
  private async post(claimed: StoredDocument<LedgerEntry>): Promise<boolean> {
    const entry = claimed.value;
    try {
      const state = await this.deps.defender.isolationState(this.deps.appToken, entry.machineId);
      if (!state.isolated || state.last?.id.toLowerCase() !== entry.actionId.toLowerCase()) {
        await this.deps.ledger.forget(claimed);
        return false;
      }
      await this.deps.post(entry.reference, this.card(entry, entry));
      await this.deps.ledger.sent(claimed);
      return true;
    } catch (error) {
      this.deps.log(`release reminders: the reminder for ${entry.computerDnsName} failed, trying again later: ${describe(error)}`);
      await this.deps.ledger.reopen(claimed);
      return false;
    }
  }

  /** The reminder card for the entry's conversation; `note`: it was moved (no buttons then). */
  private card(entry: LedgerEntry, target: { conversationId: string; locale: string }, note?: string): Attachment {
    const buttons = this.deps.screens.buttonsFor(target);
    const strings = stringsForLocale(target.locale).ledger;
    const offers = note ? [] : [
      { ...buttons.ask(release, entry.machineId, { card: 'device' }), title: strings.release },
      ...EXTEND_HOURS.map((hours) => buttons.signed(fill(strings.extend, { hours }), EXTEND_REMINDER_VERB, {
        machineId: entry.machineId, actionId: entry.actionId, hours: String(hours),
      })),
    ];
    return this.deps.views.releaseReminder(target.locale, {
      device: entry.computerDnsName,
      requester: { teamsUserId: entry.requester.teamsUserId, name: entry.requester.name },
      requestedAt: new Date(entry.requestedAt).toISOString(),
      comment: entry.comment,
      buttons: offers,
      note,
    });
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
