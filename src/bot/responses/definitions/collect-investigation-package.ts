import { RESPONSE_ENDPOINTS } from '../../../defender/response-endpoints';
import type { ResponseDefinition } from '../definition';

/**
 * Collect investigation package (https://learn.microsoft.com/defender-endpoint/api/collect-investigation-package,
 * Machine.CollectForensics, role Alerts investigation): Defender refuses a second collection while
 * one runs. Once it succeeded the status card offers Download, whose link
 * (https://learn.microsoft.com/defender-endpoint/api/get-package-sas-uri) is short-lived and is
 * fetched on click as the clicker and shown to the clicker only, never written into the shared card.
 */
export const collectInvestigationPackage: ResponseDefinition = {
  name: 'collect',
  words: ['collect'],
  usage: 'collect <device> [comment…]',
  endpoint: RESPONSE_ENDPOINTS.collectInvestigationPackage,
  family: ['CollectInvestigationPackage'],
  body: () => ({}),
  blocked: (state) => (state.pending ? { reason: 'pending', action: state.pending } : undefined),
  result: {
    link: (defender, token, actionId) => defender.investigationPackageUri(token, actionId),
    texts: (strings) => strings.responses.collect.download,
  },
  offeredOn: ['device'],
  style: 'default',
  texts: (strings) => strings.responses.collect,
};
