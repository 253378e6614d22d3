/**
 * One page of alerts polled twice side by side (a replica's old process still running under the
 * same id, or the lease passing to another replica in the middle of a slow page): the second poll
 * read the cards before the first one committed and the storm state after it. Routing the page
 * again then would put an alert that already has a card of its own into a digest as well; the
 * store refuses the second poll's commit instead, and the channel sees each alert once.
 */
import { CARD_STATES } from '../src/notify/deliveries';
import type { Store } from '../src/store/store';
import { SEEDED_USERS } from '../src/twin/directory';
import type { Conversation } from '../src/twin/teams';
import { buildNotifier, digestCards, eventually, NotifyEnv, type Replica, temporarySqlitePath } from './support/notify-harness';
import { DIGEST, digestSettings } from './support/storm';

const settings = digestSettings({ ...DIGEST, windowMs: 10 * 60_000 });
let env: NotifyEnv;
let channel: Conversation;

beforeAll(async () => {
  env = await NotifyEnv.start({ store: { sqlite: temporarySqlitePath() } });
  ({ channels: [channel] } = await env.teamWithChannels('SOC', [SEEDED_USERS.alice], []));
  await env.subscribe(SEEDED_USERS.alice, channel, 'informational');
});
afterAll(() => env.close());

/** The store as the late poll sees it: its first read of the cards of one of `alertIds` waits until `release`. */
function pausedAtFirstCardRead(store: Store, alertIds: readonly string[]): { store: Store; reached: Promise<void>; release: () => void } {
  let reach!: () => void;
  let release!: () => void;
  const reached = new Promise<void>((resolve) => { reach = resolve; });
  const released = new Promise<void>((resolve) => { release = resolve; });
  let paused = false;
  const gated = new Proxy(store, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (property !== 'list' || typeof value !== 'function') return typeof value === 'function' ? value.bind(target) : value;
      return async (collection: string, options?: { prefix?: string }) => {
        const listed = await target.list(collection, options);
        if (collection === CARD_STATES && !paused && alertIds.some((id) => options?.prefix === `${id}/`)) {
          paused = true;
          reach();
          await released;
        }
        return listed;
      };
    },
  });
  return { store: gated, reached, release };
}

it('refuses the late poll of the same page: each alert is on one card, none also in a digest', async () => {
  const first: Replica = await env.replica({ replicaId: 'bot-0', settings, sharedStore: true });
  await first.poller.pollOnce(); // the watermark: alerts from now on
  // Exactly as many alerts as make a storm: each gets its own card, the next one would be digested.
  const raised = env.raiseAlerts(DIGEST.afterCards, [{ group: 'Workstations', severity: 'Medium' }]);
  env.clock.advance(1000);
  const late = pausedAtFirstCardRead(env.store, raised.map((alert) => alert.id));
  const old = buildNotifier(env.endpoints, { store: late.store, replicaId: 'bot-0', settings, cardSecret: env.cardSecret, log: (line) => env.logs.push(`[old bot-0] ${line}`) });

  const latePoll = old.poller.pollOnce();
  await late.reached;
  expect(await first.poller.pollOnce()).toMatchObject({ enqueued: raised.length });
  late.release();
  expect(await latePoll).toMatchObject({ enqueued: 0 });
  expect(env.logs).toContain('[old bot-0] notifier: another replica delivered some of these alerts meanwhile; this poll stops');

  await eventually(async () => {
    await first.sender.drainOnce();
    expect(await env.store.pendingOutbox()).toBe(0);
  });
  const own = env.notificationCards(channel).map((card) => card.alertId);
  expect(own.sort()).toEqual(raised.map((alert) => alert.id).sort());
  expect(digestCards(env, channel)).toEqual([]);
});
