/**
 * Alert storms: past N cards in M minutes, a conversation's alerts below the bypass severity go into
 * one digest card, updated in place, until the storm is over; High alerts keep their own cards.
 * Everything is asserted on what the Teams twin shows. Its rate-limit windows (and the notifier's
 * pacing) are scaled down in time by 10x, so 1,000 alerts take seconds.
 */
import type { Alert } from '../src/defender/model';
import { DEFAULT_SEND_RATE_LIMITS, scaleRateLimits } from '../src/notify/pacer';
import type { NotifierSettings } from '../src/notify/notifier';
import type { DigestSettings } from '../src/notify/storm-digest';
import { SEEDED_USERS } from '../src/twin/directory';
import type { Conversation } from '../src/twin/teams';
import { cardText } from './support/bot-harness';
import {
  digestCards, dropSchema, eventually, NotifyEnv, type Replica, type StoreChoice, temporarySqlitePath, uniqueSchema,
} from './support/notify-harness';

jest.setTimeout(120_000);

const TIME_SCALE = 0.1;
const { alice } = SEEDED_USERS;
const DIGEST: DigestSettings = { afterCards: 10, windowMs: 4_000, bypassSeverity: 'High' };
/** One High alert in ten; the rest below it, on every device group. */
const STORM_SHAPES: { group: string; severity: Alert['severity'] }[] = [
  { group: 'Servers', severity: 'High' }, { group: 'Workstations', severity: 'Medium' }, { group: 'Finance', severity: 'Low' },
  { group: 'Servers', severity: 'Informational' }, { group: 'Workstations', severity: 'Low' }, { group: 'Finance', severity: 'Medium' },
  { group: 'Servers', severity: 'Medium' }, { group: 'Workstations', severity: 'Informational' }, { group: 'Finance', severity: 'Low' },
  { group: 'Workstations', severity: 'Medium' },
];

function settings(): NotifierSettings {
  return {
    poller: { pollIntervalMs: 3_600_000, leaseTtlMs: 1_000, digest: DIGEST },
    sender: { idleMs: 20, leaseTtlMs: 3_000, claimLeaseMs: 5_000, maxWaitMs: 1_000, rateLimits: scaleRateLimits(DEFAULT_SEND_RATE_LIMITS, TIME_SCALE) },
  };
}

/** The number of alerts a digest card says it holds (its heading). */
function digestCount(card: unknown): number {
  const match = /(\d+) (alerts|larm)/.exec(cardText(card));
  if (!match) throw new Error(`no count in the digest card: ${cardText(card)}`);
  return Number(match[1]);
}

/** The alerts a card's Open buttons open. */
function openedAlerts(card: unknown): string[] {
  return [...JSON.stringify(card).matchAll(/"verb":"alert\.open","data":\{"p":\{"alertId":"([^"]+)"/g)].map((match) => match[1]);
}

function throttled(env: NotifyEnv): number {
  return env.teams.calls.filter((call) => call.status === 429).length;
}

async function stormEnv(store: StoreChoice): Promise<{ env: NotifyEnv; english: Conversation; swedish: Conversation }> {
  const env = await NotifyEnv.start({ store, rateLimitTimeScale: TIME_SCALE });
  const { channels: [english] } = await env.teamWithChannels('SOC', [alice], []);
  const { channels: [swedish] } = await env.teamWithChannels('SOC Stockholm', [alice], []);
  await env.subscribe(alice, english, 'informational');
  env.teams.driver.setLocale(alice, 'sv-SE');
  await env.subscribe(alice, swedish, 'informational');
  env.teams.driver.setLocale(alice, 'en-US');
  return { env, english, swedish };
}

describe('a storm of 1,000 alerts to subscribed channels (SQLite)', () => {
  let env: NotifyEnv;
  let channels: Conversation[];
  let replica: Replica;
  let raised: Alert[];

  beforeAll(async () => {
    const started = await stormEnv({ sqlite: temporarySqlitePath() });
    env = started.env;
    channels = [started.english, started.swedish];
    replica = await env.replica({ replicaId: 'replica-1', sharedStore: true, settings: settings() });
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

  it('updates the digest in place when an alert in it changes', async () => {
    const [digest] = digestCards(env, channels[0]);
    const [newest] = openedAlerts(digest.cards[0]);
    expect(cardText(digest.cards[0])).not.toContain('Resolved');
    const postsBefore = env.teams.calls.filter((call) => call.method === 'POST').length;
    env.defender.updateAlert(newest, { status: 'Resolved' });
    await replica.poller.pollOnce();
    await eventually(() => expect(cardText(digestCards(env, channels[0])[0].cards[0])).toContain('Resolved'));
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

describe('a restart mid-storm, two replicas on PostgreSQL', () => {
  const schema = uniqueSchema('notify_digest');
  let env: NotifyEnv;
  let channel: Conversation;

  beforeAll(async () => {
    ({ env, english: channel } = await stormEnv({ postgresSchema: schema }));
  });
  afterAll(async () => {
    await env.close();
    await dropSchema(schema);
  });

  it('keeps one digest across the restart and the takeover, and loses no alert', async () => {
    const first = await env.replica({ replicaId: 'first', settings: settings() });
    const second = await env.replica({ replicaId: 'second', settings: settings() });
    first.start();
    second.start();
    const before = env.raiseAlerts(400, STORM_SHAPES);
    await eventually(() => expect(digestCards(env, channel)).toHaveLength(1), 30_000);
    // Both replicas poll as they please (one holds the lease at a time); then one stops mid-storm.
    await first.poller.pollOnce();
    await second.poller.pollOnce();
    await first.stop();
    const after = env.raiseAlerts(600, STORM_SHAPES);
    const restarted = await env.replica({ replicaId: 'first-again', settings: settings() });
    restarted.start();
    await second.stop();
    const all = [...before, ...after];
    await eventually(async () => {
      await restarted.poller.pollOnce();
      expect(await env.store.pendingOutbox()).toBe(0);
      const own = env.notificationCards(channel).map((card) => card.alertId!);
      const digests = digestCards(env, channel);
      expect(digests).toHaveLength(1);
      expect(new Set(own).size).toBe(own.length);
      expect(own.length + digestCount(digests[0].cards[0])).toBe(all.length);
    }, 60_000);
    const own = env.notificationCards(channel).map((card) => card.alertId!);
    expect(own).toEqual(expect.arrayContaining(all.filter((alert) => alert.severity === 'High').map((alert) => alert.id)));
    expect(throttled(env)).toBe(0);
  });
});
