/**
 * The bot end to end: Teams twin -> signed activity -> restify + CloudAdapter -> commands run as the
 * sender (SSO + on-behalf-of against the Entra twin) -> Defender twin -> cards back through the
 * connector. Nothing of the bot is mocked.
 */
import { SEEDED_USERS } from '../src/twin/directory';
import { WELL_KNOWN_DEVICES } from '../src/twin/defender/seed';
import type { Conversation } from '../src/twin/teams';
import { botMessages, cardText, eventually, lastBotCard, startBotWithTwin, verbsOf, type BotWithTwin } from './support/bot-harness';

const { alice, bob, carol, erin } = SEEDED_USERS;
let env: BotWithTwin;

beforeAll(async () => {
  env = await startBotWithTwin();
});
afterAll(() => env.close());

async function installed(kind: 'channel' | 'group' | 'personal', owner: string = alice): Promise<Conversation> {
  const { driver } = env.twin.teams;
  if (kind === 'channel') {
    const team = driver.createTeam({ name: 'SOC', members: [alice, bob, carol, erin] });
    await driver.install(team);
    return team.channels[0];
  }
  const conversation = kind === 'group' ? driver.groupChat([alice, bob, carol]) : driver.personalChat(owner);
  await driver.install(conversation);
  return conversation;
}

/** Says `text` and waits for the bot's card (sign-in, if needed, completes on the way). */
async function ask(user: string, conversation: Conversation, text: string): Promise<{ id: string; card: unknown; text: string }> {
  const before = botMessages(env.twin, conversation).length;
  await env.twin.teams.driver.say(user, conversation, text);
  await env.twin.teams.driver.settled();
  return eventually(() => {
    const messages = botMessages(env.twin, conversation);
    const last = lastBotCard(env.twin, conversation);
    if (messages.length <= before || messages[messages.length - 1].id !== last.id) throw new Error('no new card yet');
    return { ...last, text: cardText(last.card) };
  });
}

describe.each(['channel', 'group', 'personal'] as const)('commands in a %s conversation', (kind) => {
  let conversation: Conversation;
  beforeAll(async () => {
    conversation = await installed(kind);
  });

  it('help lists the commands', async () => {
    const { text } = await ask(alice, conversation, 'help');
    for (const command of ['alerts', 'alert', 'device', 'isolate', 'release', 'actions']) expect(text).toContain(command);
  });

  it('alerts shows the newest open alerts of the seeded tenant, each with a button to open it', async () => {
    const expected = env.twin.defender.data.alerts
      .filter((alert) => alert.status === 'New' || alert.status === 'InProgress')
      .sort((a, b) => b.alertCreationTime.localeCompare(a.alertCreationTime))
      .slice(0, 10);
    const { card, text } = await ask(alice, conversation, 'alerts');
    for (const alert of expected) expect(text).toContain(alert.title);
    expect(verbsOf(card).filter((verb) => verb === 'alert.open')).toHaveLength(10);
  });

  it('device shows the device, its isolation state from the action history, and a Release button when isolated', async () => {
    const machine = env.twin.defender.data.machines.find((m) => m.computerDnsName === WELL_KNOWN_DEVICES.isolated)!;
    const { card, text } = await ask(alice, conversation, `device ${machine.computerDnsName.split('.')[0]}`);
    expect(text).toContain(machine.computerDnsName);
    expect(text).toContain(machine.osPlatform);
    expect(text).toMatch(/isolated/i);
    expect(verbsOf(card)).toContain('release.ask');
    expect(verbsOf(card)).not.toContain('isolate.ask');
  });
});

describe('reading as the user who asks', () => {
  it('alert <id> shows the alert with its device, MITRE techniques and a portal link', async () => {
    const conversation = await installed('personal', alice);
    const alert = env.twin.defender.data.alerts.find((a) => (a.mitreTechniques ?? []).length > 0 && a.evidence.length > 0)!;
    const { card, text } = await ask(alice, conversation, `alert ${alert.id}`);
    expect(text).toContain(alert.title);
    expect(text).toContain(alert.computerDnsName);
    expect(text).toContain(alert.mitreTechniques[0]);
    expect(JSON.stringify(card)).toContain(`https://security.microsoft.com/alerts/${alert.id}`);
  });

  it('a responder outside a device group gets "no such device" and Defender records no action', async () => {
    const conversation = await installed('personal', bob);
    const { text } = await ask(bob, conversation, `device ${WELL_KNOWN_DEVICES.finance}`);
    expect(text).toMatch(/no device/i);
    expect(text).not.toContain('fin-ws-0007.contoso.local\n');
  });

  it('an unknown device name lists the closest names', async () => {
    const conversation = await installed('personal', alice);
    const { text } = await ask(alice, conversation, 'device srv-sq1-01');
    expect(text).toContain(WELL_KNOWN_DEVICES.server);
  });

  it('an unknown command gets the help card with the closest command', async () => {
    const conversation = await installed('personal', alice);
    const { text } = await ask(alice, conversation, 'devcie ws-0042');
    expect(text).toContain('device');
  });

  it('a name with an apostrophe is escaped in the OData filter and finds exactly that device', async () => {
    const conversation = await installed('personal', alice);
    const { text } = await ask(alice, conversation, `device ${WELL_KNOWN_DEVICES.apostrophe}`);
    expect(text).toContain(WELL_KNOWN_DEVICES.apostrophe);
    const search = env.twin.defender.requests.filter((r) => r.path.includes('startswith')).pop()!;
    expect(decodeURIComponent(search.path)).toContain("'o''brien-laptop.contoso.local'");
    expect(search.status).toBe(200);
  });
});

describe('sign-in', () => {
  it('first use goes through the SSO exchange and OBO, and the command completes; later commands make no token request', async () => {
    const conversation = await installed('personal', carol);
    const tokenRequestsBefore = env.twin.entra.tokenRequests.length;
    const { text } = await ask(carol, conversation, 'alerts high');
    expect(text).toMatch(/high/i);
    const exchanges = env.twin.teams.driver.ssoExchanges.filter((exchange) => exchange.userOid === carol);
    expect(exchanges).toHaveLength(2); // desktop and web clients both sent it
    const obo = env.twin.entra.tokenRequests.slice(tokenRequestsBefore).filter((r) => r.grantType.includes('jwt-bearer'));
    expect(obo).toHaveLength(1); // both clients sent the exchange; one on-behalf-of request served them

    const afterFirst = env.twin.entra.tokenRequests.length;
    await ask(carol, conversation, 'alerts low');
    expect(env.twin.entra.tokenRequests.length).toBe(afterFirst);
    // The command ran once, not once per Teams client.
    expect(botMessages(env.twin, conversation).filter((m) => cardText(m.cards[0]).match(/high/i) && verbsOf(m.cards[0]).includes('alert.open'))).toHaveLength(1);
  });

  it('a user who has not consented gets a sign-in card, and nothing is read from Defender as them', async () => {
    const conversation = await installed('personal', erin);
    await env.twin.teams.driver.say(erin, conversation, 'alerts');
    await env.twin.teams.driver.settled();
    const exchanges = env.twin.teams.driver.ssoExchanges.filter((exchange) => exchange.userOid === erin);
    expect(exchanges.map((exchange) => exchange.response?.status)).toEqual([412, 412]);
    const messages = botMessages(env.twin, conversation);
    expect(messages.some((m) => m.attachments.some((a) => a.contentType === 'application/vnd.microsoft.card.oauth'))).toBe(true);
    expect(env.twin.defender.requests.filter((r) => r.upn === 'erin@contoso.onmicrosoft.com')).toHaveLength(0);
  });
});
