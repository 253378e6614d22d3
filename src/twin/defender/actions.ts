import crypto from 'node:crypto';
import type { TwinClock } from '../clock';
import { defenderErrors } from './errors';
import { FINAL_ACTION_STATUSES, type Machine, type MachineAction, type MachineActionType } from './model';
import { isOffline } from './os-support';
import { toDefenderTimestamp } from './timestamps';

/** How long each phase lasts on the twin's clock. */
export interface ActionTiming {
  /** Pending → InProgress, once the device has picked the action up. */
  pendingMs: number;
  /** InProgress → Succeeded / Failed. */
  inProgressMs: number;
  /** A device that does not report leaves the action Pending until it becomes TimeOut. */
  offlineTimeoutMs: number;
}

export const DEFAULT_ACTION_TIMING: ActionTiming = {
  pendingMs: 5_000,
  inProgressMs: 10_000,
  offlineTimeoutMs: 3 * 24 * 60 * 60 * 1000, // live response's documented 3-day queue, used for every action [I]
};

/**
 * A second in-flight action of the same type on a device: 400, the existing action (§7.2, §9.4), or
 * a new action queued behind it (`queue`: for Isolate and Unisolate it then waits, see `waitsFor`).
 */
export type DuplicatePolicy = 'reject' | 'returnExisting' | 'queue';

/** Makes matching actions end Failed instead of Succeeded (tests drive failure paths with it). */
export interface ActionFailureRule {
  machineId?: string;
  type?: MachineActionType;
}

export interface ActionRequest {
  type: MachineActionType;
  scope: string | null;
  comment: string;
  requestor: string;
  relatedFileInfo?: MachineAction['relatedFileInfo'];
}

/** Isolation of a device Defender only discovered ("contain"): enforced by its peers, so it needs no device. */
export const CONTAIN_SCOPE = 'UnManagedDevice';

const E_FAIL = -2147467259;
/** Defender Antivirus states in which AV-dependent actions cannot run (scan; stop and quarantine). */
const AV_UNAVAILABLE = ['Disabled', 'NotSupported', 'NotInstalled'];
const NEEDS_ANTIVIRUS: readonly MachineActionType[] = ['RunAntiVirusScan', 'StopAndQuarantineFile'];
/** The isolation action that undoes each one. */
const OPPOSITE: Partial<Record<MachineActionType, MachineActionType>> = { Isolate: 'Unisolate', Unisolate: 'Isolate' };

/**
 * The machine-action lifecycle (reference §5.5, §9.3): Pending → InProgress → Succeeded | Failed on
 * the twin's clock, TimeOut for a device that does not report, Cancelled on request. Status is
 * brought up to date lazily (`settle`) from the clock, so tests move time instead of sleeping.
 * Isolation state is deliberately not stored anywhere else: it lives only in this history (§8).
 */
export class MachineActionEngine {
  timing: ActionTiming = { ...DEFAULT_ACTION_TIMING };
  duplicatePolicy: DuplicatePolicy = 'reject';
  readonly failures: ActionFailureRule[] = [];
  private lastStamp = { ms: -1, ticks: 0 };
  /** Actions held Pending (id → the opposite type whose later success lets them run). */
  private readonly held = new Map<string, MachineActionType>();
  /** When a held action was let go (epoch ms): its phases run from then instead of its creation. */
  private readonly releasedAt = new Map<string, number>();

  constructor(
    private readonly actions: MachineAction[],
    private readonly machineById: (id: string) => Machine | undefined,
    private readonly clock: TwinClock,
  ) {}

  /**
   * Creates an action; returns `created: false` with the in-flight duplicate when the policy says so.
   * A second investigation package while one is collecting is always refused (§3.2 A6).
   */
  request(machine: Machine, request: ActionRequest): { action: MachineAction; created: boolean } {
    this.settle();
    const inFlight = this.actions.find(
      (action) => action.machineId === machine.id && action.type === request.type && !isFinal(action),
    );
    if (inFlight) {
      const queues = this.duplicatePolicy === 'queue' && OPPOSITE[request.type] !== undefined;
      const returnsExisting = this.duplicatePolicy === 'returnExisting' && request.type !== 'CollectInvestigationPackage';
      if (returnsExisting) return { action: inFlight, created: false };
      if (!queues) {
        throw defenderErrors.activeRequestExists(
          `Action is already in progress: ${inFlight.type} ${inFlight.id} on machine ${machine.id} is ${inFlight.status}.`,
        );
      }
    }
    const waitsFor = this.waitsFor(machine, request.type);
    const stamp = this.nextTimestamp();
    const action: MachineAction = {
      id: crypto.randomUUID(),
      type: request.type,
      title: null,
      scope: request.scope,
      requestor: request.requestor,
      requestorComment: request.comment,
      status: 'Pending',
      machineId: machine.id,
      computerDnsName: machine.computerDnsName,
      creationDateTimeUtc: stamp,
      lastUpdateDateTimeUtc: stamp,
      cancellationRequestor: null,
      cancellationComment: null,
      cancellationDateTimeUtc: null,
      errorHResult: 0,
      externalId: null,
      requestSource: 'PublicApi',
      relatedFileInfo: request.relatedFileInfo ?? null,
      commands: [],
      troubleshootInfo: null,
    };
    this.actions.push(action);
    if (waitsFor) this.held.set(action.id, waitsFor);
    return { action, created: true };
  }

