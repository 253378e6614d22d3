/**
 * Release reminders due at once into one channel go through the replica's pacer: Teams allows a
 * bot 7 messages per second and 8 per 2 s in a thread (the twin enforces it), so a batch is spread
 * out and every reminder is posted, none refused with a 429. Time moves with jest's Date (timers
 * stay real), so tokens, the twin and the bot agree.
 */
import { SEEDED_USERS } from '../src/twin/directory';
import type { Conversation } from '../src/twin/teams';
import type { Machine } from '../src/defender/model';
import { askForCard, botMessages, cardText, eventually, socChannel, startBotWithTwin, verbsOf, type BotWithTwin } from './support/bot-harness';

jest.setTimeout(90_000);

const { bob } = SEEDED_USERS;
const HOUR_MS = 60 * 60 * 1000;
const DUE_AT_ONCE = 10;
let env: BotWithTwin;
let channel: Conversation;

beforeAll(async () => {
  // Reminders are looked for only when the test asks (remindOnce), never by the replica's own timer.
  env = await startBotWithTwin({}, { reminderCheckMs: 24 * HOUR_MS });
  channel = await socChannel(env);
});
afterAll(async () => {
  jest.useRealTimers();
  await env.close();
});

/** Bob's Windows workstations with no actions yet that the two-person rule leaves alone (device value not High). */
function ordinaryWorkstations(): Machine[] {
  const { machines, actions } = env.twin.defender.data;
  return machines.filter((m) => m.rbacGroupName === 'Workstations' && m.healthStatus === 'Active' && /^Windows1[01]$/.test(m.osPlatform)
    && m.deviceValue !== 'High' && !actions.some((a) => a.machineId === m.id));
}

const reminders = () => botMessages(env.twin, channel).filter((m) => m.cards.some((card) => /Still isolated: /.test(cardText(card))));

it(`${DUE_AT_ONCE} reminders due at once in one channel are all posted, and Teams throttles none`, async () => {
  expect(ordinaryWorkstations().length).toBeGreaterThanOrEqual(DUE_AT_ONCE);
  const requests: string[] = [];
  for (const machine of ordinaryWorkstations().slice(0, DUE_AT_ONCE)) {
    const { id } = await askForCard(env.twin, bob, channel, `device ${machine.computerDnsName}`);
    await env.twin.teams.driver.click(bob, id, 'isolate.ask');
    await env.twin.teams.driver.click(bob, id, 'isolate.confirm', { comment: `Contain ${machine.computerDnsName}`, isolationType: 'Full', releaseReminder: '4h' });
    requests.push(id);
  }
  env.twin.clock.advance(20_000);
  await eventually(() => {
    for (const id of requests) {
      if (!verbsOf(env.twin.teams.driver.transcript(channel).find((m) => m.id === id)!.cards[0]).includes('release.ask')) throw new Error('not isolated yet');
    }
  });

  jest.useFakeTimers({ advanceTimers: true, doNotFake: ['hrtime', 'nextTick', 'performance', 'queueMicrotask', 'setImmediate', 'clearImmediate', 'setInterval', 'clearInterval', 'setTimeout', 'clearTimeout'] });
  jest.setSystemTime(Date.now() + 4 * HOUR_MS + 60_000);
  const callsBefore = env.twin.teams.calls.length;
  expect(await env.app.reminders.remindOnce()).toBe(DUE_AT_ONCE);
  expect(reminders()).toHaveLength(DUE_AT_ONCE);
  expect(env.twin.teams.calls.slice(callsBefore).filter((call) => call.status === 429)).toEqual([]);
  expect(env.logs.filter((line) => /release reminders|turn failed/.test(line))).toEqual([]);
});

it('a reminder Teams throttles anyway (another replica, another workload) is posted after its Retry-After, once', async () => {
  const [machine] = ordinaryWorkstations();
  const { id } = await askForCard(env.twin, bob, channel, `device ${machine.computerDnsName}`);
  await env.twin.teams.driver.click(bob, id, 'isolate.ask');
  await env.twin.teams.driver.click(bob, id, 'isolate.confirm', { comment: 'Contain it', isolationType: 'Full', releaseReminder: '4h' });
  env.twin.clock.advance(20_000);
  await eventually(() => expect(verbsOf(env.twin.teams.driver.transcript(channel).find((m) => m.id === id)!.cards[0])).toContain('release.ask'));
  jest.setSystemTime(Date.now() + 4 * HOUR_MS + 60_000);

  env.twin.teams.faults.inject('activities.send', { kind: 'throttle', retryAfterSeconds: 1 }, 1);
  const callsBefore = env.twin.teams.calls.length;
  expect(await env.app.reminders.remindOnce()).toBe(1);
  expect(env.twin.teams.calls.slice(callsBefore).map((call) => call.status)).toEqual([429, 201]);
  expect(reminders()).toHaveLength(DUE_AT_ONCE + 1);
  expect(env.logs.filter((line) => /release reminders|turn failed/.test(line))).toEqual([]);
});
