/**
 * Across replicas and restarts on PostgreSQL: a two-person request made through one replica is
 * approved through another once the first has stopped. Release reminders: an isolation requested through one replica gets its reminder
 * after that replica has stopped (a restart), posted once although two new replicas look for it at
 * the same moment; the card mentions the requester (Teams mention entity), its Release asks for the
 * usual confirmation and releases as the clicker, and Extend moves the reminder. Nothing is released
 * by the bot itself. Time moves with jest's Date (timers stay real), so tokens, the twin and the bot agree.
 */
import { startTwin, type Twin } from '../src/twin';
import { SEEDED, SEEDED_USERS } from '../src/twin/directory';
import { teamsUserId } from '../src/twin/teams/ids';
import type { Conversation } from '../src/twin/teams';
import type { Machine } from '../src/defender/model';
import { PostgresStore } from '../src/store/postgres-store';
import {
  askForCard, botMessages, buttonData, cardText, eventually, freshWorkstation, startReplica, verbsOf, type Replica,
} from './support/bot-harness';
import { dropSchema, POSTGRES_URL, uniqueSchema } from './support/notify-harness';

const { alice, bob, carol } = SEEDED_USERS;
const HOUR_MS = 60 * 60 * 1000;
const schema = uniqueSchema('release_reminders');
// Reminders are looked for only when a test asks (remindOnce), never by the replicas' own timers.
const QUIET = { reminderCheckMs: 24 * HOUR_MS };
const POLICY = { actions: ['isolate'], tags: ['DomainController'], deviceGroups: [], expiryMinutes: 30, breakGlass: false };
let twin: Twin;
let channel: Conversation;
const running: Replica[] = [];

async function replica(): Promise<Replica> {
  const started = await startReplica(twin, await PostgresStore.open(POSTGRES_URL, { schema }), { approval: POLICY }, QUIET);
  twin.teams.setBotEndpoint(started.endpoint);
  running.push(started);
  return started;
}

async function stop(stopped: Replica): Promise<void> {
  await stopped.close();
  await stopped.store.close();
  running.splice(running.indexOf(stopped), 1);
}

beforeAll(async () => {
  twin = await startTwin();
  await replica();
  const team = twin.teams.driver.createTeam({ name: 'SOC', members: [alice, bob, carol] });
  await twin.teams.driver.install(team);
  [channel] = team.channels;
});
afterAll(async () => {
  jest.useRealTimers();
  for (const left of [...running]) await stop(left);
  await twin.close();
  await dropSchema(schema);
});

/** A workstation of Bob's that is not critical: its isolation needs nobody else. */
function ordinaryWorkstation(exclude: string[] = []): Machine {
  const machine = freshWorkstation(twin, exclude);
  machine.deviceValue = 'Normal';
  return machine;
}

/** Bob isolates `machine` through the replica Teams posts to, with a reminder after 4 h, and it succeeds. */
async function isolate(machine: Machine): Promise<void> {
  const { id } = await askForCard(twin, bob, channel, `device ${machine.computerDnsName}`);
  await twin.teams.driver.click(bob, id, 'isolate.ask');
  await twin.teams.driver.click(bob, id, 'isolate.confirm', { comment: `Contain ${machine.computerDnsName}`, isolationType: 'Full', releaseReminder: '4h' });
  twin.clock.advance(20_000);
  await eventually(() => {
    if (!verbsOf(twin.teams.driver.transcript(channel).find((m) => m.id === id)!.cards[0]).includes('release.ask')) throw new Error('not isolated yet');
  });
}

const reminders = () => botMessages(twin, channel).filter((m) => m.cards.some((card) => /Still isolated: /.test(cardText(card))));

it('a request held for a second person on one replica is approved on another after a restart, as the approver, once', async () => {
  const domainController = ordinaryWorkstation();
  domainController.machineTags = ['DomainController'];
  const { id } = await askForCard(twin, bob, channel, `device ${domainController.computerDnsName}`);
  await twin.teams.driver.click(bob, id, 'isolate.ask');
  await twin.teams.driver.click(bob, id, 'isolate.confirm', { comment: 'DC beaconing', isolationType: 'Full' });
  expect(verbsOf(twin.teams.driver.transcript(channel).find((m) => m.id === id)!.cards[0])).toEqual(['isolate.approve', 'isolate.deny']);
  await stop(running[0]);
  await replica();
  await twin.teams.driver.click(alice, id, 'isolate.approve');
  const isolates = twin.defender.requests.filter((r) => r.endpoint === 'machines.isolate' && r.path.includes(domainController.id));
  expect(isolates).toEqual([expect.objectContaining({ status: 201, upn: 'alice@contoso.onmicrosoft.com' })]);
  expect(twin.defender.data.actions.find((a) => a.machineId === domainController.id)?.requestorComment)
    .toBe('DC beaconing (requested by bob@contoso.onmicrosoft.com, approved by alice@contoso.onmicrosoft.com in Microsoft Teams)');
});

