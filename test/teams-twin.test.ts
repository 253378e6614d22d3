/**
 * The Teams channel twin over the wire: its Bot Connector endpoints (called here as the bot would,
 * with a Bot Framework token from the Entra twin), its limits, and its driver playing Teams users
 * against a real CloudAdapter bot.
 */
import jwt from 'jsonwebtoken';
import { DEFENDER_API, SEEDED, SEEDED_USERS } from '../src/twin/directory';
import { foreignSigningKeys } from '../src/twin/signing-keys';
import { teamsUserId, type Conversation, type Team } from '../src/twin/teams';
import { card, SSO_RESOURCE, startBotUnderTest, type BotUnderTest } from './support/bot-under-test';
import { fetchJson, type JsonResponse } from './support/fetch-json';

const BOT_FRAMEWORK = 'https://api.botframework.com';
const { alice, bob, carol } = SEEDED_USERS;

let env: BotUnderTest;
let botToken: string;

beforeAll(async () => {
  env = await startBotUnderTest();
  botToken = env.entra.issueAccessToken({ clientId: SEEDED.botAppId, resource: BOT_FRAMEWORK });
});

afterAll(() => env.close());

afterEach(() => {
  env.clock.unfreeze();
  env.teams.rateLimits.reset();
  env.teams.rateLimits.enabled = true;
  env.teams.messageSizeLimit.enabled = true;
});

