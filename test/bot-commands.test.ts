/**
 * The bot end to end: Teams twin -> signed activity -> restify + CloudAdapter -> commands run as the
 * sender (SSO + on-behalf-of against the Entra twin) -> Defender twin -> cards back through the
 * connector. Nothing of the bot is mocked.
 */
import { SEEDED_USERS } from '../src/twin/directory';
import { WELL_KNOWN_DEVICES } from '../src/twin/defender/seed';
import type { Conversation } from '../src/twin/teams';
import {
  botMessages, cardText, eventually, isSignInCardFor, lastBotCard, sayAndSignIn, startBotWithTwin, verbsOf, type BotWithTwin,
} from './support/bot-harness';

const { alice, bob, carol, dave, erin } = SEEDED_USERS;
const OAUTH_CARD = 'application/vnd.microsoft.card.oauth';
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

/** Says `text` and waits for the bot's card (sign-in, if needed, completes on the way: in a channel the user presses Sign in). */
async function ask(user: string, conversation: Conversation, text: string): Promise<{ id: string; card: unknown; text: string }> {
  const before = botMessages(env.twin, conversation).length;
  await sayAndSignIn(env.twin, user, conversation, text);
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

describe('sign-in in a channel (no OAuthCard SSO there)', () => {
  let channel: Conversation;
  beforeAll(async () => {
    const team = env.twin.teams.driver.createTeam({ name: 'Night shift', members: [alice, bob, dave] });
    await env.twin.teams.driver.install(team);
    channel = team.channels[0];
  });

  it('a new user gets a card with a Sign in button, never an OAuthCard; pressing it signs in through Action.Execute SSO and the command runs by itself', async () => {
    const { driver } = env.twin.teams;
    expect(driver.personalInstallPrompts.filter((prompt) => prompt.userOid === dave)).toHaveLength(0);
    const oboBefore = env.twin.entra.tokenRequests.filter((r) => r.grantType.includes('jwt-bearer')).length;
    const before = botMessages(env.twin, channel).length;
    const said = await driver.say(dave, channel, 'alerts high');
    await driver.settled();
    const answers = botMessages(env.twin, channel).slice(before);
    expect(answers).toHaveLength(1);
    expect(answers[0].attachments.some((a) => a.contentType === OAUTH_CARD)).toBe(false);
    expect(isSignInCardFor(answers[0], dave)).toBe(true);
    expect(answers[0].threadRootId).toBe(said.activityId);
    expect(driver.ssoExchanges.filter((exchange) => exchange.userOid === dave)).toHaveLength(0);

    const click = await driver.click(dave, answers[0].id, 'signin.run');
    expect(click.invokes).toHaveLength(2);
    expect(click.invokes[1].value).toMatchObject({ authentication: { token: expect.any(String) } });
    // SSO on a card action needs the app in Dave's personal scope: Teams asked him to add it, and he did.
    expect(driver.personalInstallPrompts.filter((prompt) => prompt.userOid === dave)).toMatchObject([{ answer: 'install' }]);
    expect(cardText((click.body as { value: unknown }).value)).toContain('dave@contoso.onmicrosoft.com');
    expect(env.twin.entra.tokenRequests.filter((r) => r.grantType.includes('jwt-bearer')).length).toBe(oboBefore + 1);
    const result = await eventually(() => {
      const last = lastBotCard(env.twin, channel);
      if (last.id === answers[0].id) throw new Error('no result yet');
      return last;
    });
    expect(result.entry.threadRootId).toBe(said.activityId);
    // Dave has no Defender role: Defender itself refuses him, and the card says which role is missing.
    expect(cardText(result.card)).toMatch(/not allowed|role/i);
    expect(env.twin.defender.requests.some((r) => r.upn === 'dave@contoso.onmicrosoft.com')).toBe(true);
  });

  it('someone else pressing that Sign in button is told it is not theirs, and nothing runs as them', async () => {
    const { driver } = env.twin.teams;
    await driver.say(bob, channel, 'signout');
    const before = botMessages(env.twin, channel).length;
    await driver.say(bob, channel, 'alerts low');
    await driver.settled();
    const signIn = botMessages(env.twin, channel).slice(before).find((entry) => isSignInCardFor(entry, bob))!;
    const oboBefore = env.twin.entra.tokenRequests.length;
    const click = await driver.click(alice, signIn.id, 'signin.run');
    expect(click.invokes).toHaveLength(1);
    expect(cardText((click.body as { value: unknown }).value)).toMatch(/someone else/i);
    expect(env.twin.entra.tokenRequests.length).toBe(oboBefore);
    expect(botMessages(env.twin, channel).length).toBe(before + 1);
  });

  it('a user who dismisses Teams\' "add the app for yourself" prompt is not signed in, and nothing runs', async () => {
    const { driver } = env.twin.teams;
    driver.personalInstallAnswer = 'dismiss';
    try {
      const frank = env.twin.directory.addUser({
        oid: 'f4a2c0de-0000-4000-8000-00000000000f', upn: 'frank@contoso.onmicrosoft.com', displayName: 'Frank Weekend',
        tenantId: env.twin.directory.requireUser(alice).tenantId, consented: true, defenderRole: 'viewer', deviceGroups: 'all',
      }).oid;
      const team = driver.createTeam({ name: 'Weekend', members: [frank] });
      await driver.install(team);
      const [general] = team.channels;
      const before = botMessages(env.twin, general).length;
      await driver.say(frank, general, 'alerts');
      await driver.settled();
      const signIn = botMessages(env.twin, general).slice(before).find((entry) => isSignInCardFor(entry, frank))!;
      const click = await driver.click(frank, signIn.id, 'signin.run');
      expect(click.invokes).toHaveLength(1);
      expect(click.body).toMatchObject({ statusCode: 401, type: 'application/vnd.microsoft.activity.loginRequest' });
      expect(driver.personalInstallPrompts.filter((prompt) => prompt.userOid === frank)).toMatchObject([{ answer: 'dismiss' }]);
      expect(env.twin.defender.requests.filter((r) => r.upn === 'frank@contoso.onmicrosoft.com')).toHaveLength(0);
    } finally {
      driver.personalInstallAnswer = 'install';
    }
  });
});

describe('sign-in in a group chat where Teams has no OAuthCard SSO (older clients)', () => {
  it('the exchange fails with resourcematchfailed; the command waits behind a sign-in button, which signs in and runs it', async () => {
    const { driver } = env.twin.teams;
    driver.oauthCardSso.groupChat = 'resourcematchfailed';
    try {
      const chat = driver.groupChat([bob, carol]);
      await driver.install(chat);
      await driver.say(bob, chat, 'signout');
      await driver.say(bob, chat, 'alerts');
      await driver.settled();
      const exchanges = driver.ssoExchanges.filter((exchange) => exchange.conversationId === chat.id);
      expect(exchanges.map((exchange) => exchange.invoke.name)).toEqual(['signin/failure', 'signin/failure']);
      const signInCards = botMessages(env.twin, chat).filter((entry) => isSignInCardFor(entry, bob));
      expect(signInCards).toHaveLength(1); // two clients reported the failure; one card
      const click = await driver.click(bob, signInCards[0].id, 'signin.run');
      expect(click.invokes[1].value).toHaveProperty('authentication.token');
      await eventually(() => expect(verbsOf(lastBotCard(env.twin, chat).card)).toContain('alert.open'));
    } finally {
      driver.oauthCardSso.groupChat = 'exchange';
    }
  });
});
