/**
 * GCC High end to end on the twin: the Teams channel in the US Government cloud (service URL
 * `.../gcch/`, the connector accepting only tokens for https://api.botframework.us). The bot picks
 * every Bot Framework setting from DEFENDER_REGION; one configured for the public cloud cannot
 * answer there. The DoD cloud, where Teams has no bots, is refused at start-up.
 */
import { BOT_FRAMEWORK_CLOUDS } from '../src/bot/adapter';
import { loadConfig } from '../src/config';
import { SEEDED_USERS } from '../src/twin/directory';
import { botMessages, eventually, lastBotCard, startBotWithTwin, verbsOf, type BotWithTwin } from './support/bot-harness';

const { alice } = SEEDED_USERS;
const REAL = {
  MICROSOFT_APP_ID: '4a9d2c71-6e3b-4f05-b8d2-0c7e15a9f3e6', MICROSOFT_APP_PASSWORD: 'secret-value',
  MICROSOFT_APP_TENANT_ID: '7f3c1a52-9d4e-4b8a-a1c6-2e5f80d4b913', CARD_SIGNING_SECRET: 'x'.repeat(40),
  BOT_PUBLIC_URL: 'https://chatops.contoso.us', TOKEN_CACHE_KEY: Buffer.alloc(32, 3).toString('base64'),
};

describe('configuration', () => {
  it('gcc-high switches the Bot Framework channel to the US Government cloud with the sign-in and Defender hosts', () => {
    const result = loadConfig({ ...REAL, DEFENDER_REGION: 'gcc-high' });
    if (!result.ok) throw new Error(result.problems.join('\n'));
    expect(result.config.botFrameworkCloud).toBe('usGovernment');
    expect(BOT_FRAMEWORK_CLOUDS[result.config.botFrameworkCloud]).toEqual({
      ToBotFromChannelOpenIdMetadataUrl: 'https://login.botframework.azure.us/v1/.well-known/openidconfiguration',
      ToBotFromChannelTokenIssuer: 'https://api.botframework.us',
      ToChannelFromBotOAuthScope: 'https://api.botframework.us',
      loginHost: 'https://login.microsoftonline.us',
    });
    expect(result.config.entra.authorityHost).toBe('https://login.microsoftonline.us');
    for (const region of ['global', 'eu', 'gcc']) {
      const other = loadConfig({ ...REAL, DEFENDER_REGION: region });
      expect(other.ok && other.config.botFrameworkCloud).toBe('public');
    }
  });

  it('refuses dod at start-up with a sentence saying why', () => {
    const result = loadConfig({ ...REAL, DEFENDER_REGION: 'dod' });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.problems).toEqual([expect.stringMatching(/"dod" is not supported: Microsoft Teams offers no bots in the DoD cloud.*gcc-high/)]);
  });
});

describe('the bot on a GCC High Teams channel', () => {
  let env: BotWithTwin;
  beforeAll(async () => {
    env = await startBotWithTwin({}, { teamsCloud: 'usGovernment' });
  });
  afterAll(() => env.close());

  it('signs in, runs a command and answers through the GCC High connector with a token for api.botframework.us', async () => {
    const chat = env.twin.teams.driver.personalChat(alice);
    await env.twin.teams.driver.install(chat);
    await env.twin.teams.driver.say(alice, chat, 'alerts');
    await env.twin.teams.driver.settled();
    await eventually(() => expect(verbsOf(lastBotCard(env.twin, chat).card)).toContain('alert.open'));
    expect(env.twin.teams.serviceUrl).toMatch(/\/gcch\/$/);
    expect(env.twin.teams.calls.length).toBeGreaterThan(0);
    expect(env.twin.teams.calls.every((call) => call.tokenValidated && call.path.startsWith('/gcch/'))).toBe(true);
    const botTokens = env.twin.entra.tokenRequests.filter((r) => r.grantType === 'client_credentials' && r.scope.includes('botframework'));
    expect(botTokens.map((r) => r.scope)).toEqual(botTokens.map(() => 'https://api.botframework.us/.default'));
  });
});

describe('a bot left on the public cloud against a GCC High channel', () => {
  let env: BotWithTwin;
  beforeAll(async () => {
    env = await startBotWithTwin({ botFrameworkCloud: 'public' }, { teamsCloud: 'usGovernment' });
  });
  afterAll(() => env.close());

  it('cannot answer: the connector refuses its token for api.botframework.com', async () => {
    const chat = env.twin.teams.driver.personalChat(alice);
    await env.twin.teams.driver.install(chat);
    await env.twin.teams.driver.say(alice, chat, 'help');
    await eventually(() => expect(env.twin.teams.calls.some((call) => call.status === 401)).toBe(true));
    expect(botMessages(env.twin, chat)).toHaveLength(0);
  });
});
