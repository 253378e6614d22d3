import type { IsolationState } from '../defender/isolation';
import type { StaleReason } from '../cards/views';
import type { ResponseKind } from './views';

/**
 * Which isolation response a device's state allows, decided in one place for every card, typed
 * command, confirmation and execution: Isolate only when the device is not isolated and nothing is
 * pending, Release only when it is isolated and nothing is pending. A pending action is cancelled,
 * not answered with another: Defender holds a duplicate Pending and runs it after the next opposite
 * action (microsoft-365-docs issue #5903).
 */
export function offeredResponse(state: IsolationState): ResponseKind | undefined {
  if (state.pending) return undefined;
  return state.isolated ? 'release' : 'isolate';
}

/** Why `kind` may not be sent for a device in `state` (undefined: it may). */
export function blockedResponse(kind: ResponseKind, state: IsolationState): { reason: StaleReason; action: IsolationState['pending'] } | undefined {
  if (state.pending) return { reason: 'pending', action: state.pending };
  if (kind === 'isolate' && state.isolated) return { reason: 'isolated', action: state.last };
  if (kind === 'release' && !state.isolated) return { reason: 'notIsolated', action: state.last };
  return undefined;
}
