import type { DefenderOperation } from './errors';
import type { MachineActionType } from './model';

/**
 * One machine-action endpoint, `POST /api/machines/{id}/<segment>` (respond-machine-alerts.md): the
 * client builds the request from it, a 403 names its access through `operation`. The twin's
 * RESPONSE_ACTIONS holds the same rows (test/response-definitions.test.ts keeps them equal).
 */
export interface ResponseEndpoint {
  operation: DefenderOperation;
  segment: string;
  /** The MachineAction type Defender creates: what the audit line names and the follow-up tracks. */
  actionType: MachineActionType;
}

export const RESPONSE_ENDPOINTS = {
  isolate: { operation: 'isolate', segment: 'isolate', actionType: 'Isolate' },
  unisolate: { operation: 'unisolate', segment: 'unisolate', actionType: 'Unisolate' },
  runAntiVirusScan: { operation: 'runAntiVirusScan', segment: 'runAntiVirusScan', actionType: 'RunAntiVirusScan' },
} as const satisfies Record<string, ResponseEndpoint>;
