/**
 * A subscription never shows anyone more than its subscriber can see in Defender: the review's
 * reproductions through the real bot and the twin. Bob Responder sees only Workstations; Nina
 * NoGroups has a reading role but no device group; Dave NoRole has no role at all.
 */
import type { Alert } from '../src/defender/model';
import { SEEDED_USERS } from '../src/twin/directory';
import type { Conversation } from '../src/twin/teams';
import { botMessages, cardText, eventually, sayAndSignIn, startBotWithTwin, type BotWithTwin } from './support/bot-harness';

const { alice, bob, carol, dave, nina } = SEEDED_USERS;
let env: BotWithTwin;

beforeAll(async () => {
  env = await startBotWithTwin({ notifier: { pollIntervalMs: 15_000, subscriberRecheckMs: 0 } });
});
afterAll(() => env.close());

async function channelOf(name: string): Promise<Conversation> {
  const team = env.twin.teams.driver.createTeam({ name, members: [alice, bob, carol, dave, nina] });
  await env.twin.teams.driver.install(team);
  return team.channels[0];
}

async function ask(user: string, conversation: Conversation, text: string): Promise<string> {
  const before = botMessages(env.twin, conversation).length;
  // In a channel Teams cannot sign anyone in silently: the user presses the sign-in card's button.
  await sayAndSignIn(env.twin, user, conversation, text);
  return eventually(() => {
    const messages = botMessages(env.twin, conversation);
    if (messages.length <= before) throw new Error('no answer yet');
    const last = messages[messages.length - 1];
    return last.cards.length ? cardText(last.cards[0]) : (last.text ?? '');
  });
}

function machineIn(group: string | null): string {
  const machine = env.twin.defender.data.machines.find((m) => m.rbacGroupName === group && m.healthStatus === 'Active');
  if (!machine) throw new Error(`no active device in group ${group}`);
  return machine.id;
}

/** Raises the alerts, lets the notifier poll and send, and returns the texts of the cards posted in the conversation. */
async function notifiedAfter(conversation: Conversation, raise: () => Alert[]): Promise<string[]> {
  await env.app.notifier.poller.pollOnce(); // the watermark starts now
  const raised = raise();
  env.twin.clock.advance(1000);
  await env.app.notifier.poller.pollOnce();
  await env.app.notifier.sender.drainOnce();
  return botMessages(env.twin, conversation)
    .filter((message) => message.cards.length > 0)
    .map((message) => cardText(message.cards[0]))
    .filter((text) => raised.some((alert) => text.includes(alert.title)));
}

