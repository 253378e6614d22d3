import { FINAL_ACTION_STATUSES, type MachineAction, type MachineActionType } from './model';

/**
 * Whether a device is isolated, read from its action history: the Machine entity has no isolation
 * flag (reference §8), so the newest Succeeded Isolate/Unisolate decides, and a newer action still
 * Pending or InProgress means a transition is under way.
 */
export interface IsolationState {
  isolated: boolean;
  /** The scope of the isolation in force; null when not isolated or when Defender did not report it. */
  scope: 'Full' | 'Selective' | null;
  /** A newer Isolate/Unisolate that has not finished yet (the transition under way). */
  pending: MachineAction | null;
  /** The newest Succeeded Isolate/Unisolate: the one that decides the current state. */
  last: MachineAction | null;
}

const ISOLATION_TYPES: readonly MachineActionType[] = ['Isolate', 'Unisolate'];

/**
 * The one request that gets the history (reference §8):
 * `machineactions?$filter=machineId eq '…' and (type eq 'Isolate' or type eq 'Unisolate')&$orderby=creationDateTimeUtc desc&$top=5`.
 */
export const ISOLATION_HISTORY_QUERY = { types: ISOLATION_TYPES, top: 5 } as const;

export function isolationStateFrom(actions: readonly MachineAction[]): IsolationState {
  const newestFirst = actions
    .filter((action) => ISOLATION_TYPES.includes(action.type))
    .sort((a, b) => compareCreation(b, a));
  const last = newestFirst.find((action) => action.status === 'Succeeded') ?? null;
  const pending =
    newestFirst.find(
      (action) =>
        !FINAL_ACTION_STATUSES.includes(action.status) && (last === null || compareCreation(action, last) > 0),
    ) ?? null;
  const isolated = last?.type === 'Isolate';
  const scope = isolated && (last.scope === 'Full' || last.scope === 'Selective') ? last.scope : null;
  return { isolated, scope, pending, last };
}

/** By creation time; Defender's 7-digit fractions exceed Date's precision, so equal instants fall back to the text. */
function compareCreation(a: MachineAction, b: MachineAction): number {
  const byInstant = Date.parse(a.creationDateTimeUtc) - Date.parse(b.creationDateTimeUtc);
  if (byInstant !== 0 && !Number.isNaN(byInstant)) return byInstant;
  return a.creationDateTimeUtc < b.creationDateTimeUtc ? -1 : a.creationDateTimeUtc > b.creationDateTimeUtc ? 1 : 0;
}
