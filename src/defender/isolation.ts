import { FINAL_ACTION_STATUSES, type MachineAction, type MachineActionType } from './model';
import { compareInstants } from './odata';

/**
 * Whether a device is isolated, read from its action history: the Machine entity has no isolation
 * flag (reference §8), so the Succeeded Isolate/Unisolate that finished last decides, and any action
 * still Pending or InProgress is a transition under way. "Finished last", not "requested last": a
 * duplicate isolation can wait Pending and run after a later release (microsoft-365-docs #5903).
 */
export interface IsolationState {
  isolated: boolean;
  /** The scope of the isolation in force; null when not isolated or when Defender did not report it. */
  scope: 'Full' | 'Selective' | null;
  /** The newest Isolate/Unisolate that has not finished yet (the transition under way, or one held back). */
  pending: MachineAction | null;
  /** The Succeeded Isolate/Unisolate that finished last: the one that decides the current state. */
  last: MachineAction | null;
}

const ISOLATION_TYPES: readonly MachineActionType[] = ['Isolate', 'Unisolate'];

/**
 * The one request that gets the history (reference §8):
 * `machineactions?$filter=machineId eq '…' and (type eq 'Isolate' or type eq 'Unisolate')&$orderby=creationDateTimeUtc desc&$top=5`.
 */
export const ISOLATION_HISTORY_QUERY = { types: ISOLATION_TYPES, top: 5 } as const;

export function isolationStateFrom(actions: readonly MachineAction[]): IsolationState {
  return actionStateFrom(actions, ISOLATION_TYPES);
}

/**
 * The same reading for any family of action types (an antivirus scan's: is one under way?); only
 * the isolation family can make `isolated` true.
 */
export function actionStateFrom(actions: readonly MachineAction[], types: readonly MachineActionType[]): IsolationState {
  const newestFirst = actions
    .filter((action) => types.includes(action.type))
    .sort((a, b) => compareCreation(b, a));
  const last = newestFirst
    .filter((action) => action.status === 'Succeeded')
    .reduce<MachineAction | null>((latest, action) => (latest === null || finishedAfter(action, latest) ? action : latest), null);
  const pending = newestFirst.find((action) => !FINAL_ACTION_STATUSES.includes(action.status)) ?? null;
  const isolated = last?.type === 'Isolate';
  const scope = isolated && (last.scope === 'Full' || last.scope === 'Selective') ? last.scope : null;
  return { isolated, scope, pending, last };
}

function finishedAfter(a: MachineAction, b: MachineAction): boolean {
  return compareInstants(a.lastUpdateDateTimeUtc, b.lastUpdateDateTimeUtc) > 0;
}

function compareCreation(a: MachineAction, b: MachineAction): number {
  return compareInstants(a.creationDateTimeUtc, b.creationDateTimeUtc);
}
