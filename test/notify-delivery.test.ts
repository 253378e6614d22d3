/**
 * Alert notifications end to end on the embedded store (a real SQLite file): subscriptions taken in
 * Teams, the poller reading Defender with the app's own token, the outbox sender posting through
 * botbuilder into the Teams twin. Filters, exactly-once posts, updates in place, removed conversations.
 */
import type { Alert } from '../src/defender/model';
import type { Notifier } from '../src/notify/notifier';
import { SEEDED, SEEDED_USERS } from '../src/twin/directory';
import type { Conversation } from '../src/twin/teams';
import { cardText } from './support/bot-harness';
import { eventually, NotifyEnv, temporarySqlitePath } from './support/notify-harness';

const { alice, bob } = SEEDED_USERS;
let env: NotifyEnv;
let notifier: Notifier;
let general: Conversation;
let servers: Conversation;
let workstations: Conversation;
let raised: Alert[];

beforeAll(async () => {
  env = await NotifyEnv.start({ store: { sqlite: temporarySqlitePath() } });
  ({ channels: [general, servers, workstations] } = await env.teamWithChannels('SOC', [alice, bob], ['Servers', 'Workstations']));
  expect(await env.subscribe(alice, general, 'high')).toBe('subscribed');
  expect(await env.subscribe(alice, servers, 'informational group servers')).toBe('subscribed');
  expect(await env.subscribe(bob, workstations, 'medium group Workstations')).toBe('subscribed');
  notifier = await env.replica({
    replicaId: 'replica-1', sharedStore: true,
    settings: { poller: { pollIntervalMs: 3_600_000 }, sender: { idleMs: 50 } },
  });
  raised = env.raiseAlerts(13, [
    { group: 'Servers', severity: 'High' }, { group: 'Workstations', severity: 'Medium' }, { group: 'Workstations', severity: 'Low' },
    { group: 'Finance', severity: 'High' }, { group: 'Servers', severity: 'Informational' }, { group: 'Finance', severity: 'Medium' },
    { group: 'Servers', severity: 'UnSpecified' },
  ]);
  notifier.sender.start();
});
afterAll(() => env.close());

const ids = (alerts: Alert[]) => alerts.map((alert) => alert.id).sort();
const postedIds = (conversation: Conversation) => env.notificationCards(conversation).map((card) => card.alertId).sort();

describe('three channels with different filters', () => {
  it('each gets exactly the new alerts that match its filter, once, even when polled again', async () => {
    const first = await notifier.poller.pollOnce();
    expect(first?.alerts).toBeGreaterThanOrEqual(13);
    const again = await notifier.poller.pollOnce();
    expect(again?.enqueued).toBe(0);

    const expected = {
      general: raised.filter((alert) => alert.severity === 'High'),
      servers: raised.filter((alert) => alert.rbacGroupName === 'Servers'),
      workstations: raised.filter((alert) => alert.rbacGroupName === 'Workstations' && ['Medium', 'High'].includes(alert.severity)),
    };
    expect(expected.servers.some((alert) => alert.severity === 'UnSpecified')).toBe(true);
    await eventually(() => expect(postedIds(general)).toHaveLength(expected.general.length));
    await eventually(() => expect(postedIds(servers)).toHaveLength(expected.servers.length));
    await eventually(() => expect(postedIds(workstations)).toHaveLength(expected.workstations.length));
    await eventually(async () => expect(await env.store.pendingOutbox()).toBe(0));
    expect(postedIds(general)).toEqual(ids(expected.general));
    expect(postedIds(servers)).toEqual(ids(expected.servers));
    expect(postedIds(workstations)).toEqual(ids(expected.workstations));
  });

  it('each card is a new post (not a reply in the subscribe thread) with the Isolate and Release buttons', () => {
    const [card] = env.notificationCards(general);
    expect(card.threadRootId).toBeUndefined();
    expect(JSON.stringify(card.cards[0])).toContain('"verb":"alert.refresh"');
    expect(JSON.stringify(card.cards[0])).not.toContain('"verb":"isolate.ask"');
    expect(cardText(card.cards[0])).toContain(raised.find((alert) => alert.id === card.alertId)!.title);
  });

  it('reads Defender with the app\'s own token, changed-since the watermark, with evidence', () => {
    const lists = env.defender.requests.filter((request) => request.endpoint === 'alerts.list');
    expect(lists.length).toBeGreaterThan(0);
    for (const request of lists) {
      expect(request).toMatchObject({ status: 200, appId: SEEDED.botAppId });
      expect(request.upn).toBeUndefined();
      const query = new URL(request.path, 'https://x').searchParams;
      expect(query.get('$filter')).toMatch(/^lastUpdateTime gt \d{4}-/);
      expect(query.get('$expand')).toBe('evidence');
    }
  });
});

