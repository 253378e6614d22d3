/**
 * A real botbuilder CloudAdapter on restify (src/server.ts + src/bot/adapter.ts), configured for the
 * Teams twin only through botbuilder's own configuration keys: what it accepts and what it refuses.
 */
import { SEEDED, SEEDED_USERS } from '../src/twin/directory';
import { foreignSigningKeys } from '../src/twin/signing-keys';
import type { Conversation, WireActivity } from '../src/twin/teams';
import { startBotUnderTest, type BotUnderTest } from './support/bot-under-test';

let env: BotUnderTest;
let chat: Conversation;
/** A key the channel publishes, endorsed for another channel only (added before the SDK first reads the keys). */
let webchatOnlyKid: string;
/** Endorsed for msteams among others, as Bot Framework keys are. */
let sharedKid: string;

beforeAll(async () => {
  env = await startBotUnderTest();
  webchatOnlyKid = env.teams.channelAuth.addKey(['webchat']);
  // Added before the SDK first reads the keys: it caches them.
  sharedKid = env.teams.channelAuth.addKey(['webchat', 'msteams']);
  chat = env.teams.driver.personalChat(SEEDED_USERS.alice);
  await env.teams.driver.install(chat);
});

afterAll(() => env.close());

function message(text: string): WireActivity {
  return env.teams.driver.messageActivity(SEEDED_USERS.alice, chat, text);
}

function bearer(token: string): string {
  return `Bearer ${token}`;
}

function handled(activity: WireActivity): boolean {
  return env.bot.turns.some((turn) => turn.id === activity.id);
}

describe('an activity signed by the Teams twin', () => {
  it('is accepted, and the reply reaches the connector with a token the twin validated', async () => {
    const said = await env.teams.driver.say(SEEDED_USERS.alice, chat, 'hello');

    expect(said.status).toBe(200);
    const reply = env.teams.calls.find(
      (call) => call.method === 'POST' && call.path.endsWith(`/activities/${said.activityId}`),
    );
    expect(reply).toMatchObject({ status: 201, tokenValidated: true });
    expect(env.teams.calls.every((call) => call.tokenValidated)).toBe(true);
    expect(env.teams.driver.transcript(chat).map((entry) => [entry.from, entry.text])).toEqual(
      expect.arrayContaining([[SEEDED_USERS.alice, 'hello'], ['bot', 'echo: hello']]),
    );
    // The bot asked the Entra twin for its Bot Framework token with client credentials in its own tenant.
    expect(env.entra.tokenRequests).toContainEqual(expect.objectContaining({
      tenantId: SEEDED.tenantId, grantType: 'client_credentials', clientId: SEEDED.botAppId,
      scope: 'https://api.botframework.com/.default', status: 200,
    }));
  });

  it('signed with an added key endorsed for msteams among others is accepted', async () => {
    // Control for the endorsement test below: the SDK reads and uses keys added to the JWKS.
    // (The bot's server takes only msteams activities, so the control is an msteams one.)
    const activity = { ...message('from an added key'), type: 'event', name: 'probe' };
    const token = env.teams.channelAuth.sign(env.teams.channelAuth.activityClaims(env.teams.serviceUrl), sharedKid);

    const response = await env.teams.driver.post(activity, { authorization: bearer(token) });

    expect(response.status).toBe(200);
    expect(handled(activity)).toBe(true);
  });
});

it('the server answers its health check', async () => {
  const health = await fetch(env.botEndpoint.replace('/api/messages', '/healthz'));
  expect(health.status).toBe(200);
});

describe('the adapter answers 401 and runs no handler', () => {
  const claims = () => env.teams.channelAuth.activityClaims(env.teams.serviceUrl);

  const cases: [string, () => { activity: WireActivity; authorization: string | null }][] = [
    ['without a token', () => ({ activity: message('no token'), authorization: null })],
    ['for a bad signature (a foreign key using the channel key\'s kid)', () => ({
      activity: message('bad signature'),
      authorization: bearer(foreignSigningKeys(env.teams.channelAuth.keys.kid).sign(claims())),
    })],
    ['for a token meant for another bot', () => ({
      activity: message('wrong audience'),
      authorization: bearer(env.teams.channelAuth.sign({ ...claims(), aud: SEEDED.automationAppId })),
    })],
    ['for a token from another issuer', () => ({
      activity: message('wrong issuer'),
      authorization: bearer(env.teams.channelAuth.sign({ ...claims(), iss: 'https://api.botframework.com' })),
    })],
    ['for an expired token', () => {
      const now = env.clock.nowSeconds();
      return {
        activity: message('expired'),
        authorization: bearer(env.teams.channelAuth.sign({ ...claims(), nbf: now - 7200, exp: now - 3600 })),
      };
    }],
    ['for a key not endorsed for msteams', () => ({
      activity: message('not endorsed'),
      authorization: bearer(env.teams.channelAuth.sign(claims(), webchatOnlyKid)),
    })],
    ['when the serviceUrl differs from the token\'s serviceurl claim', () => ({
      activity: { ...message('other service url'), serviceUrl: 'https://smba.trafficmanager.net/teams/' },
      authorization: bearer(env.teams.channelAuth.activityToken(env.teams.serviceUrl)),
    })],
  ];

  it.each(cases)('%s', async (_name, make) => {
    const { activity, authorization } = make();
    const callsBefore = env.teams.calls.length;

    const response = await env.teams.driver.post(activity, { authorization });

    expect(response.status).toBe(401);
    expect(handled(activity)).toBe(false);
    expect(env.teams.calls.length).toBe(callsBefore);
  });

  it('yet a bot that fails while handling an authenticated activity still answers 500', async () => {
    const said = await env.teams.driver.say(SEEDED_USERS.alice, chat, 'fail');

    expect(said.status).toBe(500);
    expect(env.bot.turns.some((turn) => turn.id === said.activityId)).toBe(true);
  });
});
