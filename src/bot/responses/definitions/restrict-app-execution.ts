import type { Machine } from '../../../defender/model';
import { RESPONSE_ENDPOINTS } from '../../../defender/response-endpoints';
import type { ResponseDefinition } from '../definition';

/** The family restricting and removing the restriction decide together: the one that succeeded last is in force. */
export const APP_RESTRICTION_TYPES = ['RestrictCodeExecution', 'UnrestrictCodeExecution'] as const;

/** "Windows 10, version 1709 or later, and Windows 11" (restrict-code-execution): never offered elsewhere; servers are left to Defender. */
export function runsAppRestriction(machine: Pick<Machine, 'osPlatform' | 'version'>): boolean {
  if (!machine.osPlatform.startsWith('Windows')) return false;
  return machine.osPlatform !== 'Windows10' || !/^(1[0-6]\d\d|170[0-8])$/.test(machine.version ?? '');
}

/**
 * Restrict app execution (https://learn.microsoft.com/defender-endpoint/api/restrict-code-execution,
 * Machine.RestrictExecution): only Microsoft-signed files run afterwards, so it is offered only while
 * no restriction is in force or under way (read from the device's action history, like isolation).
 */
export const restrictAppExecution: ResponseDefinition = {
  name: 'restrict',
  words: ['restrict'],
  usage: 'restrict <device> [comment…]',
  endpoint: RESPONSE_ENDPOINTS.restrictCodeExecution,
  family: APP_RESTRICTION_TYPES,
  supports: runsAppRestriction,
  body: () => ({}),
  blocked(state) {
    if (state.pending) return { reason: 'pending', action: state.pending };
    return state.last?.type === 'RestrictCodeExecution' ? { reason: 'restricted', action: state.last } : undefined;
  },
  offeredOn: ['device'],
  style: 'destructive',
  texts: (strings) => strings.responses.restrict,
};
