/**
 * The Teams twin's clients refresh cards automatically as Teams does (Universal Actions, teams-bot.md
 * §6.1): trigger "automatic", on view and after each update, at most once a minute per user, only for
 * the users in `refresh.userIds` (or everyone in conversations of up to 60 members when it is absent);
 * and they give the bot 15 s to answer an invoke, recording a later answer as a failure.
 */
import crypto from 'node:crypto';
import { SEEDED, SEEDED_USERS } from '../src/twin/directory';
import { teamsUserId, type Conversation } from '../src/twin/teams';
import { type BotUnderTest, startBotUnderTest } from './support/bot-under-test';

const { alice, bob, carol } = SEEDED_USERS;
let env: BotUnderTest;

// One twin for the file: the adapter caches the channel's signing keys by URL, and a new twin may reuse a port.
beforeAll(async () => {
  env = await startBotUnderTest();
});
afterAll(() => env.close());

function refreshesIn(messageId: string) {
  return env.teams.driver.refreshes.filter((refresh) => refresh.messageId === messageId);
}

async function postRefreshingCard(conversation: Conversation, text = 'refreshing'): Promise<string> {
  await env.teams.driver.install(conversation.team ?? conversation);
  await env.teams.driver.say(alice, conversation, text);
  return env.teams.driver.transcript(conversation).at(-1)!.id;
}

function extraMembers(count: number): string[] {
  return Array.from({ length: count }, (_, index) => {
    const oid = crypto.randomUUID();
    env.entra.directory.addUser({
      oid, upn: `member-${index}@contoso.onmicrosoft.com`, displayName: `Member ${index}`, tenantId: SEEDED.tenantId,
      consented: true, defenderRole: 'viewer', deviceGroups: 'all',
    });
    return oid;
  });
}

it('refreshes a card without userIds for every member of a small chat once it is a minute old, with trigger "automatic"', async () => {
  const chat = env.teams.driver.groupChat([alice, bob, carol]);
  const messageId = await postRefreshingCard(chat);
  for (const oid of [alice, bob, carol]) expect(await env.teams.driver.view(oid, messageId)).toBeUndefined(); // a fresh card
  env.clock.advance(61_000);
  for (const oid of [alice, bob, carol]) await env.teams.driver.view(oid, messageId);
  expect(refreshesIn(messageId).map((refresh) => refresh.userOid)).toEqual([alice, bob, carol]);
  const invoke = env.bot.turns.filter((turn) => turn.name === 'adaptiveCard/action').at(-1)!;
  expect(invoke.value).toMatchObject({ trigger: 'automatic', action: { type: 'Action.Execute', verb: 'refresh' } });
  expect(env.teams.driver.transcript(chat).at(-1)!.userViews[carol]).toMatchObject({ body: [{ text: 'Live alert as Carol Viewer sees it' }] });
  // Viewed again within the minute: no second refresh.
  await env.teams.driver.view(bob, messageId);
  expect(refreshesIn(messageId)).toHaveLength(3);
});

it('refreshes only the users listed in userIds, also in a small chat', async () => {
  const chat = env.teams.driver.groupChat([alice, bob, carol]);
  const messageId = await postRefreshingCard(chat, `refreshing for ${teamsUserId(SEEDED.botAppId, bob)}`);
  env.clock.advance(61_000);
  for (const oid of [alice, bob, carol]) await env.teams.driver.view(oid, messageId);
  expect(refreshesIn(messageId).map((refresh) => refresh.userOid)).toEqual([bob]);
});

it('does not refresh for everyone in a channel of more than 60 members', async () => {
  const team = env.teams.driver.createTeam({ name: 'Big', members: [alice, ...extraMembers(60)] });
  const messageId = await postRefreshingCard(team.channels[0]);
  env.clock.advance(61_000);
  for (const oid of team.memberOids) await env.teams.driver.view(oid, messageId);
  expect(refreshesIn(messageId)).toHaveLength(0);
});

it('refreshes the clients of a watched conversation after each update of the message, at most once a minute per user', async () => {
  const chat = env.teams.driver.groupChat([alice, bob]);
  env.teams.driver.watch(chat);
  const messageId = await postRefreshingCard(chat);
  await env.teams.driver.settled();
  expect(refreshesIn(messageId)).toHaveLength(0); // a fresh card is not refreshed on view
  env.clock.advance(61_000);
  await env.teams.driver.view(alice, messageId);
  // "bump" updates the message (updateActivity): every member's client refreshes its view, Alice's not
  // again within the minute of her last refresh.
  await env.teams.driver.click(alice, messageId, 'bump');
  await env.teams.driver.settled();
  expect(refreshesIn(messageId).map((refresh) => [refresh.userOid, refresh.reason])).toEqual([[alice, 'view'], [bob, 'update']]);
});

it('records an invoke answered after the deadline as late, and gives the user no card from it', async () => {
  env.teams.driver.invokeDeadlineMs = 200;
  const chat = env.teams.driver.personalChat(alice);
  await env.teams.driver.install(chat);
  const { response } = await env.teams.driver.invoke(alice, chat, 'adaptiveCard/action', {
    action: { type: 'Action.Execute', verb: 'slow', data: { ms: 600 } }, trigger: 'manual',
  });
  expect(response).toMatchObject({ status: 0, late: true });
  expect(env.teams.driver.invokeTimings.at(-1)).toMatchObject({ name: 'adaptiveCard/action', late: true });
  const quick = await env.teams.driver.invoke(alice, chat, 'adaptiveCard/action', {
    action: { type: 'Action.Execute', verb: 'slow', data: { ms: 0 } }, trigger: 'manual',
  });
  expect(quick.response.status).toBe(200);
  expect(env.teams.driver.invokeTimings.at(-1)).toMatchObject({ late: false });
});
