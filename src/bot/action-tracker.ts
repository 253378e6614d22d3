import type { Attachment, CloudAdapter, ConversationReference } from 'botbuilder';
import { isPendingLong } from '../cards/views';
import type { AccessTokenSource, DefenderClient } from '../defender/client';
import { DefenderApiError } from '../defender/errors';
import type { IsolationState } from '../defender/isolation';
import { FINAL_ACTION_STATUSES, type MachineAction, type MachineActionStatus } from '../defender/model';
import { LeasedRounds } from './leased-rounds';
import { actionFollowed } from '../telemetry';
import { ConflictError, type AuditEntry, type Store, type StoredDocument } from '../store/store';
import type { CardTarget } from './screens';

/** A response action the bot submitted, as the store keeps it until the action is final. No token. */
export interface TrackedAction {
  actionId: string;
  machineId: string;
  computerDnsName: string;
  /** Defender's action type (`Isolate`, `Unisolate`): what the audit line names. */
  type: string;
  comment: string;
  requester: { oid: string; upn: string; teamsUserId: string };
  conversationId: string;
  locale: string;
  reference: Partial<ConversationReference>;
  /** The message whose card shows the action to everyone in the conversation. */
  messageId: string;
  /** What the card shows now. */
  shown: { status: MachineActionStatus; pendingLong: boolean };
  trackedAt: number;
  /** Status reads so far: the next wait grows with them. */
  checks: number;
  nextCheckAt: number;
}

/** Who asked, and where the card that shows the action is. */
export type TrackedCard = Pick<TrackedAction, 'requester' | 'conversationId' | 'locale' | 'reference' | 'messageId'>;

export interface ActionTrackerSettings {
  botAppId: string;
  /** The app's own read-only token: following an action needs no user token. */
  appToken: AccessTokenSource;
  /** Names this replica in the follow-up lease. */
  replicaId: string;
  /** The first wait; later ones grow (×3, ×12, ×60: 10 s, 30 s, 2 min, 10 min for the default 10 s). */
  firstCheckMs: number;
  /**
   * Give up after this long with an audit line saying so; Defender retries an offline device's
   * action for up to 3 days (respond-machine-alerts.md), so the default is 4 days.
   */
  maxTrackingMs?: number;
  render(target: CardTarget, action: MachineAction, options: { isolation?: IsolationState; refreshFor: string[] }): Attachment;
  log(line: string): void;
  now?: () => number;
}

export const TRACKED_ACTIONS = 'tracked-actions';
export const FOLLOW_UP_LEASE = 'action-follow-up';
const BACKOFF_FACTORS = [1, 3, 12, 60];
/** Ids per status read: one `$filter=(id eq … or …)` request stays well under URL limits. */
const BATCH = 25;
const DEFAULT_MAX_TRACKING_MS = 4 * 24 * 60 * 60 * 1000;

/** How long to wait after the n-th status read (0-based). */
export function followUpDelayMs(firstCheckMs: number, checks: number): number {
  return firstCheckMs * BACKOFF_FACTORS[Math.min(checks, BACKOFF_FACTORS.length - 1)];
}

/**
 * Follows every response action the bot submitted until it is final, from the store: whichever
 * replica holds the follow-up lease reads the due actions' status (one request for many, with the
 * app's own read-only token), updates each card for everyone when its status changes (or when it
 * has been Pending for an hour), and writes the audit log's final line. A restart or a second
 * replica carries on where the last one stopped; the wait between reads backs off so that even
 * actions pending for days stay a small share of Defender's 1,500 requests per hour (reference §6).
 */
export class ActionTracker {
  private readonly rounds: LeasedRounds;
  private readonly now: () => number;
  private readonly maxTrackingMs: number;

  constructor(
    private readonly adapter: CloudAdapter,
    private readonly defender: DefenderClient,
    private readonly store: Store,
    private readonly settings: ActionTrackerSettings,
  ) {
    this.now = settings.now ?? Date.now;
    this.maxTrackingMs = settings.maxTrackingMs ?? DEFAULT_MAX_TRACKING_MS;
    this.rounds = new LeasedRounds(store, {
      name: FOLLOW_UP_LEASE, replicaId: settings.replicaId, everyMs: settings.firstCheckMs, round: () => this.followOnce(), log: settings.log, now: this.now,
    });
  }

  /** Records a newly created action; it is followed from the next due check on, by any replica. */
  async track(action: MachineAction, where: TrackedCard): Promise<void> {
    actionFollowed(action);
    const now = this.now();
    const record: TrackedAction = {
      actionId: action.id,
      machineId: action.machineId,
      computerDnsName: action.computerDnsName,
      type: action.type,
      comment: action.requestorComment,
      ...where,
      shown: { status: action.status, pendingLong: false },
      trackedAt: now,
      checks: 0,
      nextCheckAt: now + this.settings.firstCheckMs,
    };
    await this.store.put(TRACKED_ACTIONS, action.id, record, { etag: '*' });
  }