it('fires once after a restart, across two replicas at once; it mentions the requester; Release and Extend act as the clicker', async () => {
  const released = ordinaryWorkstation();
  const extended = ordinaryWorkstation([released.id]);
  await isolate(released);
  await isolate(extended);

  // A restart: the replica that took the requests stops; two new ones share the store.
  await stop(running[0]);
  const b = await replica();
  const c = await replica();
  twin.teams.setBotEndpoint(b.endpoint);
  expect(await Promise.all([b.app.reminders.remindOnce(), c.app.reminders.remindOnce()])).toEqual([0, 0]);

  jest.useFakeTimers({ advanceTimers: true, doNotFake: ['hrtime', 'nextTick', 'performance', 'queueMicrotask', 'setImmediate', 'clearImmediate', 'setInterval', 'clearInterval', 'setTimeout', 'clearTimeout'] });
  jest.setSystemTime(Date.now() + 4 * HOUR_MS + 60_000);
  const posted = await Promise.all([b.app.reminders.remindOnce(), c.app.reminders.remindOnce(), b.app.reminders.remindOnce()]);
  expect(posted.reduce((sum, count) => sum + count, 0)).toBe(2);
  expect(await Promise.all([b.app.reminders.remindOnce(), c.app.reminders.remindOnce()])).toEqual([0, 0]);
  expect(reminders()).toHaveLength(2);

  const reminder = reminders().find((m) => cardText(m.cards[0]).includes(released.computerDnsName))!;
  const card = reminder.cards[0] as { msteams?: { entities?: { type: string; text: string; mentioned: { id: string; name: string } }[] } };
  expect(card.msteams?.entities).toEqual([{ type: 'mention', text: '<at>Bob Responder</at>', mentioned: { id: teamsUserId(SEEDED.botAppId, bob), name: 'Bob Responder' } }]);
  expect(cardText(card)).toContain('<at>Bob Responder</at>, you asked to isolate');
  expect(verbsOf(card)).toEqual(['release.ask', 'isolation.extend', 'isolation.extend']);
  // Still isolated: the bot released nothing by itself.
  expect(twin.defender.requests.filter((r) => r.endpoint === 'machines.unisolate')).toHaveLength(0);

  const confirmation = (await twin.teams.driver.click(alice, reminder.id, 'release.ask')).body as { value: unknown };
  expect(verbsOf(confirmation.value)).toContain('release.confirm');
  await twin.teams.driver.click(alice, reminder.id, 'release.confirm', { comment: 'Reminder: clean, releasing' });
  expect(twin.defender.requests.filter((r) => r.endpoint === 'machines.unisolate' && r.path.includes(released.id)))
    .toEqual([expect.objectContaining({ status: 201, upn: 'alice@contoso.onmicrosoft.com' })]);

  const other = reminders().find((m) => cardText(m.cards[0]).includes(extended.computerDnsName))!;
  expect(buttonData(other.cards[0], 'isolation.extend')).toBeDefined();
  await twin.teams.driver.click(carol, other.id, 'isolation.extend');
  const moved = twin.teams.driver.transcript(channel).find((m) => m.id === other.id)!.cards[0];
  expect(cardText(moved)).toMatch(/carol@contoso\.onmicrosoft\.com moved the release reminder/);
  expect(verbsOf(moved)).toEqual([]);
  expect((await askForCard(twin, alice, channel, 'isolated')).text).toMatch(new RegExp(`${extended.computerDnsName}\\n[^\\n]*\\nthrough this bot · release reminder .*\\(in (4 hr|240 min)`));
  expect((await b.store.listAudit({ machineId: extended.id, limit: 1 }))[0]).toMatchObject({ upn: 'carol@contoso.onmicrosoft.com', action: 'Release reminder', result: 'extended' });
});
