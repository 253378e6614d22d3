/**
 * Teams answers 429 for a while: the notifier waits as told (Retry-After), loses nothing, posts
 * nothing twice, and afterwards stays within Teams' limits (the twin enforces them: no more 429).
 * The Teams twin's rate-limit windows are scaled down in time by 10x (rateLimitTimeScale 0.1), and
 * the notifier's pacing windows by the same factor, so the test runs in seconds.
 */
import type { Alert } from '../src/defender/model';
import type { Notifier } from '../src/notify/notifier';
import { DEFAULT_SEND_RATE_LIMITS, scaleRateLimits } from '../src/notify/pacer';
import { SEEDED, SEEDED_USERS } from '../src/twin/directory';
import type { Conversation } from '../src/twin/teams';
import { eventually, NotifyEnv, temporarySqlitePath } from './support/notify-harness';

const TIME_SCALE = 0.1;
const { alice } = SEEDED_USERS;
let env: NotifyEnv;
let notifier: Notifier;
let channels: Conversation[];

beforeAll(async () => {
  env = await NotifyEnv.start({ store: { sqlite: temporarySqlitePath() }, rateLimitTimeScale: TIME_SCALE });
  ({ channels } = await env.teamWithChannels('SOC', [alice], ['Triage']));
  for (const channel of channels) await env.subscribe(alice, channel, 'informational');
  notifier = await env.replica({
    replicaId: 'replica-1', sharedStore: true,
    settings: {
      poller: { pollIntervalMs: 3_600_000 },
      sender: { idleMs: 20, rateLimits: scaleRateLimits(DEFAULT_SEND_RATE_LIMITS, TIME_SCALE), maxWaitMs: 1_000 },
    },
  });
});
afterAll(() => env.close());

/** Another workload of the same app in the tenant uses up the tenant's budget, over and over. */
function startStorm(): () => void {
  const tenant = `${SEEDED.botAppId}|${SEEDED.tenantId}`;
  const timer = setInterval(() => {
    while (env.teams.rateLimits.take('other', { tenant }).allowed) { /* use up the budget */ }
  }, 10);
  return () => clearInterval(timer);
}

it('delivers every card exactly once after the throttling, without bursting past the limits', async () => {
  const raised: Alert[] = env.raiseAlerts(30, [{ group: 'Servers', severity: 'High' }, { group: 'Finance', severity: 'Low' }]);
  const stopStorm = startStorm();
  notifier.sender.start();
  await notifier.poller.pollOnce();
  await eventually(() => expect(env.teams.calls.filter((call) => call.status === 429).length).toBeGreaterThan(0));
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  stopStorm();
  const throttledDuringStorm = env.teams.calls.filter((call) => call.status === 429).length;

  // Once the tenant window (100 ms here) has forgotten the storm, Teams never throttles again.
  await new Promise((resolve) => setTimeout(resolve, 200));
  const afterStorm = env.teams.calls.length;
  await eventually(async () => expect(await env.store.pendingOutbox()).toBe(0), 20_000);

  for (const channel of channels) {
    const posted = env.notificationCards(channel).map((card) => card.alertId).sort();
    expect(posted).toEqual(raised.map((alert) => alert.id).sort());
  }
  expect(env.teams.calls.slice(afterStorm).filter((call) => call.status === 429)).toEqual([]);
  // Each conversation waits out Retry-After (at least 1 s) before trying again: a handful of 429s, not a hammering.
  expect(throttledDuringStorm).toBeLessThanOrEqual(4 * channels.length);
  const waits = env.logs.filter((line) => line.includes('Teams throttled')).map((line) => Number(/retrying after (\d+) ms/.exec(line)?.[1]));
  expect(waits.length).toBeGreaterThan(0);
  expect(Math.min(...waits)).toBeGreaterThanOrEqual(990);
});