describe('subscriptions are scoped to what the subscriber can see', () => {
  it('Bob (Workstations only) subscribing to all severities covers Workstations only, and the card says so', async () => {
    const channel = await channelOf('Bob all');
    const answer = await ask(bob, channel, 'subscribe informational');
    expect(answer).toMatch(/Subscribed/);
    expect(answer).toContain('"Workstations"');
    expect(answer).not.toMatch(/Servers|Finance/);
    const [subscription] = await env.app.notifier.subscriptions.listSubscriptions(channel.id);
    expect(subscription.scope?.map((group) => group.name)).toEqual(['Workstations']);

    const posted = await notifiedAfter(channel, () => [
      env.twin.defender.addAlert({ machineId: machineIn('Servers'), severity: 'High', title: 'Server alert Bob cannot see' }),
      env.twin.defender.addAlert({ machineId: machineIn('Finance'), severity: 'High', title: 'Finance alert Bob cannot see' }),
      env.twin.defender.addAlert({ machineId: machineIn('Workstations'), severity: 'High', title: 'Workstation alert for Bob' }),
    ]);
    expect(posted).toHaveLength(1);
    expect(posted[0]).toContain('Workstation alert for Bob');
  });

  it('Bob subscribing to `group Servers` is refused with a sentence why, and nothing is stored', async () => {
    const channel = await channelOf('Bob servers');
    const answer = await ask(bob, channel, 'subscribe high group Servers');
    expect(answer).toMatch(/Not allowed to subscribe to "Servers"/);
    expect(answer).toMatch(/not a device group you can see in Defender/);
    expect(answer).toContain('"Workstations"');
    expect(await env.app.notifier.subscriptions.listSubscriptions(channel.id)).toHaveLength(0);
    const posted = await notifiedAfter(channel, () => [
      env.twin.defender.addAlert({ machineId: machineIn('Servers'), severity: 'High', title: 'Servers alert after a refused subscribe' }),
    ]);
    expect(posted).toHaveLength(0);
    const [entry] = await env.store.listAudit({ limit: 1 });
    expect(entry).toMatchObject({ action: 'Subscribe', result: 'refused', upn: 'bob@contoso.onmicrosoft.com' });
  });

  it('a viewer with zero device groups is refused in a personal chat and never gets a Finance alert', async () => {
    const chat = env.twin.teams.driver.personalChat(nina);
    await env.twin.teams.driver.install(chat);
    const answer = await ask(nina, chat, 'subscribe high');
    expect(answer).toMatch(/Nothing to subscribe to/);
    expect(answer).toMatch(/cannot see any device group/);
    expect(await env.app.notifier.subscriptions.listSubscriptions(chat.id)).toHaveLength(0);
    const posted = await notifiedAfter(chat, () => [
      env.twin.defender.addAlert({ machineId: machineIn('Finance'), severity: 'High', title: 'Finance alert for nobody' }),
    ]);
    expect(posted).toHaveLength(0);
  });

  it('alerts of devices in no group are never posted, even to a subscriber who sees every device', async () => {
    const channel = await channelOf('Alice all');
    expect(await ask(alice, channel, 'subscribe informational')).toMatch(/"Workstations", "Servers", "Finance"|"Servers"/);
    const posted = await notifiedAfter(channel, () => [
      env.twin.defender.addAlert({ machineId: machineIn(null), severity: 'High', title: 'Ungrouped device alert' }),
      env.twin.defender.addAlert({ machineId: machineIn('Finance'), severity: 'High', title: 'Finance alert for Alice' }),
    ]);
    expect(posted).toHaveLength(1);
    expect(posted[0]).toContain('Finance alert for Alice');
  });

  it('a notification shows the title, severity and device, not the description, users or evidence details', async () => {
    const channel = await channelOf('Card content');
    await ask(carol, channel, 'subscribe high group Workstations');
    const [text] = await notifiedAfter(channel, () => [env.twin.defender.addAlert({
      machineId: machineIn('Workstations'), severity: 'High', title: 'Vouched title', description: 'Secret description of the attack',
      relatedUser: { userName: 'victim.user', domainName: 'CONTOSO' },
    })]);
    expect(text).toContain('Vouched title');
    expect(text).toContain('High');
    expect(text).not.toContain('Secret description');
    expect(text).not.toContain('victim.user');
  });
});

describe('who may unsubscribe', () => {
  let channel: Conversation;
  beforeAll(async () => {
    channel = await channelOf('Unsubscribe');
    await ask(alice, channel, 'subscribe high');
  });

  it('Dave NoRole gets a polite refusal and the subscription stays (audited)', async () => {
    const answer = await ask(dave, channel, 'unsubscribe');
    expect(answer).toMatch(/Not allowed to unsubscribe/);
    expect(answer).toContain('alice@contoso.onmicrosoft.com');
    expect(await env.app.notifier.subscriptions.listSubscriptions(channel.id)).toHaveLength(1);
    const [entry] = await env.store.listAudit({ limit: 1 });
    expect(entry).toMatchObject({ action: 'Unsubscribe', result: 'refused', upn: 'dave@contoso.onmicrosoft.com', conversationId: channel.id });
  });

  it("Bob, whose groups do not cover Alice's subscription, may not remove it", async () => {
    expect(await ask(bob, channel, 'unsubscribe')).toMatch(/Not allowed to unsubscribe/);
    expect(await env.app.notifier.subscriptions.listSubscriptions(channel.id)).toHaveLength(1);
  });

  it('Carol, an alert reader in every group, may remove it; both actions are in the audit log', async () => {
    expect(await ask(carol, channel, 'unsubscribe')).toMatch(/Unsubscribed/);
    expect(await env.app.notifier.subscriptions.listSubscriptions(channel.id)).toHaveLength(0);
    const entries = (await env.store.listAudit({ limit: 50 })).filter((entry) => entry.conversationId === channel.id);
    expect(entries.map((entry) => `${entry.action} ${entry.result} ${entry.upn.split('@')[0]}`)).toEqual([
      'Unsubscribe unsubscribed carol', 'Unsubscribe refused bob', 'Unsubscribe refused dave', 'Subscribe subscribed alice',
    ]);
  });

  it('a subscriber may always remove their own subscription', async () => {
    await ask(bob, channel, 'subscribe medium');
    expect(await ask(bob, channel, 'unsubscribe')).toMatch(/Unsubscribed/);
  });
});

