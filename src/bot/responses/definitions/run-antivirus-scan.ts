import { RESPONSE_ENDPOINTS } from '../../../defender/response-endpoints';
import type { ResponseDefinition } from '../definition';

/**
 * Antivirus scan (`POST /api/machines/{id}/runAntiVirusScan`, Machine.Scan; run-av-scan.md): the
 * device's user keeps working, so it is offered on any device not already being scanned.
 */
export const runAntivirusScan: ResponseDefinition = {
  name: 'scan',
  words: ['scan', 'avscan'],
  usage: 'scan <device> [quick|full] [comment…]',
  endpoint: RESPONSE_ENDPOINTS.runAntiVirusScan,
  family: ['RunAntiVirusScan'],
  choice: { id: 'scanType', values: ['Quick', 'Full'], initial: 'Quick' },
  body: (scanType) => ({ ScanType: scanType ?? 'Quick' }),
  blocked: (state) => (state.pending ? { reason: 'pending', action: state.pending } : undefined),
  style: 'default',
  texts: (strings) => strings.responses.scan,
};
