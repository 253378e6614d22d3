/**
 * One budget for a whole card-action turn: whatever Defender and Entra ID do, every invoke is
 * answered before the Teams client gives up (the twin records a late answer as a failure), and the
 * slow work carries on and delivers its card afterwards. The budget and the client's deadline are
 * scaled down here (1 s and 1.5 s for 12 s and 15 s) so that slowness of 2.5 s exceeds both.
 */
import { SEEDED_USERS } from '../src/twin/directory';
import type { Conversation } from '../src/twin/teams';
import { botMessages, verbsOf, cardText, eventually, lastBotCard, startBotWithTwin, type BotWithTwin, freshWorkstation } from './support/bot-harness';

const { bob } = SEEDED_USERS;
const SLOW_MS = 2500;
let env: BotWithTwin;
let chat: Conversation;

beforeAll(async () => {
  env = await startBotWithTwin({}, { turnBudgetMs: 1000 });
  env.twin.teams.driver.invokeDeadlineMs = 1500;
  chat = env.twin.teams.driver.personalChat(bob);
  await env.twin.teams.driver.install(chat);
});
afterEach(() => {
  env.twin.defender.faults.clear();
  env.twin.entra.faults.clear();
});
afterAll(() => env.close());

async function card(text: string): Promise<{ id: string; card: unknown }> {
  const before = botMessages(env.twin, chat).length;
  await env.twin.teams.driver.say(bob, chat, text);
  await env.twin.teams.driver.settled();
  return eventually(() => {
    if (botMessages(env.twin, chat).length <= before) throw new Error('no answer yet');
    return lastBotCard(env.twin, chat);
  });
}


function stillWorking(body: unknown): void {
  expect(body).toMatchObject({ statusCode: 200, type: 'application/vnd.microsoft.activity.message', value: expect.stringMatching(/answering slowly/) });
}

it('a slow Defender read: the click is answered in time, and the card it opened is posted when Defender answers', async () => {
  const list = await card('alerts 3');
  env.twin.defender.faults.inject('alerts.get', { kind: 'latency', ms: SLOW_MS }, 1);
  const click = await env.twin.teams.driver.click(bob, list.id, 'alert.open');
  expect(click.late).toBeUndefined();
  stillWorking(click.body);
  await eventually(() => {
    if (!/Open in Microsoft Defender/.test(cardText(lastBotCard(env.twin, chat).card))) throw new Error('no alert card yet');
  }, 8000);
});

it('a slow isolate: the confirmation is answered in time, and the card shows the action for everyone once Defender accepts it', async () => {
  const machine = freshWorkstation(env.twin);
  const device = await card(`device ${machine.computerDnsName}`);
  await env.twin.teams.driver.click(bob, device.id, 'isolate.ask');
  env.twin.defender.faults.inject('machines.isolate', { kind: 'latency', ms: SLOW_MS }, 1);
  const click = await env.twin.teams.driver.click(bob, device.id, 'isolate.confirm', { comment: 'Slow Defender', isolationType: 'Full' });
  expect(click.late).toBeUndefined();
  stillWorking(click.body);
  await eventually(() => {
    const entry = env.twin.teams.driver.transcript(chat).find((m) => m.id === device.id)!;
    if (!/Pending|In progress/.test(cardText(entry.cards[0]))) throw new Error('not updated yet');
  }, 8000);
  env.twin.clock.advance(20_000);
  await eventually(() => {
    const entry = env.twin.teams.driver.transcript(chat).find((m) => m.id === device.id)!;
    if (!/Succeeded/.test(cardText(entry.cards[0]))) throw new Error('not final yet');
  }, 8000);
  expect(env.twin.defender.requests.filter((r) => r.endpoint === 'machines.isolate' && r.path.includes(machine.id))).toHaveLength(1);
});

it('a slow Entra ID (on-behalf-of) after sign-out: the re-sent click is answered in time and the card follows', async () => {
  const list = await card('alerts 3');
  await env.twin.teams.driver.say(bob, chat, 'signout');
  env.twin.entra.faults.inject('on_behalf_of', { kind: 'latency', ms: SLOW_MS }, 1);
  const before = botMessages(env.twin, chat).length;
  const click = await env.twin.teams.driver.click(bob, list.id, 'alert.open');
  expect(click.invokes).toHaveLength(2);
  expect(click.late).toBeUndefined();
  stillWorking(click.body);
  await eventually(() => {
    if (botMessages(env.twin, chat).length <= before) throw new Error('nothing posted yet');
  }, 8000);
});

it('a slow Defender read for a typed command: the message is answered in time, and the card is posted when ready', async () => {
  const before = botMessages(env.twin, chat).length;
  env.twin.defender.faults.inject('alerts.list', { kind: 'latency', ms: SLOW_MS }, 1);
  const said = await env.twin.teams.driver.say(bob, chat, 'alerts 2');
  expect(said).toMatchObject({ status: 200 });
  expect(said.late).toBeUndefined();
  await eventually(() => {
    if (botMessages(env.twin, chat).length <= before) throw new Error('no card yet');
  }, 8000);
  expect(verbsOf(lastBotCard(env.twin, chat).card)).toContain('alert.open');
});

it('no invoke or message of this file was answered after Teams had given up', () => {
  const invokes = env.twin.teams.driver.invokeTimings;
  expect(invokes.length).toBeGreaterThan(5);
  expect(invokes.filter((invoke) => invoke.late)).toEqual([]);
});
