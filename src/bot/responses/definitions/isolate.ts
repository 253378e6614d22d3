import { ISOLATION_HISTORY_QUERY } from '../../../defender/isolation';
import { RESPONSE_ENDPOINTS } from '../../../defender/response-endpoints';
import type { ResponseDefinition } from '../definition';

/** Isolate: only when the device is not isolated and no isolation action is pending (microsoft-365-docs #5903). */
export const isolate: ResponseDefinition = {
  name: 'isolate',
  words: ['isolate', 'iso'],
  usage: 'isolate <device> [selective] [comment…]',
  endpoint: RESPONSE_ENDPOINTS.isolate,
  family: ISOLATION_HISTORY_QUERY.types,
  choice: { id: 'isolationType', values: ['Full', 'Selective'], initial: 'Full' },
  body: (isolationType) => ({ IsolationType: isolationType ?? 'Full' }),
  blocked(state) {
    if (state.pending) return { reason: 'pending', action: state.pending };
    return state.isolated ? { reason: 'isolated', action: state.last } : undefined;
  },
  style: 'destructive',
  texts: (strings) => ({
    button: strings.buttons.isolate,
    confirm: strings.buttons.confirmIsolate,
    title: strings.confirm.isolateTitle,
    text: strings.confirm.isolateText,
    choice: {
      label: strings.confirm.isolationTypeLabel,
      error: strings.confirm.isolationTypeError,
      options: { Full: strings.confirm.full, Selective: strings.confirm.selective },
    },
    invalidChoice: strings.bot.responseInput.isolationType,
  }),
};
