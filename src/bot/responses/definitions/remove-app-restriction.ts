import { RESPONSE_ENDPOINTS } from '../../../defender/response-endpoints';
import type { ResponseDefinition } from '../definition';
import { APP_RESTRICTION_TYPES, runsAppRestriction } from './restrict-app-execution';

/**
 * Remove app restriction (https://learn.microsoft.com/defender-endpoint/api/unrestrict-code-execution,
 * Machine.RestrictExecution): offered only while a restriction is in force and nothing is under way.
 */
export const removeAppRestriction: ResponseDefinition = {
  name: 'unrestrict',
  words: ['unrestrict'],
  usage: 'unrestrict <device> [comment…]',
  endpoint: RESPONSE_ENDPOINTS.unrestrictCodeExecution,
  family: APP_RESTRICTION_TYPES,
  supports: runsAppRestriction,
  body: () => ({}),
  blocked(state) {
    if (state.pending) return { reason: 'pending', action: state.pending };
    return state.last?.type === 'RestrictCodeExecution' ? undefined : { reason: 'notRestricted', action: state.last };
  },
  offeredOn: ['device'],
  style: 'positive',
  texts: (strings) => strings.responses.unrestrict,
};
