import { isolationStateFrom } from '../src/defender/isolation';
import type { MachineAction, MachineActionStatus, MachineActionType } from '../src/defender/model';

let sequence = 0;
function action(type: MachineActionType, status: MachineActionStatus, created: string, scope: string | null = null): MachineAction {
  sequence += 1;
  return {
    id: `00000000-0000-0000-0000-${String(sequence).padStart(12, '0')}`,
    type, title: null, scope, requestor: 'alice@contoso.onmicrosoft.com', requestorComment: 'test', status,
    machineId: '1e5bc9d7e413ddd7902c2932e418702b84d0cc07', computerDnsName: 'ws-0001.contoso.local',
    creationDateTimeUtc: created, lastUpdateDateTimeUtc: created,
    cancellationRequestor: null, cancellationComment: null, cancellationDateTimeUtc: null,
    errorHResult: 0, externalId: null, requestSource: 'PublicApi', relatedFileInfo: null, commands: [], troubleshootInfo: null,
  };
}

describe('isolationStateFrom (reference §8)', () => {
  it('is not isolated when there is no history', () => {
    expect(isolationStateFrom([])).toEqual({ isolated: false, scope: null, pending: null, last: null });
  });

  it('lets the newest Succeeded Isolate/Unisolate decide, whatever the order given', () => {
    const isolate = action('Isolate', 'Succeeded', '2024-05-01T10:00:00.0000001Z', 'Selective');
    const release = action('Unisolate', 'Succeeded', '2024-05-01T09:00:00Z');
    expect(isolationStateFrom([release, isolate])).toMatchObject({ isolated: true, scope: 'Selective', last: isolate, pending: null });

    const laterRelease = action('Unisolate', 'Succeeded', '2024-05-02T09:00:00Z');
    expect(isolationStateFrom([isolate, laterRelease])).toMatchObject({ isolated: false, scope: null, last: laterRelease });
  });

  it('ignores failed, timed-out and cancelled actions and other action types', () => {
    const isolate = action('Isolate', 'Succeeded', '2024-05-01T10:00:00Z', 'Full');
    const history = [
      action('Unisolate', 'Failed', '2024-05-01T11:00:00Z'),
      action('Unisolate', 'TimeOut', '2024-05-01T12:00:00Z'),
      action('Unisolate', 'Cancelled', '2024-05-01T13:00:00Z'),
      action('RunAntiVirusScan', 'Succeeded', '2024-05-01T14:00:00Z', 'Quick'),
      isolate,
    ];
    expect(isolationStateFrom(history)).toEqual({ isolated: true, scope: 'Full', pending: null, last: isolate });
  });

  it('reports a newer Pending or InProgress action as the transition under way', () => {
    const isolate = action('Isolate', 'Succeeded', '2024-05-01T10:00:00Z', 'Full');
    const release = action('Unisolate', 'InProgress', '2024-05-01T10:05:00Z');
    expect(isolationStateFrom([isolate, release])).toEqual({ isolated: true, scope: 'Full', pending: release, last: isolate });

    const firstIsolate = action('Isolate', 'Pending', '2024-05-01T10:00:00Z', 'Full');
    expect(isolationStateFrom([firstIsolate])).toEqual({ isolated: false, scope: null, pending: firstIsolate, last: null });
  });

  it('reports a stuck Pending action older than the deciding one: Defender may still run it (issue #5903)', () => {
    const stuck = action('Isolate', 'Pending', '2024-05-01T08:00:00Z', 'Full');
    const release = action('Unisolate', 'Succeeded', '2024-05-01T09:00:00Z');
    expect(isolationStateFrom([stuck, release])).toEqual({ isolated: false, scope: null, pending: stuck, last: release });
  });

  it('lets the action that finished last decide, even when it was requested first', () => {
    const heldIsolate = { ...action('Isolate', 'Succeeded', '2024-05-01T08:00:00Z', 'Full'), lastUpdateDateTimeUtc: '2024-05-01T09:30:00Z' };
    const release = { ...action('Unisolate', 'Succeeded', '2024-05-01T09:00:00Z'), lastUpdateDateTimeUtc: '2024-05-01T09:15:00Z' };
    expect(isolationStateFrom([release, heldIsolate])).toMatchObject({ isolated: true, scope: 'Full', last: heldIsolate });
  });

  it('orders actions within the same millisecond by their 7-digit fractions', () => {
    const isolate = action('Isolate', 'Succeeded', '2024-05-01T10:00:00.0000002Z', 'Full');
    const release = action('Unisolate', 'Succeeded', '2024-05-01T10:00:00.0000001Z');
    expect(isolationStateFrom([release, isolate]).isolated).toBe(true);
  });

  it('leaves the scope unknown when Defender did not report one', () => {
    expect(isolationStateFrom([action('Isolate', 'Succeeded', '2024-05-01T10:00:00Z')])).toMatchObject({ isolated: true, scope: null });
  });
});