describe('an alert that changes in Defender', () => {
  it('updates the card already posted, in every conversation that shows it, without a second card', async () => {
    const alert = raised.find((candidate) => candidate.severity === 'High' && candidate.rbacGroupName === 'Servers')!;
    const before = { general: env.notificationCards(general).length, servers: env.notificationCards(servers).length };
    env.defender.updateAlert(alert.id, { status: 'Resolved', assignedTo: 'alice@contoso.onmicrosoft.com', classification: 'TruePositive' });
    expect((await notifier.poller.pollOnce())?.enqueued).toBe(2);

    for (const conversation of [general, servers]) {
      const card = await eventually(() => {
        const found = env.notificationCards(conversation).find((entry) => entry.alertId === alert.id)!;
        expect(found.version).toBe(2);
        return found;
      });
      expect(cardText(card.cards[0])).toMatch(/Resolved/);
    }
    expect(env.notificationCards(general)).toHaveLength(before.general);
    expect(env.notificationCards(servers)).toHaveLength(before.servers);
    const updates = env.teams.calls.filter((call) => call.method === 'PUT');
    expect(updates).toHaveLength(2);
    expect(updates.every((call) => call.status === 200)).toBe(true);
  });

  it('does not touch the card for a change it does not show (a comment)', async () => {
    const alert = raised.find((candidate) => candidate.severity === 'High' && candidate.rbacGroupName === 'Finance')!;
    env.defender.updateAlert(alert.id, { comments: [{ comment: 'looked at it', createdBy: 'bob@contoso.onmicrosoft.com', createdTime: new Date().toISOString() }] });
    expect((await notifier.poller.pollOnce())?.enqueued).toBe(0);
  });
});

describe('conversations the bot can no longer post to', () => {
  it('removing the app disables the subscriptions of its team, which `subscriptions` then shows', async () => {
    const team = env.teams.driver.createTeam({ name: 'Audit', members: [alice], channels: ['Alerts'] });
    await env.teams.driver.install(team);
    const alerts = team.channels[1];
    await env.subscribe(alice, alerts, 'low');
    await env.teams.driver.uninstall(team);
    const [subscription] = await env.registry.listSubscriptions(alerts.id);
    expect(subscription.disabled?.reason).toMatch(/removed/);
    env.raiseAlerts(1, [{ group: 'Servers', severity: 'High' }]);
    await notifier.poller.pollOnce();
    await eventually(async () => expect(await env.store.pendingOutbox()).toBe(0));
    expect(env.notificationCards(alerts)).toHaveLength(0);
  });

  it('a 403 from Teams (removal missed while the bot was down) disables the chat, says so, and drops its other cards', async () => {
    const chat = env.teams.driver.groupChat([alice, bob], 'Night shift');
    await env.teams.driver.install(chat);
    expect(await env.subscribe(alice, chat, 'low')).toBe('subscribed');
    env.teams.setBotEndpoint('http://127.0.0.1:9/api/messages');
    await expect(env.teams.driver.uninstall(chat)).rejects.toThrow();
    env.teams.setBotEndpoint(env.botEndpoint);

    const callsBefore = env.teams.calls.length;
    env.raiseAlerts(3, [{ group: 'Workstations', severity: 'High' }]);
    await notifier.poller.pollOnce();
    await eventually(async () => expect(await env.store.pendingOutbox()).toBe(0));

    const refused = env.teams.calls.slice(callsBefore).filter((call) => call.status === 403);
    expect(refused).toEqual([expect.objectContaining({ errorCode: 'BotNotInConversationRoster' })]);
    const [subscription] = await env.registry.listSubscriptions(chat.id);
    expect(subscription.disabled?.reason).toMatch(/403 BotNotInConversationRoster/);
    expect(env.logs.some((line) => line.includes(`notifications to ${chat.id} disabled`))).toBe(true);

    await env.teams.driver.install(chat);
    await env.teams.driver.say(alice, chat, 'subscriptions');
    expect(env.lastBotText(chat)).toMatch(/^Low all DISABLED: Teams refused/);
  });
});