/** Calls the connector as the bot does: `{serviceUrl}v3/...` with its bearer token. */
function connector(method: string, path: string, body?: unknown, token: string | null = botToken): Promise<JsonResponse> {
  return fetchJson(`${env.teams.serviceUrl}${path}`, {
    method,
    headers: {
      ...(token === null ? {} : { Authorization: `Bearer ${token}` }),
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

const activitiesOf = (conversationId: string) => `v3/conversations/${encodeURIComponent(conversationId)}/activities`;
const cardMessage = (title: string, verbs: string[] = []) => ({
  type: 'message',
  attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', content: card(title, verbs) }],
});

async function installedTeam(name: string): Promise<Team> {
  const team = env.teams.driver.createTeam({ name, members: [alice, bob, carol], channels: ['Incidents'] });
  await env.teams.driver.install(team);
  return team;
}

async function installedPersonalChat(oid: string): Promise<Conversation> {
  const chat = env.teams.driver.personalChat(oid);
  await env.teams.driver.install(chat);
  return chat;
}

describe('the channel side of authentication', () => {
  it('publishes OpenID metadata whose issuer is the twin and whose keys are endorsed for msteams', async () => {
    const metadata = await fetchJson(env.teams.openIdMetadataUrl);
    expect(metadata.body).toMatchObject({ issuer: env.teams.baseUrl, id_token_signing_alg_values_supported: ['RS256'] });

    const jwks = await fetchJson(metadata.body.jwks_uri);
    expect(jwks.body.keys).toContainEqual(expect.objectContaining({
      kid: env.teams.channelAuth.keys.kid, kty: 'RSA', use: 'sig', endorsements: ['msteams'],
    }));
  });
});

describe('Bot Connector endpoints', () => {
  let team: Team;
  let chat: Conversation;

  beforeAll(async () => {
    team = await installedTeam('SOC');
    chat = await installedPersonalChat(bob);
  });

  it('sends to a conversation and records the call with its validated token', async () => {
    const sent = await connector('POST', activitiesOf(chat.id), { type: 'message', text: 'proactive hello' });

    expect(sent.status).toBe(201);
    expect(env.teams.driver.transcript(chat)).toContainEqual(expect.objectContaining({
      id: sent.body.id, from: 'bot', text: 'proactive hello', version: 1, deleted: false,
    }));
    expect(env.teams.calls.at(-1)).toEqual({
      method: 'POST', path: `/teams/${activitiesOf(chat.id)}`, status: 201, tokenValidated: true,
    });
  });

  it('replies to an activity in a channel within its thread', async () => {
    const general = team.channels[0];
    const root = await connector('POST', activitiesOf(general.id), { type: 'message', text: 'root post' });
    const reply = await connector('POST', `${activitiesOf(general.id)}/${root.body.id}`, { type: 'message', text: 'in thread' });

    expect(reply.status).toBe(201);
    const entry = env.teams.driver.transcript(general).find((message) => message.id === reply.body.id);
    expect(entry).toMatchObject({ text: 'in thread', threadRootId: root.body.id });
  });

  it('updates an activity: the transcript shows the new card in place of the old one', async () => {
    const sent = await connector('POST', activitiesOf(chat.id), cardMessage('Alert 7: new', ['ack']));
    const updated = await connector('PUT', `${activitiesOf(chat.id)}/${sent.body.id}`, cardMessage('Alert 7: resolved'));

    expect(updated).toMatchObject({ status: 200, body: { id: sent.body.id } });
    const entry = env.teams.driver.transcript(chat).find((message) => message.id === sent.body.id);
    expect(entry).toMatchObject({ version: 2, cards: [card('Alert 7: resolved')] });
  });

  it('deletes an activity; updating it afterwards is 404 ActivityNotFoundInConversation', async () => {
    const sent = await connector('POST', activitiesOf(chat.id), { type: 'message', text: 'to be deleted' });
    const deleted = await connector('DELETE', `${activitiesOf(chat.id)}/${sent.body.id}`);
    const updateAfter = await connector('PUT', `${activitiesOf(chat.id)}/${sent.body.id}`, { type: 'message', text: 'x' });

    expect(deleted.status).toBe(200);
    expect(env.teams.driver.transcript(chat).find((message) => message.id === sent.body.id)?.deleted).toBe(true);
    expect(updateAfter).toMatchObject({ status: 404, body: { error: { code: 'ActivityNotFoundInConversation' } } });
  });

  it('answers 404 ConversationNotFound for an unknown conversation', async () => {
    const sent = await connector('POST', activitiesOf('19:unknown@thread.skype'), { type: 'message', text: 'hi' });
    expect(sent).toMatchObject({ status: 404, body: { error: { code: 'ConversationNotFound' } } });
  });

  it('creates a conversation: a new thread in a channel, and a 1:1 chat with a reachable user', async () => {
    const incidents = team.channels[1];
    const thread = await connector('POST', 'v3/conversations', {
      isGroup: true, channelData: { channel: { id: incidents.id } }, activity: { type: 'message', text: 'new incident' },
    });
    expect(thread.status).toBe(201);
    expect(thread.body).toEqual({ id: `${incidents.id};messageid=${thread.body.activityId}`, activityId: expect.any(String) });
    expect(env.teams.driver.transcript(incidents)).toContainEqual(expect.objectContaining({
      id: thread.body.activityId, text: 'new incident', threadRootId: thread.body.activityId,
    }));

    // Carol is in the team the bot is installed in, so the bot may open a 1:1 chat with her.
    const oneOnOne = await connector('POST', 'v3/conversations', {
      isGroup: false, bot: { id: `28:${SEEDED.botAppId}` }, members: [{ id: teamsUserId(SEEDED.botAppId, carol) }],
      tenantId: SEEDED.tenantId,
    });
    expect(oneOnOne).toMatchObject({ status: 201, body: { id: env.teams.driver.personalChat(carol).id } });
    const firstMessage = await connector('POST', activitiesOf(oneOnOne.body.id), { type: 'message', text: 'hi Carol' });
    expect(firstMessage.status).toBe(201);

    // Mallory shares no installed scope with the bot.
    const unreachable = await connector('POST', 'v3/conversations', {
      isGroup: false, members: [{ id: teamsUserId(SEEDED.botAppId, SEEDED_USERS.mallory) }], tenantId: SEEDED.otherTenantId,
    });
    expect(unreachable).toMatchObject({ status: 403, body: { error: { code: 'BotNotInConversationRoster' } } });
  });

  it('lists members, one member (by Teams id or Entra object id) and paged members', async () => {
    const general = encodeURIComponent(team.id);
    const members = await connector('GET', `v3/conversations/${general}/members`);
    expect(members.status).toBe(200);
    expect(members.body).toHaveLength(3);
    expect(members.body[0]).toEqual({
      id: teamsUserId(SEEDED.botAppId, alice), name: 'Alice Admin', aadObjectId: alice,
      userPrincipalName: 'alice@contoso.onmicrosoft.com', email: 'alice@contoso.onmicrosoft.com',
      givenName: 'Alice', surname: 'Admin', tenantId: SEEDED.tenantId, userRole: 'user',
    });

    const byTeamsId = await connector('GET', `v3/conversations/${general}/members/${encodeURIComponent(teamsUserId(SEEDED.botAppId, bob))}`);
    const byObjectId = await connector('GET', `v3/conversations/${general}/members/${bob}`);
    expect(byTeamsId.body).toEqual(byObjectId.body);
    expect(byTeamsId.body).toMatchObject({ aadObjectId: bob, name: 'Bob Responder' });
    const outsider = await connector('GET', `v3/conversations/${general}/members/${SEEDED_USERS.mallory}`);
    expect(outsider).toMatchObject({ status: 404, body: { error: { code: 'MemberNotFoundInConversation' } } });

    const first = await connector('GET', `v3/conversations/${general}/pagedmembers?pageSize=2`);
    const second = await connector(
      'GET', `v3/conversations/${general}/pagedmembers?pageSize=2&continuationToken=${first.body.continuationToken}`,
    );
    expect(first.body.members.map((m: { aadObjectId: string }) => m.aadObjectId)).toEqual([alice, bob]);
    expect(second.body).toEqual({ members: [expect.objectContaining({ aadObjectId: carol })] });
  });

  describe('refuses the call with 401 (recorded as not validated)', () => {
    const cases: [string, () => string | null, string][] = [
      ['without a token', () => null, 'Unauthorized'],
      ['with a badly signed token', () => {
        const claims = jwt.decode(botToken) as Record<string, unknown>;
        return foreignSigningKeys(env.entra.keys.kid).sign(claims);
      }, 'Unauthorized'],
      ['with a token for another API', () =>
        env.entra.issueAccessToken({ clientId: SEEDED.botAppId, resource: DEFENDER_API.identifierUris[0] }), 'Unauthorized'],
      ['with another app\'s Bot Framework token', () =>
        env.entra.issueAccessToken({ clientId: SEEDED.automationAppId, resource: BOT_FRAMEWORK }), 'BotNotRegistered'],
    ];

    it.each(cases)('%s', async (_name, token, code) => {
      const sent = await connector('POST', activitiesOf(chat.id), { type: 'message', text: 'hi' }, token());

      expect(sent).toMatchObject({ status: 401, body: { error: { code } } });
      expect(env.teams.calls.at(-1)).toMatchObject({ status: 401, tokenValidated: false });
    });

    it('with an expired token', async () => {
      // Expired 6 minutes ago: beyond the 5 minutes of clock skew.
      const token = env.entra.issueAccessToken({ clientId: SEEDED.botAppId, resource: BOT_FRAMEWORK, lifetimeSeconds: -360 });

      const sent = await connector('POST', activitiesOf(chat.id), { type: 'message', text: 'hi' }, token);
      expect(sent).toMatchObject({ status: 401, body: { error: { code: 'Unauthorized' } } });
    });
  });

  it('answers 403 BotNotInConversationRoster once the app is uninstalled', async () => {
    const removedFrom = await installedPersonalChat(carol);
    await env.teams.driver.uninstall(removedFrom);

    const sent = await connector('POST', activitiesOf(removedFrom.id), { type: 'message', text: 'still there?' });
    const members = await connector('GET', `v3/conversations/${encodeURIComponent(removedFrom.id)}/members`);

    expect(sent).toMatchObject({ status: 403, body: { error: { code: 'BotNotInConversationRoster' } } });
    expect(members.status).toBe(403);
  });

  it('answers 413 MessageSizeTooBig beyond about 100 KB, unless the limit is off', async () => {
    const big = { type: 'message', text: 'x'.repeat(60 * 1024) }; // 120 KB in UTF-16

    const refused = await connector('POST', activitiesOf(chat.id), big);
    env.teams.messageSizeLimit.enabled = false;
    const accepted = await connector('POST', activitiesOf(chat.id), big);

    expect(refused).toMatchObject({ status: 413, body: { error: { code: 'MessageSizeTooBig' } } });
    expect(accepted.status).toBe(201);
  });

  it('can take a message and lose its answer (emptyBody): the post is there, the bot never learns its id', async () => {
    env.teams.faults.inject('activities.send', { kind: 'emptyBody' }, 1);
    const sent = await fetch(`${env.teams.serviceUrl}${activitiesOf(chat.id)}`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${botToken}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ type: 'message', text: 'taken, answer lost' }),
    });

    expect(sent.status).toBe(201);
    expect(await sent.text()).toBe('');
    expect(env.teams.driver.transcript(chat).filter((entry) => entry.text === 'taken, answer lost')).toHaveLength(1);
  });

  it('throttles sends in one thread at 7 per second with 429 and Retry-After', async () => {
    env.clock.freeze();
    const send = () => connector('POST', activitiesOf(chat.id), { type: 'message', text: 'burst' });
    const statuses: number[] = [];
    for (let i = 0; i < 7; i += 1) statuses.push((await send()).status);
    const throttled = await send();
    env.clock.advance(1000);
    const afterWaiting = await send();

    expect(statuses).toEqual(Array(7).fill(201));
    expect(throttled).toMatchObject({ status: 429, body: { error: { code: 'Throttled' } } });
    expect(throttled.headers.get('retry-after')).toBe('1');
    expect(afterWaiting.status).toBe(201);
  });

  it('throttles all requests of the app in one tenant at 30 per second', async () => {
    env.clock.freeze();
    const threads = [team.channels[0], team.channels[1], chat];
    const statuses: number[] = [];
    for (const thread of threads) {
      for (let i = 0; i < 10; i += 1) {
        statuses.push((await connector('GET', `v3/conversations/${encodeURIComponent(thread.id)}/members`)).status);
      }
    }
    const thirtyFirst = await connector('GET', `v3/conversations/${encodeURIComponent(team.id)}/pagedmembers`);

    expect(statuses).toEqual(Array(30).fill(200));
    expect(thirtyFirst.status).toBe(429);
    expect(Number(thirtyFirst.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  });

  it('does not throttle when rate limits are off', async () => {
    env.clock.freeze();
    env.teams.rateLimits.enabled = false;
    const statuses: number[] = [];
    for (let i = 0; i < 40; i += 1) {
      statuses.push((await connector('POST', activitiesOf(chat.id), { type: 'message', text: 'flood' })).status);
    }
    expect(statuses).toEqual(Array(40).fill(201));
  });
});

describe('the driver playing Teams users against the bot', () => {
  it('install(team) sends installationUpdate and conversationUpdate with the bot added', async () => {
    const team = env.teams.driver.createTeam({ name: 'Blue Team', members: [alice, bob] });
    const responses = await env.teams.driver.install(team, alice);

    expect(responses.map((response) => response.status)).toEqual([200, 200]);
    const [installation, membership] = env.bot.turns.slice(-2);
    const teamData = { id: team.id, name: 'Blue Team', aadGroupId: team.aadGroupId };
    expect(installation).toMatchObject({
      type: 'installationUpdate', action: 'add', channelId: 'msteams', serviceUrl: env.teams.serviceUrl,
      from: { id: teamsUserId(SEEDED.botAppId, alice), aadObjectId: alice },
      conversation: { id: team.id, conversationType: 'channel', tenantId: SEEDED.tenantId, isGroup: true },
      channelData: { tenant: { id: SEEDED.tenantId }, team: teamData },
    });
    expect(membership).toMatchObject({
      type: 'conversationUpdate', membersAdded: [{ id: `28:${SEEDED.botAppId}` }],
      channelData: { eventType: 'teamMemberAdded', team: teamData, tenant: { id: SEEDED.tenantId } },
    });
  });

  it('say() in a channel @mentions the bot with Teams channelData; the reply lands in the thread', async () => {
    const team = await installedTeam('Red Team');
    const incidents = team.channels[1];

    const said = await env.teams.driver.say(bob, incidents, 'status');

    expect(said.status).toBe(200);
    expect(env.bot.turns.at(-1)).toMatchObject({
      type: 'message',
      text: '<at>Defender ChatOps</at> status',
      conversation: { id: `${incidents.id};messageid=${said.activityId}`, conversationType: 'channel' },
      entities: expect.arrayContaining([{
        type: 'mention', mentioned: { id: `28:${SEEDED.botAppId}`, name: 'Defender ChatOps' }, text: '<at>Defender ChatOps</at>',
      }]),
      channelData: {
        tenant: { id: SEEDED.tenantId }, team: { id: team.id, name: 'Red Team' }, channel: { id: incidents.id, name: 'Incidents' },
      },
    });
    expect(env.teams.driver.transcript(incidents)).toEqual([
      expect.objectContaining({ id: said.activityId, from: bob, threadRootId: said.activityId }),
      expect.objectContaining({ from: 'bot', text: 'echo: status', threadRootId: said.activityId }),
    ]);
  });

  it('click() sends an adaptiveCard/action invoke and returns the invoke response; the bot\'s update replaces the card', async () => {
    const chat = await installedPersonalChat(alice);
    await env.teams.driver.say(alice, chat, 'card');
    const cardMessageId = env.teams.driver.transcript(chat).at(-1)!.id;

    const clicked = await env.teams.driver.click(alice, cardMessageId, 'ack', { comment: 'looking' });

    expect(clicked.invokes).toHaveLength(1);
    expect(clicked.invokes[0]).toMatchObject({
      type: 'invoke', name: 'adaptiveCard/action', replyToId: cardMessageId,
      value: { action: { type: 'Action.Execute', verb: 'ack', data: { origin: 'card', comment: 'looking' } }, trigger: 'manual' },
    });
    expect(clicked.status).toBe(200);
    expect(clicked.body).toEqual({
      statusCode: 200, type: 'application/vnd.microsoft.card.adaptive', value: card('Alert 1 acknowledged by Alice Admin'),
    });
    const entry = env.teams.driver.transcript(chat).find((message) => message.id === cardMessageId);
    expect(entry).toMatchObject({
      version: 2, cards: [card('Alert 1 acknowledged by Alice Admin')],
      userViews: { [alice]: card('Alert 1 acknowledged by Alice Admin') },
    });
    await expect(env.teams.driver.click(alice, cardMessageId, 'ack')).rejects.toThrow(/no Action.Execute button/);
  });

  it('answers an OAuthCard with a tokenExchangeResource by a signin/tokenExchange from two clients of the user', async () => {
    const chat = await installedPersonalChat(SEEDED_USERS.dave);

    await env.teams.driver.say(SEEDED_USERS.dave, chat, 'login');
    await env.teams.driver.settled();

    const exchanges = env.teams.driver.ssoExchanges.filter((exchange) => exchange.conversationId === chat.id);
    expect(exchanges.map((exchange) => exchange.client).sort()).toEqual(['desktop', 'web']);
    for (const exchange of exchanges) {
      expect(exchange.invoke).toMatchObject({
        type: 'invoke', name: 'signin/tokenExchange', from: { aadObjectId: SEEDED_USERS.dave },
        value: { id: SSO_RESOURCE.id, connectionName: 'bot-sso' },
      });
      const claims = jwt.decode((exchange.invoke.value as { token: string }).token) as Record<string, unknown>;
      expect(claims).toMatchObject({ aud: SEEDED.botAppId, oid: SEEDED_USERS.dave, scp: 'access_as_user' });
      expect(exchange.response).toEqual({ status: 200, body: { id: SSO_RESOURCE.id, failureDetail: '' } });
    }
  });

  it('re-sends an action with value.authentication.token after the bot answers 401 loginRequest', async () => {
    const chat = await installedPersonalChat(SEEDED_USERS.erin);
    await env.teams.driver.say(SEEDED_USERS.erin, chat, 'card');
    const cardMessageId = env.teams.driver.transcript(chat).at(-1)!.id;

    const clicked = await env.teams.driver.click(SEEDED_USERS.erin, cardMessageId, 'secure');

    expect(clicked.invokes).toHaveLength(2);
    const [original, resent] = clicked.invokes;
    expect(original.value).not.toHaveProperty('authentication');
    expect(resent).toMatchObject({
      name: 'adaptiveCard/action',
      value: {
        action: (original.value as { action: unknown }).action,
        authentication: { id: SSO_RESOURCE.id, connectionName: 'bot-sso', token: expect.any(String) },
      },
    });
    const token = (resent.value as { authentication: { token: string } }).authentication.token;
    expect(jwt.decode(token)).toMatchObject({ aud: SEEDED.botAppId, oid: SEEDED_USERS.erin });
    expect(clicked.body).toMatchObject({ statusCode: 200, value: card('Secured for Erin NewStarter') });
  });

  it('has no OAuthCard SSO in a channel: each client answers signin/failure resourcematchfailed (or, switched, nothing)', async () => {
    const [general] = (await installedTeam('SSO-less')).channels;
    await env.teams.driver.say(alice, general, 'login');
    await env.teams.driver.settled();
    const failures = env.teams.driver.ssoExchanges.filter((exchange) => exchange.conversationId.startsWith(general.id));
    expect(failures).toHaveLength(2);
    for (const failure of failures) {
      expect(failure.invoke).toMatchObject({ name: 'signin/failure', value: { code: 'resourcematchfailed' } });
    }

    env.teams.driver.oauthCardSso.channel = 'nothing';
    try {
      const turns = env.bot.turns.length;
      await env.teams.driver.say(alice, general, 'login');
      await env.teams.driver.settled();
      expect(env.bot.turns.length).toBe(turns + 1); // the message only
    } finally {
      env.teams.driver.oauthCardSso.channel = 'resourcematchfailed';
    }
  });

  it('does Action.Execute SSO in a channel, after asking the user to add the app personally', async () => {
    const [general] = (await installedTeam('Universal actions')).channels;
    await env.teams.driver.say(carol, general, 'card');
    const cardMessageId = env.teams.driver.transcript(general).at(-1)!.id;
    const turns = env.bot.turns.length;

    const clicked = await env.teams.driver.click(carol, cardMessageId, 'secure');

    expect(env.teams.driver.personalInstallPrompts).toContainEqual(expect.objectContaining({ userOid: carol, answer: 'install' }));
    const installs = env.bot.turns.slice(turns).filter((turn) => turn.type === 'installationUpdate');
    expect(installs).toMatchObject([{ conversation: { conversationType: 'personal' }, from: { aadObjectId: carol } }]);
    expect(clicked.invokes).toHaveLength(2);
    expect(clicked.invokes[1].value).toMatchObject({ authentication: { id: SSO_RESOURCE.id, token: expect.any(String) } });
    expect(clicked.body).toMatchObject({ statusCode: 200, value: card('Secured for Carol Viewer') });
  });

  it('refuses to deliver to a conversation the bot is not installed in, as Teams would', async () => {
    const chat = env.teams.driver.groupChat([alice, carol], 'not installed');
    await expect(env.teams.driver.say(alice, chat, 'hello')).rejects.toThrow(/not installed/);
  });
});