  /**
   * An Isolate on a device that is isolated, or will be once its in-flight isolation ends, is
   * accepted but stays Pending until a later Unisolate succeeds, and then runs: users report a
   * duplicate isolation that completed after a release and isolated the device again
   * (microsoft-365-docs issue #5903; reference §8). Release on a device that is not (and will not
   * be) isolated is given the same shape [I]: issue #5904 reports unisolate duplicates behave like
   * isolate ones, and a stuck release that undoes a later isolation is the worse outcome to test
   * against. Returns the type the new action waits for, or undefined when it runs at once.
   */
  private waitsFor(machine: Machine, type: MachineActionType): MachineActionType | undefined {
    const opposite = OPPOSITE[type];
    if (!opposite) return undefined;
    const newest = this.actions
      .filter((action) => action.machineId === machine.id && OPPOSITE[action.type] !== undefined
        && (action.status === 'Succeeded' || !isFinal(action)))
      .at(-1);
    const stateAfter: MachineActionType = newest?.type ?? 'Unisolate';
    return stateAfter === type ? opposite : undefined;
  }

  /** Cancels an action that is not final yet (§3.2 A10); a final one is refused with 400. */
  cancel(action: MachineAction, requestor: string, comment: string | null): MachineAction {
    this.settle();
    if (isFinal(action)) {
      throw defenderErrors.badRequest(`Action ${action.id} is already in a final state (${action.status}) and cannot be cancelled.`);
    }
    const stamp = this.nextTimestamp();
    Object.assign(action, {
      status: 'Cancelled',
      cancellationRequestor: requestor,
      cancellationComment: comment,
      cancellationDateTimeUtc: stamp,
      lastUpdateDateTimeUtc: stamp,
    } satisfies Partial<MachineAction>);
    return action;
  }

  /**
   * Moves every unfinished action to the phase the clock says it has reached; repeated while held
   * actions wait and a pass changed something, since the action that frees one may come later.
   */
  settle(): void {
    const now = this.clock.now();
    for (let pass = 0; pass <= this.actions.length && this.settlePass(now) && this.held.size > 0; pass++);
  }

  /** One pass over the history; true when it changed anything. */
  private settlePass(now: number): boolean {
    let changed = false;
    for (const action of this.actions) {
      if (isFinal(action)) continue;
      const machine = this.machineById(action.machineId);
      const created = Date.parse(action.creationDateTimeUtc);
      const needsDevice = action.scope !== CONTAIN_SCOPE;
      const timeoutAt = created + this.timing.offlineTimeoutMs;
      const waitingFor = this.held.get(action.id);
      if (waitingFor) {
        const freedAt = this.freedAt(action, waitingFor);
        if (freedAt === undefined || freedAt > now) {
          if (now >= timeoutAt) changed = this.transition(action, 'TimeOut', timeoutAt);
          continue;
        }
        this.held.delete(action.id);
        this.releasedAt.set(action.id, freedAt);
        changed = true;
      }
      if (!machine || (needsDevice && isOffline(machine))) {
        if (now >= timeoutAt) changed = this.transition(action, 'TimeOut', timeoutAt);
        continue;
      }
      const startedAt = (this.releasedAt.get(action.id) ?? created) + this.timing.pendingMs;
      const endsAt = startedAt + this.timing.inProgressMs;
      if (now >= startedAt && action.status === 'Pending') changed = this.transition(action, 'InProgress', startedAt);
      if (now >= endsAt) {
        const fails = this.shouldFail(action, machine);
        changed = this.transition(action, fails ? 'Failed' : 'Succeeded', endsAt);
        if (fails) action.errorHResult = E_FAIL;
      }
    }
    return changed;
  }

  /** When an action of type `waitingFor`, requested after `held`, succeeded; undefined if none has. */
  private freedAt(held: MachineAction, waitingFor: MachineActionType): number | undefined {
    const freeing = this.actions.find((action) => action.machineId === held.machineId && action.type === waitingFor
      && action.status === 'Succeeded' && action.creationDateTimeUtc > held.creationDateTimeUtc);
    return freeing ? Date.parse(freeing.lastUpdateDateTimeUtc) : undefined;
  }

  private shouldFail(action: MachineAction, machine: Machine): boolean {
    if (NEEDS_ANTIVIRUS.includes(action.type) && AV_UNAVAILABLE.includes(machine.defenderAvStatus)) return true;
    return this.failures.some(
      (rule) => (rule.machineId ?? action.machineId) === action.machineId && (rule.type ?? action.type) === action.type,
    );
  }

  private transition(action: MachineAction, status: MachineAction['status'], atMs: number): boolean {
    action.status = status;
    action.lastUpdateDateTimeUtc = toDefenderTimestamp(atMs);
    return true;
  }

  /**
   * Strictly increasing timestamps (sub-millisecond ticks break ties), so that ordering by
   * `creationDateTimeUtc` tells the true order even when the test clock is frozen.
   */
  private nextTimestamp(): string {
    const ms = this.clock.now();
    const { ms: lastMs, ticks: lastTicks } = this.lastStamp;
    if (ms > lastMs) this.lastStamp = { ms, ticks: 0 };
    else this.lastStamp = lastTicks < 9_999 ? { ms: lastMs, ticks: lastTicks + 1 } : { ms: lastMs + 1, ticks: 0 };
    return toDefenderTimestamp(this.lastStamp.ms, this.lastStamp.ticks);
  }
}

export function isFinal(action: MachineAction): boolean {
  return FINAL_ACTION_STATUSES.includes(action.status);
}