describe('when rights shrink', () => {
  it('a subscriber who lost every group: the subscription stops at their next command, listed as disabled with the reason', async () => {
    const channel = await channelOf('Shrinking');
    await ask(bob, channel, 'subscribe high');
    env.twin.entra.directory.updateUser(bob, { deviceGroups: [] });
    try {
      await ask(bob, channel, 'alerts');
      await eventually(async () => {
        const [subscription] = await env.app.notifier.subscriptions.listSubscriptions(channel.id);
        if (!subscription.disabled) throw new Error('still enabled');
      });
      const listing = await ask(carol, channel, 'subscriptions');
      expect(listing).toMatch(/DISABLED: Its subscriber can no longer see any of its device groups/);
      const posted = await notifiedAfter(channel, () => [
        env.twin.defender.addAlert({ machineId: machineIn('Workstations'), severity: 'High', title: 'After Bob lost Workstations' }),
      ]);
      expect(posted).toHaveLength(0);
    } finally {
      env.twin.entra.directory.updateUser(bob, { deviceGroups: ['Workstations'] });
    }
  });

  it('a subscriber who lost one of two groups: the subscription narrows to the other, still active', async () => {
    const channel = await channelOf('Narrowing');
    await ask(carol, channel, 'subscribe high');
    let workstationAlert: Alert | undefined;
    expect(await notifiedAfter(channel, () => {
      workstationAlert = env.twin.defender.addAlert({ machineId: machineIn('Workstations'), severity: 'High', title: 'Workstation alert before narrowing' });
      return [workstationAlert];
    })).toHaveLength(1);
    const postedCard = () => botMessages(env.twin, channel).find((m) => m.cards.length && cardText(m.cards[0]).includes('Workstation alert before narrowing'))!;
    const versionBefore = postedCard().version;
    env.twin.entra.directory.updateUser(carol, { deviceGroups: ['Servers'] });
    try {
      await ask(carol, channel, 'alerts');
      await eventually(async () => {
        const [subscription] = await env.app.notifier.subscriptions.listSubscriptions(channel.id);
        if (subscription.scope?.length !== 1) throw new Error('not narrowed yet');
      });
      const [subscription] = await env.app.notifier.subscriptions.listSubscriptions(channel.id);
      expect(subscription).toMatchObject({ disabled: null, scope: [{ name: 'Servers' }] });
      expect(await ask(carol, channel, 'subscriptions')).toMatch(/device groups "Servers" \(by carol@contoso.onmicrosoft.com\): active/);
      // The card already posted for a Workstations alert no longer follows it.
      env.twin.clock.advance(1000);
      env.twin.defender.updateAlert(workstationAlert!.id, { status: 'Resolved' });
      env.twin.clock.advance(1000);
      await env.app.notifier.poller.pollOnce();
      await env.app.notifier.sender.drainOnce();
      expect(postedCard().version).toBe(versionBefore);
    } finally {
      env.twin.entra.directory.updateUser(carol, { deviceGroups: 'all' });
    }
  });

  it('the daily check with the app view drops a device group that no longer exists', async () => {
    const channel = await channelOf('Daily');
    await ask(carol, channel, 'subscribe high group Finance');
    const finance = env.twin.defender.data.machines.filter((m) => m.rbacGroupName === 'Finance');
    const saved = finance.map((m) => ({ machine: m, id: m.rbacGroupId }));
    for (const machine of finance) Object.assign(machine, { rbacGroupId: 0, rbacGroupName: null });
    try {
      expect(await env.app.notifier.scopeRecheck.run()).toBe(true);
      const [subscription] = await env.app.notifier.subscriptions.listSubscriptions(channel.id);
      expect(subscription.disabled?.reason).toMatch(/None of its device groups exists/);
    } finally {
      for (const { machine, id } of saved) Object.assign(machine, { rbacGroupId: id, rbacGroupName: 'Finance' });
    }
  });
});
