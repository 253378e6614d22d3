/**
 * Routing rules: a subscription filters by severity floor, device group(s), machine tag(s) and
 * detection source(s), a conversation holds several, `subscriptions` lists each with its filter,
 * and the subscriber's own device-group scope still applies. End to end through the real bot and
 * the twin: channel users sign in the Teams way, the notifier posts with the app's token.
 */
import type { Alert, Machine } from '../src/defender/model';
import { SEEDED_USERS } from '../src/twin/directory';
import type { Conversation } from '../src/twin/teams';
import { askBot, botMessages, cardText, startBotWithTwin, type BotWithTwin } from './support/bot-harness';

jest.setTimeout(60_000);

const { alice, bob, carol } = SEEDED_USERS;
let env: BotWithTwin;
let vipWorkstation: Machine;
let plainWorkstation: Machine;
let vipServer: Machine;
let plainServer: Machine;
let finance: Machine;

beforeAll(async () => {
  env = await startBotWithTwin();
  const machines = env.twin.defender.data.machines.filter((machine) => machine.healthStatus === 'Active');
  const inGroup = (group: string) => machines.filter((machine) => machine.rbacGroupName === group);
  [vipWorkstation, plainWorkstation] = inGroup('Workstations');
  [vipServer, plainServer] = inGroup('Servers');
  [finance] = inGroup('Finance');
  // The twin's live tenant: tags as an admin would set them in the portal.
  for (const machine of [vipWorkstation, vipServer]) machine.machineTags = ['VIP', 'Pilot'];
  for (const machine of [plainWorkstation, plainServer, finance]) machine.machineTags = ['Remote'];
});
afterAll(() => env.close());

let teams = 0;
async function newChannel(): Promise<Conversation> {
  teams += 1;
  const team = env.twin.teams.driver.createTeam({ name: `SOC ${teams}`, members: [alice, bob, carol] });
  await env.twin.teams.driver.install(team);
  return team.channels[0];
}

function ask(user: string, channel: Conversation, text: string): Promise<string> {
  return askBot(env.twin, user, channel, text);
}

/** Raises alerts (each title unique), then lets the notifier poll and send. */
async function raiseAndDeliver(alerts: (Partial<Alert> & { machineId: string; title: string })[]): Promise<void> {
  env.twin.clock.advance(1000);
  for (const alert of alerts) env.twin.defender.addAlert(alert);
  env.twin.clock.advance(1000);
  await env.app.notifier.poller.pollOnce();
  await env.app.notifier.sender.drainOnce();
}

function titlesIn(channel: Conversation, titles: readonly string[]): string[] {
  const texts = botMessages(env.twin, channel).map((message) => cardText(message.cards[0]));
  return titles.filter((title) => texts.some((text) => text.includes(title)));
}

describe('routing by each filter', () => {
  it('machine tag: `subscribe low tag VIP` gets alerts on VIP devices only', async () => {
    const channel = await newChannel();
    expect(await ask(carol, channel, 'subscribe low tag VIP')).toMatch(/Subscribed[\s\S]*Only alerts, machine tags "VIP"/);
    await raiseAndDeliver([
      { machineId: vipWorkstation.id, severity: 'Low', title: 'Tag 1: on a VIP workstation' },
      { machineId: vipServer.id, severity: 'High', title: 'Tag 2: on a VIP server' },
      { machineId: plainWorkstation.id, severity: 'High', title: 'Tag 3: on a plain workstation' },
    ]);
    expect(titlesIn(channel, ['Tag 1', 'Tag 2', 'Tag 3'])).toEqual(['Tag 1', 'Tag 2']);
  });

  it('detection source: `subscribe low source EDR` gets WindowsDefenderAtp alerts only; a Defender name works as typed', async () => {
    const channel = await newChannel();
    await ask(carol, channel, 'subscribe low source EDR');
    const other = await newChannel();
    await ask(carol, other, 'subscribe low source windowsdefenderav');
    await raiseAndDeliver([
      { machineId: plainWorkstation.id, severity: 'Medium', detectionSource: 'WindowsDefenderAtp', title: 'Source 1: EDR' },
      { machineId: plainWorkstation.id, severity: 'Medium', detectionSource: 'WindowsDefenderAv', title: 'Source 2: antivirus' },
    ]);
    expect(titlesIn(channel, ['Source 1', 'Source 2'])).toEqual(['Source 1']);
    expect(titlesIn(other, ['Source 1', 'Source 2'])).toEqual(['Source 2']);
  });

  it('device groups: `subscribe low group Servers, Finance` gets both groups and not Workstations', async () => {
    const channel = await newChannel();
    expect(await ask(carol, channel, 'subscribe low group Servers, Finance')).toMatch(/"Servers", "Finance"|"Finance", "Servers"/);
    await raiseAndDeliver([
      { machineId: plainServer.id, severity: 'Low', title: 'Group 1: server' },
      { machineId: finance.id, severity: 'Low', title: 'Group 2: finance' },
      { machineId: plainWorkstation.id, severity: 'High', title: 'Group 3: workstation' },
    ]);
    expect(titlesIn(channel, ['Group 1', 'Group 2', 'Group 3'])).toEqual(['Group 1', 'Group 2']);
  });

  it('a group the subscriber cannot see among those named refuses the subscription', async () => {
    const channel = await newChannel();
    expect(await ask(bob, channel, 'subscribe low group Workstations, Servers')).not.toMatch(/Subscribed/);
    expect(await env.app.notifier.subscriptions.listSubscriptions(channel.id)).toHaveLength(0);
  });

  it('severity floor: `subscribe high tag VIP` leaves out a Medium alert on a VIP device', async () => {
    const channel = await newChannel();
    await ask(carol, channel, 'subscribe high tag VIP');
    await raiseAndDeliver([
      { machineId: vipWorkstation.id, severity: 'Medium', title: 'Floor 1: medium' },
      { machineId: vipWorkstation.id, severity: 'High', title: 'Floor 2: high' },
    ]);
    expect(titlesIn(channel, ['Floor 1', 'Floor 2'])).toEqual(['Floor 2']);
  });
});

