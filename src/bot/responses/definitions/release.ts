import { ISOLATION_HISTORY_QUERY } from '../../../defender/isolation';
import { RESPONSE_ENDPOINTS } from '../../../defender/response-endpoints';
import type { ResponseDefinition } from '../definition';

/** Release: only when the device is isolated and no isolation action is pending. */
export const release: ResponseDefinition = {
  name: 'release',
  words: ['release', 'unisolate', 'rel'],
  usage: 'release <device> [comment…]',
  endpoint: RESPONSE_ENDPOINTS.unisolate,
  family: ISOLATION_HISTORY_QUERY.types,
  body: () => ({}),
  blocked(state) {
    if (state.pending) return { reason: 'pending', action: state.pending };
    return state.isolated ? undefined : { reason: 'notIsolated', action: state.last };
  },
  style: 'positive',
  texts: (strings) => ({
    button: strings.buttons.release,
    confirm: strings.buttons.confirmRelease,
    title: strings.confirm.releaseTitle,
    text: strings.confirm.releaseText,
  }),
};
