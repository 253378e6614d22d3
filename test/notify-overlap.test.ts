/**
 * Each poll reads again the alerts changed in the overlap before its watermark (for alerts that
 * reach the API late): a replica does nothing for those it delivered unchanged, works only the
 * ones that changed, and a replica that takes over, knowing none of them, delivers nothing twice.
 */
import { SEEDED_USERS } from '../src/twin/directory';
import type { Conversation } from '../src/twin/teams';
import { eventually, NotifyEnv, type Replica, temporarySqlitePath } from './support/notify-harness';

let env: NotifyEnv;
let channel: Conversation;
const settings = { poller: { pollIntervalMs: 3_600_000, overlapMs: 120_000 } };

beforeAll(async () => {
  env = await NotifyEnv.start({ store: { sqlite: temporarySqlitePath() } });
  ({ channels: [channel] } = await env.teamWithChannels('SOC', [SEEDED_USERS.alice], []));
  await env.subscribe(SEEDED_USERS.alice, channel, 'informational');
});
afterAll(() => env.close());

async function delivered(replica: Replica): Promise<void> {
  await eventually(async () => {
    await replica.sender.drainOnce();
    expect(await env.store.pendingOutbox()).toBe(0);
  });
}

it('works only the re-read alerts that changed or reached the API late; a replica taking over posts nothing twice', async () => {
  const first = await env.replica({ replicaId: 'first', settings, sharedStore: true });
  await first.poller.pollOnce(); // the watermark: alerts from now on
  const raised = env.raiseAlerts(3, [{ group: 'Servers', severity: 'High' }]);
  env.clock.advance(1000);
  const firstPoll = (await first.poller.pollOnce())!;
  expect(firstPoll.enqueued).toBe(3);
  await delivered(first);

  const again = (await first.poller.pollOnce())!;
  expect(again).toMatchObject({ enqueued: 0, unchanged: again.alerts });
  expect(again.alerts).toBeGreaterThanOrEqual(3);

  // One that reaches the API late: changed before the watermark, never read before.
  const [late] = env.raiseAlerts(1, [{ group: 'Servers', severity: 'High' }]);
  env.defender.updateAlert(late.id, { alertCreationTime: raised[0].alertCreationTime, lastUpdateTime: raised[0].lastUpdateTime });
  const withLate = (await first.poller.pollOnce())!;
  expect(withLate).toMatchObject({ enqueued: 1, unchanged: withLate.alerts - 1 });
  expect(withLate.watermark).toBe(again.watermark);
  raised.push(late);

  env.defender.updateAlert(raised[0].id, { status: 'InProgress' });
  env.clock.advance(1000);
  const afterChange = (await first.poller.pollOnce())!;
  expect(afterChange).toMatchObject({ enqueued: 1, unchanged: afterChange.alerts - 1 });
  await delivered(first);
  const card = env.notificationCards(channel).find((posted) => posted.alertId === raised[0].id)!;
  expect(JSON.stringify(card.cards[0])).toContain('In progress');

  await first.stop();
  const second = await env.replica({ replicaId: 'second', settings, sharedStore: true });
  const takeover = (await second.poller.pollOnce())!;
  expect(takeover).toMatchObject({ alerts: afterChange.alerts, unchanged: 0, enqueued: 0 });
  expect(env.notificationCards(channel).map((posted) => posted.alertId).sort()).toEqual(raised.map((alert) => alert.id).sort());
});