describe('filters combined, several per conversation, several conversations', () => {
  it('`subscribe high group Servers tag VIP source EDR` needs every part; the same alert reaches two rooms', async () => {
    const servers = await newChannel();
    const vip = await newChannel();
    await ask(carol, servers, 'subscribe high group Servers tag VIP source EDR');
    await ask(carol, vip, 'subscribe medium tag VIP');
    await raiseAndDeliver([
      { machineId: vipServer.id, severity: 'High', detectionSource: 'WindowsDefenderAtp', title: 'All 1: matches every part' },
      { machineId: vipServer.id, severity: 'High', detectionSource: 'WindowsDefenderAv', title: 'All 2: wrong source' },
      { machineId: plainServer.id, severity: 'High', detectionSource: 'WindowsDefenderAtp', title: 'All 3: no VIP tag' },
      { machineId: vipWorkstation.id, severity: 'High', detectionSource: 'WindowsDefenderAtp', title: 'All 4: not a server' },
      { machineId: vipServer.id, severity: 'Medium', detectionSource: 'WindowsDefenderAtp', title: 'All 5: too low' },
    ]);
    const all = ['All 1', 'All 2', 'All 3', 'All 4', 'All 5'];
    expect(titlesIn(servers, all)).toEqual(['All 1']);
    expect(titlesIn(vip, all)).toEqual(['All 1', 'All 2', 'All 4', 'All 5']);
  });

  it('a conversation with several subscriptions gets one card per alert, and `subscriptions` lists each filter', async () => {
    const channel = await newChannel();
    await ask(carol, channel, 'subscribe high group Servers tag VIP source EDR');
    await ask(carol, channel, 'subscribe low tag VIP');
    await ask(carol, channel, 'subscribe medium');
    expect(await env.app.notifier.subscriptions.listSubscriptions(channel.id)).toHaveLength(3);
    const listing = await ask(carol, channel, 'subscriptions');
    expect(listing).toContain('High and higher, device groups "Servers", machine tags "VIP", detection sources "WindowsDefenderAtp"');
    expect(listing).toMatch(/Low and higher, device groups [^\n]*, machine tags "VIP" \(by carol/);
    expect(listing).toMatch(/Medium and higher, device groups "[^\n]*" \(by carol/);
    await raiseAndDeliver([{ machineId: vipServer.id, severity: 'High', detectionSource: 'WindowsDefenderAtp', title: 'Several 1: matches all three' }]);
    const cards = botMessages(env.twin, channel).filter((message) => cardText(message.cards[0]).includes('Several 1'));
    expect(cards).toHaveLength(1);
  });

  it("the subscriber's device-group scope still applies: Bob's `subscribe low tag VIP` never shows a VIP server", async () => {
    const channel = await newChannel();
    await ask(bob, channel, 'subscribe low tag VIP');
    await raiseAndDeliver([
      { machineId: vipServer.id, severity: 'High', title: 'Scope 1: VIP server Bob cannot see' },
      { machineId: vipWorkstation.id, severity: 'Low', title: 'Scope 2: VIP workstation' },
    ]);
    expect(titlesIn(channel, ['Scope 1', 'Scope 2'])).toEqual(['Scope 2']);
  });
});

describe('in Swedish', () => {
  it('the subscription and its listing name the tags and sources in sv-SE', async () => {
    const channel = await newChannel();
    env.twin.teams.driver.setLocale(carol, 'sv-SE');
    try {
      expect(await ask(carol, channel, 'subscribe high tag VIP source EDR')).toContain('Endast larm, enhetstaggar "VIP", identifieringskällor "WindowsDefenderAtp".');
      expect(await ask(carol, channel, 'subscriptions')).toMatch(/Hög och högre, enhetsgrupper [^\n]*, enhetstaggar "VIP", identifieringskällor "WindowsDefenderAtp" \(av carol/);
    } finally {
      env.twin.teams.driver.setLocale(carol, 'en-US');
    }
  });
});
