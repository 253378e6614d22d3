/**
 * Replies and notifications share Teams' per-thread budget (7 per 1 s, 8 per 2 s, 60 per 30 s):
 * people who type commands in a channel while the notifier works through a backlog there are
 * answered, and Teams (the twin enforces its documented limits) never throttles the bot: the
 * backlog yields to the replies.
 */
import { SEEDED_USERS } from '../src/twin/directory';
import type { Conversation } from '../src/twin/teams';
import { botMessages, cardText, eventually, installedTeam, sayAndSignIn, startBotWithTwin, type BotWithTwin } from './support/bot-harness';

jest.setTimeout(60_000);

const { alice, bob, carol } = SEEDED_USERS;
const BACKLOG = 30;
let env: BotWithTwin;
let channel: Conversation;

beforeAll(async () => {
  env = await startBotWithTwin();
  [channel] = await installedTeam(env, [alice, bob, carol]);
  await sayAndSignIn(env.twin, alice, channel, 'subscribe informational');
  await env.app.notifier.poller.pollOnce(); // the seeded history sets the watermark
});
afterAll(() => env.close());

it('answers commands typed in a channel during a notification backlog there, and Teams throttles nothing', async () => {
  const machines = env.twin.defender.data.machines.filter((machine) => machine.healthStatus === 'Active' && machine.rbacGroupName);
  for (let index = 0; index < BACKLOG; index += 1) env.twin.defender.addAlert({ machineId: machines[index % machines.length].id, severity: 'High' });
  env.twin.clock.advance(1000);
  await env.app.notifier.poller.pollOnce();
  env.app.notifier.sender.start();
  const notifications = () => botMessages(env.twin, channel).filter((message) => message.cards.length > 0 && !message.threadRootId).length;
  // The backlog has filled Teams' 1 s and 2 s windows for this channel.
  await eventually(() => expect(notifications()).toBeGreaterThanOrEqual(8), 15_000);

  const asked = await Promise.all([
    env.twin.teams.driver.say(alice, channel, 'help'),
    sayAndSignIn(env.twin, bob, channel, 'subscriptions'),
    env.twin.teams.driver.say(carol, channel, 'help'),
    env.twin.teams.driver.say(alice, channel, 'subscriptions'),
  ]);
  await env.twin.teams.driver.settled();
  for (const said of asked) {
    expect(said.status).toBe(200);
    const replies = env.twin.teams.driver.transcript(channel).filter((entry) => entry.from === 'bot' && entry.threadRootId === said.activityId);
    // A first-time user is asked to sign in first; the command's answer comes last.
    const answer = replies.at(-1);
    expect(answer?.cards.length).toBe(1);
    expect(cardText(answer?.cards[0])).toMatch(/Alert notifications|Type a command/);
  }
  const throttled = env.twin.teams.calls.filter((call) => call.status === 429);
  expect(throttled).toEqual([]);
  expect(env.logs.filter((line) => /turn failed|NoActivityId|throttled/i.test(line))).toEqual([]);
});

describe('when Teams throttles a reply anyway (another workload of the app, another replica)', () => {
  beforeAll(async () => {
    await env.app.notifier.stop(); // the rest of the backlog stays in the outbox: only the faults below throttle
    await new Promise((resolve) => setTimeout(resolve, 2_100)); // Teams' 2 s window forgets the backlog
  });
  afterEach(() => env.twin.teams.faults.clear());

  it('retries after Retry-After within the answer window, and the user gets the answer', async () => {
    env.twin.teams.faults.inject('activities.send', { kind: 'throttle', retryAfterSeconds: 1 }, 1);
    const throttledBefore = env.twin.teams.calls.filter((call) => call.status === 429).length;
    const said = await env.twin.teams.driver.say(alice, channel, 'help');
    expect(said.status).toBe(200);
    const replies = env.twin.teams.driver.transcript(channel).filter((entry) => entry.from === 'bot' && entry.threadRootId === said.activityId);
    expect(replies).toHaveLength(1);
    expect(cardText(replies[0].cards[0])).toMatch(/Type a command/);
    expect(env.twin.teams.calls.filter((call) => call.status === 429).length).toBe(throttledBefore + 1);
  });

  it('sends again after a 503, once', async () => {
    env.twin.teams.faults.inject('activities.send', { kind: 'serverError', status: 503 }, 1);
    const said = await env.twin.teams.driver.say(alice, channel, 'help');
    const replies = env.twin.teams.driver.transcript(channel).filter((entry) => entry.from === 'bot' && entry.threadRootId === said.activityId);
    expect(replies).toHaveLength(1);
    expect(env.twin.teams.calls.filter((call) => call.path.includes(said.activityId)).map((call) => call.status)).toEqual([503, 201]);
  });

  it('reports throttling beyond the window as throttling: no apology posted, logged as Teams throttling', async () => {
    env.twin.teams.faults.inject('activities.send', { kind: 'throttle', retryAfterSeconds: 30 });
    const logsBefore = env.logs.length;
    const said = await env.twin.teams.driver.say(alice, channel, 'help');
    expect(said.status).toBe(200);
    const attempts = env.twin.teams.calls.filter((call) => call.status === 429 && call.path.includes(said.activityId));
    expect(attempts).toHaveLength(1); // Retry-After is past the window: no blind retries
    const logged = env.logs.slice(logsBefore);
    expect(logged.filter((line) => line.includes('Teams throttled the reply'))).toHaveLength(1);
    expect(logged.filter((line) => /turn failed|NoActivityId|unexpected error/.test(line))).toEqual([]);
    env.twin.teams.faults.clear();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const replies = env.twin.teams.driver.transcript(channel).filter((entry) => entry.from === 'bot' && entry.threadRootId === said.activityId);
    expect(replies).toEqual([]);
  });
});
