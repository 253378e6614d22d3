/**
 * Alert storms: past N cards in M minutes, a conversation's alerts below the bypass severity go into
 * one digest card, updated in place, until the storm is over; High alerts keep their own cards.
 * Everything is asserted on what the Teams twin shows. Its rate-limit windows (and the notifier's
 * pacing) are scaled down in time by 10x, so 1,000 alerts take seconds.
 */
import type { Alert } from '../src/defender/model';
import type { Conversation } from '../src/twin/teams';
import { cardText } from './support/bot-harness';
import { digestCards, eventually, NotifyEnv, type Replica, temporarySqlitePath } from './support/notify-harness';
import { DIGEST, digestCount, digestSettings, openedAlerts, STORM_SHAPES, stormEnv, throttled } from './support/storm';

jest.setTimeout(120_000);

describe('a storm of 1,000 alerts to subscribed channels (SQLite)', () => {
  let env: NotifyEnv;
  let channels: Conversation[];
  let replica: Replica;
  let raised: Alert[];

  beforeAll(async () => {
    const started = await stormEnv({ sqlite: temporarySqlitePath() });
    env = started.env;
    channels = [started.english, started.swedish];
    replica = await env.replica({ replicaId: 'replica-1', sharedStore: true, settings: digestSettings() });
    replica.sender.start();
    raised = env.raiseAlerts(1_000, STORM_SHAPES);
    await replica.poller.pollOnce();
    await eventually(async () => expect(await env.store.pendingOutbox()).toBe(0), 60_000);
  });
  afterAll(() => env.close());

  it('posts the High alerts and the first ten as cards, everything else in one digest card, with no 429', () => {
    const high = raised.filter((alert) => alert.severity === 'High').map((alert) => alert.id);
    for (const channel of channels) {
      const own = env.notificationCards(channel).map((card) => card.alertId!);
      expect(new Set(own).size).toBe(own.length);
      expect(own).toEqual(expect.arrayContaining(high));
      expect(own.filter((id) => !high.includes(id)).length).toBeLessThanOrEqual(DIGEST.afterCards);
      const digests = digestCards(env, channel);
      expect(digests).toHaveLength(1);
      // Nothing lost: every alert is in its own card or counted in the digest.
      expect(own.length + digestCount(digests[0].cards[0])).toBe(raised.length);
      // The newest digested alerts open from the digest; none of them has a card of its own.
      const opened = openedAlerts(digests[0].cards[0]);
      expect(opened).toHaveLength(5);
      for (const id of opened) expect(own).not.toContain(id);
      expect(JSON.stringify(digests[0].cards[0])).toContain('"verb":"digest.alerts"');
      // Far below Teams' size limit whatever the storm: top rows, the newest five.
      expect(Buffer.byteLength(JSON.stringify(digests[0].attachments))).toBeLessThanOrEqual(28 * 1024);
    }
    expect(throttled(env)).toBe(0);
  });

  it('speaks the language of each channel', () => {
    expect(cardText(digestCards(env, channels[0])[0].cards[0])).toMatch(/^Alert storm: \d+ alerts in this card/);
    expect(cardText(digestCards(env, channels[1])[0].cards[0])).toMatch(/^Larmstorm: \d+ larm i det här kortet/);
    expect(cardText(digestCards(env, channels[1])[0].cards[0])).toContain('Per allvarlighetsgrad');
  });

  it('updates the digest in place when alerts in it change (the newest, or any other)', async () => {
    const [digest] = digestCards(env, channels[0]);
    const [newest] = openedAlerts(digest.cards[0]);
    const own = env.notificationCards(channels[0]).map((card) => card.alertId);
    const older = raised.filter((alert) => !own.includes(alert.id) && alert.id !== newest).slice(0, 2);
    expect(cardText(digest.cards[0])).not.toContain('Resolved');
    const postsBefore = env.teams.calls.filter((call) => call.method === 'POST').length;
    env.defender.updateAlert(newest, { status: 'Resolved' });
    for (const alert of older) env.defender.updateAlert(alert.id, { status: 'InProgress' });
    await replica.poller.pollOnce();
    // The poll reads the changes in pages and the digest is updated after each: wait for the last update.
    await eventually(() => {
      const text = cardText(digestCards(env, channels[0])[0].cards[0]);
      expect(text).toMatch(/In progress\s*2\b/);
      expect(text).toMatch(/Resolved\s*1\b/);
    });
    const after = digestCards(env, channels[0]);
    expect(after).toHaveLength(1);
    expect(after[0].id).toBe(digest.id);
    expect(after[0].version).toBeGreaterThan(digest.version);
    expect(env.teams.calls.filter((call) => call.method === 'POST').length).toBe(postsBefore);
  });

  it('ends the digest once the storm is over; the next alert gets its own card', async () => {
    await new Promise((resolve) => setTimeout(resolve, DIGEST.windowMs + 200));
    await replica.poller.pollOnce();
    await eventually(() => expect(cardText(digestCards(env, channels[0])[0].cards[0])).toMatch(/^Alert storm over: \d+ alerts/));
    const [calm] = env.raiseAlerts(1, [{ group: 'Finance', severity: 'Low' }]);
    await replica.poller.pollOnce();
    await eventually(() => expect(env.notificationCards(channels[0]).map((card) => card.alertId)).toContain(calm.id));
    expect(digestCards(env, channels[0])).toHaveLength(1);
    expect(throttled(env)).toBe(0);
  });
});
