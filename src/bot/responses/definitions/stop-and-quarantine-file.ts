import type { AlertEvidence } from '../../../defender/model';
import { RESPONSE_ENDPOINTS } from '../../../defender/response-endpoints';
import type { ResponseDefinition } from '../definition';

const SHA1 = /^[0-9a-f]{40}$/i;
/** Buttons an alert card shows at most for its files: the card keeps room for the other responses. */
const MAX_FILES_OFFERED = 2;

/**
 * Stop and quarantine a file (https://learn.microsoft.com/defender-endpoint/api/stop-and-quarantine-file,
 * Machine.StopAndQuarantine; body `Comment` and `Sha1`): typed as `quarantine <sha1> on <device>`,
 * or offered on an alert's card for each file in its evidence that has a SHA-1, on the alert's device.
 */
export const stopAndQuarantineFile: ResponseDefinition = {
  name: 'quarantine',
  words: ['quarantine'],
  usage: 'quarantine <sha1> on <device> [comment…]',
  endpoint: RESPONSE_ENDPOINTS.stopAndQuarantineFile,
  family: ['StopAndQuarantineFile'],
  argument: {
    id: 'sha1',
    pattern: SHA1,
    joiner: 'on',
    fromAlert(alert) {
      const files = new Map<string, string>();
      for (const item of alert.evidence) {
        const sha1 = item.sha1?.toLowerCase();
        if (sha1 && SHA1.test(sha1) && isFile(item) && !files.has(sha1)) files.set(sha1, item.fileName ?? sha1.slice(0, 12));
      }
      return [...files].slice(0, MAX_FILES_OFFERED).map(([value, label]) => ({ value, label }));
    },
  },
  body: (_choice, sha1) => ({ Sha1: sha1 ?? '' }),
  blocked: (state) => (state.pending ? { reason: 'pending', action: state.pending } : undefined),
  style: 'destructive',
  texts: (strings) => strings.responses.quarantine,
};

function isFile(item: AlertEvidence): boolean {
  return item.entityType === 'File' || item.entityType === 'Process';
}
