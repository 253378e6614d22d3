import type { ConversationReference } from 'botbuilder';
import { DEFAULT_RELEASE_REMINDER, RELEASE_REMINDERS, type ReleaseReminder } from '../config';
import type { MachineAction } from '../defender/model';
import { ConflictError, type Store, type StoredDocument } from '../store/store';
import type { Acting } from './acting';
import type { ResponseDefinition } from './responses/definition';

/** The confirmation input that picks the release reminder. */
export const RELEASE_REMINDER_INPUT = 'releaseReminder';
const HOUR_MS = 60 * 60 * 1000;
const REMINDER_HOURS: Record<Exclude<ReleaseReminder, 'none'>, number> = { '4h': 4, '24h': 24, '72h': 72 };
export const ISOLATION_LEDGER = 'isolation-ledger';

/** Who asked for an isolation, as the reminder mentions them. */
export interface LedgerPerson {
  oid: string;
  upn: string;
  name: string;
  teamsUserId: string;
}

/**
 * One isolation the bot requested, keyed by device: who, when, why, and when to remind the
 * conversation to release it. No token. `reminder` moves waiting → sending → sent, each step an
 * etag claim, so one replica posts it once.
 */
export interface LedgerEntry {
  machineId: string;
  computerDnsName: string;
  /** The Isolate action: the entry speaks for the device only while this is the isolation in force. */
  actionId: string;
  requester: LedgerPerson;
  approver?: { oid: string; upn: string };
  comment: string;
  requestedAt: number;
  remindAt: number | null;
  conversationId: string;
  locale: string;
  reference: Partial<ConversationReference>;
  reminder: 'waiting' | 'sending' | 'sent';
}

/** The ledger of isolations the bot requested, and their release reminders. */
export class IsolationLedger {
  constructor(
    readonly store: Store,
    readonly defaultReminder: ReleaseReminder = DEFAULT_RELEASE_REMINDER,
    private readonly now: () => number = Date.now,
  ) {}

  /** Isolations are recorded; no other response is. */
  recordsFor(definition: ResponseDefinition): boolean {
    return definition.endpoint.actionType === 'Isolate';
  }

  /** The reminder a confirmation picked (card data is untrusted: anything else is the default). */
  reminderOf(inputs: Record<string, unknown>): ReleaseReminder {
    const value = inputs[RELEASE_REMINDER_INPUT];
    return RELEASE_REMINDERS.find((choice) => choice === value) ?? this.defaultReminder;
  }

  /**
   * Records an isolation Defender accepted, sent by `acting`: the requester themselves, or (for a
   * request the two-person rule held) its approver, when `requester` is the person who asked.
   */
  async record(action: MachineAction, where: {
    acting: Acting; requester?: LedgerPerson; inputs: Record<string, unknown>; reference: Partial<ConversationReference>;
  }): Promise<LedgerEntry> {
    const { acting } = where;
    const reminder = this.reminderOf(where.inputs);
    const requestedAt = this.now();
    const sender: LedgerPerson = { oid: acting.token.oid, upn: acting.token.upn, name: acting.token.name, teamsUserId: acting.teamsUserId };
    const requester = where.requester ?? sender;
    const entry: LedgerEntry = {
      machineId: action.machineId,
      computerDnsName: action.computerDnsName,
      actionId: action.id,
      requester,
      ...(requester.oid !== sender.oid ? { approver: { oid: sender.oid, upn: sender.upn } } : {}),
      comment: action.requestorComment,
      requestedAt,
      remindAt: reminder === 'none' ? null : requestedAt + REMINDER_HOURS[reminder] * HOUR_MS,
      conversationId: acting.conversationId,
      locale: acting.locale,
      reference: where.reference,
      reminder: 'waiting',
    };
    await this.store.put(ISOLATION_LEDGER, action.machineId, entry, { etag: '*' });
    return entry;
  }

  async entries(): Promise<StoredDocument<LedgerEntry>[]> {
    return this.store.list<LedgerEntry>(ISOLATION_LEDGER);
  }

  async get(machineId: string): Promise<StoredDocument<LedgerEntry> | undefined> {
    return this.store.get<LedgerEntry>(ISOLATION_LEDGER, machineId);
  }

  /** Reminders due now and not yet claimed. */
  async due(): Promise<StoredDocument<LedgerEntry>[]> {
    const now = this.now();
    return (await this.entries()).filter((doc) => doc.value.reminder === 'waiting' && doc.value.remindAt !== null && doc.value.remindAt <= now);
  }

  /** The next reminder `hours` from now, for the same isolation (undefined: the entry changed meanwhile). */
  async extend(doc: StoredDocument<LedgerEntry>, hours: number): Promise<LedgerEntry | undefined> {
    return (await this.replace(doc, { remindAt: this.now() + hours * HOUR_MS, reminder: 'waiting' }))?.value;
  }

  /** Takes a due reminder for this replica; false when another replica took it first. */
  async claim(doc: StoredDocument<LedgerEntry>): Promise<StoredDocument<LedgerEntry> | undefined> {
    return this.replace(doc, { reminder: 'sending' });
  }

  /** A claimed reminder that could not be posted waits for the next round. */
  async reopen(doc: StoredDocument<LedgerEntry>): Promise<void> {
    await this.replace(doc, { reminder: 'waiting' });
  }

  async sent(doc: StoredDocument<LedgerEntry>): Promise<void> {
    await this.replace(doc, { reminder: 'sent' });
  }

  /** The device is no longer isolated by this entry's action: nothing to remind about. */
  async forget(doc: StoredDocument<LedgerEntry>): Promise<void> {
    await this.store.delete(ISOLATION_LEDGER, doc.key, doc.etag).catch((error: unknown) => {
      if (!(error instanceof ConflictError)) throw error;
    });
  }

  private async replace(doc: StoredDocument<LedgerEntry>, change: Partial<LedgerEntry>): Promise<StoredDocument<LedgerEntry> | undefined> {
    try {
      return await this.store.put(ISOLATION_LEDGER, doc.key, { ...doc.value, ...change }, { etag: doc.etag });
    } catch (error) {
      if (error instanceof ConflictError) return undefined;
      throw error;
    }
  }
}