  start(): void {
    this.rounds.start();
  }

  /** Stops following (shutdown) and lets another replica take over at once; the records stay. */
  async stop(): Promise<void> {
    await this.rounds.stop();
  }

  /** One round now, if this replica holds (or can take) the lease: reads due actions and acts on what changed. */
  async followOnce(): Promise<void> {
    if (!(await this.rounds.lease.hold())) return;
    const now = this.now();
    const due = (await this.store.list<TrackedAction>(TRACKED_ACTIONS)).filter((doc) => doc.value.nextCheckAt <= now);
    for (let start = 0; start < due.length; start += BATCH) {
      if (!(await this.rounds.lease.hold())) return;
      await this.follow(due.slice(start, start + BATCH));
    }
  }

  private async follow(batch: StoredDocument<TrackedAction>[]): Promise<void> {
    let actions: MachineAction[];
    try {
      actions = await this.defender.machineActionsByIds(this.settings.appToken, batch.map((doc) => doc.value.actionId));
    } catch (error) {
      this.settings.log(`follow-up: reading ${batch.length} action(s) failed: ${describe(error)}`);
      const wait = error instanceof DefenderApiError && error.kind === 'throttled' ? (error.retryAfterSeconds ?? 60) * 1000 : undefined;
      for (const doc of batch) await this.reschedule(doc, doc.value.shown, wait);
      return;
    }
    for (const action of actions) actionFollowed(action);
    const byId = new Map(actions.map((action) => [action.id.toLowerCase(), action]));
    for (const doc of batch) {
      const action = byId.get(doc.value.actionId.toLowerCase());
      try {
        await this.advance(doc, action);
      } catch (error) {
        this.settings.log(`follow-up: action ${doc.value.actionId} could not be updated: ${describe(error)}`);
        await this.reschedule(doc, doc.value.shown).catch(() => undefined);
      }
    }
  }

  private async advance(doc: StoredDocument<TrackedAction>, action: MachineAction | undefined): Promise<void> {
    const record = doc.value;
    const now = this.now();
    if (!action) {
      if (now - record.trackedAt < this.maxTrackingMs) return this.reschedule(doc, record.shown);
      return this.finish(doc, 'Unknown');
    }
    const final = FINAL_ACTION_STATUSES.includes(action.status);
    const shown = { status: action.status, pendingLong: isPendingLong(action, new Date(now)) };
    if (shown.status !== record.shown.status || shown.pendingLong !== record.shown.pendingLong) {
      const isolation = final
        ? await this.defender.isolationState(this.settings.appToken, action.machineId).catch(() => undefined)
        : undefined;
      await this.updateCard(record, action, isolation);
    }
    if (final) return this.finish(doc, action.status);
    if (now - record.trackedAt >= this.maxTrackingMs) return this.finish(doc, 'Unknown');
    await this.reschedule(doc, shown);
  }

  private async reschedule(doc: StoredDocument<TrackedAction>, shown: TrackedAction['shown'], waitMs?: number): Promise<void> {
    const checks = doc.value.checks + 1;
    const next: TrackedAction = {
      ...doc.value, shown, checks, nextCheckAt: this.now() + Math.max(waitMs ?? 0, followUpDelayMs(this.settings.firstCheckMs, checks)),
    };
    try {
      await this.store.put(TRACKED_ACTIONS, doc.key, next, { etag: doc.etag });
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error;
    }
  }

  /** The audit log's final line, then the record goes (a crash in between repeats the line, never loses it). */
  private async finish(doc: StoredDocument<TrackedAction>, result: string): Promise<void> {
    await this.store.appendAudit(finalAuditEntry(doc.value, result, new Date(this.now()).toISOString()));
    try {
      await this.store.delete(TRACKED_ACTIONS, doc.key, doc.etag);
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error;
    }
  }

  private async updateCard(record: TrackedAction, action: MachineAction, isolation: IsolationState | undefined): Promise<void> {
    const card = this.settings.render(record, action, { isolation, refreshFor: [record.requester.teamsUserId] });
    await this.adapter.continueConversationAsync(this.settings.botAppId, record.reference, async (context) => {
      await context.updateActivity({ type: 'message', id: record.messageId, attachments: [card] });
    });
  }
}

/** The audit line of an action's outcome, in the requester's name. */
export function finalAuditEntry(record: TrackedAction, result: string, time: string): AuditEntry {
  return {
    time,
    userOid: record.requester.oid,
    upn: record.requester.upn,
    machineId: record.machineId,
    computerDnsName: record.computerDnsName,
    action: record.type,
    comment: record.comment,
    result,
    defenderActionId: record.actionId,
    conversationId: record.conversationId,
  };
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
