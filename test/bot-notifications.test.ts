/**
 * Subscriptions, notification cards and the audit log, end to end through the real bot: chat
 * commands run as the user (their own token decides who may subscribe), the notifier posts with
 * the app, and a click on a notification card acts as the clicking user, never as the app.
 */
import { SEEDED, SEEDED_USERS } from '../src/twin/directory';
import type { Conversation } from '../src/twin/teams';
import { evidence } from './support/card-samples';
import { askBot, botMessages, cardText, lastBotCard, startBotWithTwin, verbsOf, type BotWithTwin } from './support/bot-harness';

const { alice, bob, carol, dave } = SEEDED_USERS;
let env: BotWithTwin;
let channel: Conversation;
/** The message of the notification card posted for the matching alert. */
let notificationId: string;

beforeAll(async () => {
  env = await startBotWithTwin();
  const team = env.twin.teams.driver.createTeam({ name: 'SOC', members: [alice, bob, carol, dave] });
  await env.twin.teams.driver.install(team);
  channel = team.channels[0];
});
afterAll(() => env.close());

function ask(user: string, text: string): Promise<string> {
  return askBot(env.twin, user, channel, text);
}

async function deliver(): Promise<void> {
  await env.app.notifier.poller.pollOnce();
  await env.app.notifier.sender.drainOnce();
}

describe('subscriptions and notification cards in a channel', () => {
  it('someone without a Defender role cannot subscribe the channel', async () => {
    expect(await ask(dave, 'subscribe high')).toMatch(/Not allowed to subscribe/);
    expect(await env.app.notifier.subscriptions.listSubscriptions(channel.id)).toHaveLength(0);
  });

  it('a viewer subscribes it to High alerts of the Workstations group; `subscriptions` shows the filter', async () => {
    expect(await ask(carol, 'subscribe high group Workstations')).toMatch(/Subscribed/);
    const listing = await ask(carol, 'subscriptions');
    expect(listing).toContain('High and higher');
    expect(listing).toContain('Workstations');
    expect(listing).toContain('carol@contoso.onmicrosoft.com');
  });

  it('a new matching alert is posted once, offering "Isolate or release…" rather than a response that ignores the device state; a non-matching one is not', async () => {
    await deliver(); // the seeded history
    const { machines, actions } = env.twin.defender.data;
    const workstation = machines.find((m) => m.rbacGroupName === 'Workstations' && m.healthStatus === 'Active' && m.osPlatform === 'Windows11'
      && !actions.some((a) => a.machineId === m.id))!;
    const server = env.twin.defender.data.machines.find((m) => m.rbacGroupName === 'Servers')!;
    const matching = env.twin.defender.addAlert({
      machineId: workstation.id, severity: 'High', title: 'Notify me: credential theft',
      evidence: [evidence('File', { fileName: 'mimi.exe', sha1: 'a'.repeat(40), sha256: 'b'.repeat(64) })],
    });
    env.twin.defender.addAlert({ machineId: server.id, severity: 'High', title: 'Not for this channel' });
    env.twin.defender.addAlert({ machineId: workstation.id, severity: 'Low', title: 'Too low for this channel' });
    env.twin.clock.advance(1000);
    await deliver();
    await deliver();
    const cards = botMessages(env.twin, channel).map((m) => cardText(m.cards[0]));
    expect(cards.filter((text) => text.includes(matching.title))).toHaveLength(1);
    expect(cards.some((text) => text.includes('Not for this channel') || text.includes('Too low for this channel'))).toBe(false);
    const posted = lastBotCard(env.twin, channel);
    expect(cardText(posted.card)).toContain(matching.title);
    expect(verbsOf(posted.card)).toEqual(['alert.refresh', 'alert.assign', 'alert.triage']);
    expect(verbsOf(posted.card)).not.toContain('isolate.ask');
    expect(cardText(posted.card)).toContain('Isolate or release…');
    // Nobody's client refreshes the notification card by itself.
    expect((posted.card as { refresh?: { userIds?: string[] } }).refresh?.userIds).toEqual([]);
    notificationId = posted.id;
  });

  it("a click on the notification card runs with the clicking user's token, and the audit log shows it", async () => {
    const respond = await env.twin.teams.driver.click(bob, notificationId, 'alert.refresh');
    const own = (respond.body as { value: unknown }).value;
    expect(verbsOf(own)).toEqual(['isolate.ask', 'scan.ask', 'quarantine.ask', 'alert.assign', 'alert.triage', 'indicator.ask']);
    expect(cardText(own)).toMatch(/Not isolated/);
    await env.twin.teams.driver.click(bob, notificationId, 'isolate.ask');
    await env.twin.teams.driver.click(bob, notificationId, 'isolate.confirm', { comment: 'Credential theft on this workstation', isolationType: 'Full' });
    const isolates = env.twin.defender.requests.filter((r) => r.endpoint === 'machines.isolate');
    expect(isolates).toHaveLength(1);
    expect(isolates[0]).toMatchObject({ status: 201, upn: 'bob@contoso.onmicrosoft.com' });
    expect(isolates[0].appId).toBe(SEEDED.botAppId);
    expect(isolates[0].scopes).toContain('Machine.Isolate');

    const audit = await ask(alice, 'audit');
    expect(audit).toContain('bob@contoso.onmicrosoft.com');
    expect(audit).toContain('Credential theft on this workstation');
  });

  it('an alert resolved in Defender updates the posted card in place; no second card appears', async () => {
    const before = env.twin.teams.driver.transcript(channel).find((m) => m.id === notificationId)!;
    const alert = env.twin.defender.data.alerts.find((a) => a.title === 'Notify me: credential theft')!;
    const cardsBefore = botMessages(env.twin, channel).length;
    env.twin.clock.advance(1000);
    env.twin.defender.updateAlert(alert.id, { status: 'Resolved' });
    env.twin.clock.advance(1000);
    await deliver();
    const updated = env.twin.teams.driver.transcript(channel).find((m) => m.id === notificationId)!;
    expect(updated.version).toBeGreaterThan(before.version);
    expect(cardText(updated.cards[0])).toContain(alert.title);
    expect(cardText(updated.cards[0])).toMatch(/Resolved/);
    expect(botMessages(env.twin, channel).filter((m) => m.cards.length && cardText(m.cards[0]).includes(alert.title))).toHaveLength(1);
    expect(botMessages(env.twin, channel).length).toBe(cardsBefore);
  });

  it('the audit of one device needs a device the user can see', async () => {
    const finance = env.twin.defender.data.machines.find((m) => m.rbacGroupName === 'Finance')!;
    expect(await ask(bob, `audit ${finance.computerDnsName}`)).toMatch(/No device/i);
  });

  it('unsubscribe stops notifications', async () => {
    expect(await ask(carol, 'unsubscribe')).toMatch(/Unsubscribed/);
    const workstation = env.twin.defender.data.machines.find((m) => m.rbacGroupName === 'Workstations')!;
    env.twin.defender.addAlert({ machineId: workstation.id, severity: 'High', title: 'After unsubscribing' });
    env.twin.clock.advance(1000);
    await deliver();
    expect(botMessages(env.twin, channel).some((m) => m.cards.length && cardText(m.cards[0]).includes('After unsubscribing'))).toBe(false);
  });
});
