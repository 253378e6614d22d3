/**
 * Refresh is deliberate: in a channel of 60 members whose clients refresh cards automatically (as
 * Teams does), only the requester of a running action gets automatic refreshes, so viewers cost at
 * most one Defender read per card change, not one per viewer; a refresh from someone without a
 * token keeps the card everyone sees instead of asking them to sign in. Counted from the twins'
 * recordings, never timed.
 */
import crypto from 'node:crypto';
import { SEEDED, SEEDED_USERS } from '../src/twin/directory';
import { teamsUserId, type Conversation } from '../src/twin/teams';
import { cardText, eventually, lastBotCard, sayAndSignIn, startBotWithTwin, type BotWithTwin, freshWorkstation } from './support/bot-harness';

const { bob } = SEEDED_USERS;
let env: BotWithTwin;
let channel: Conversation;
let viewers: string[];

beforeAll(async () => {
  env = await startBotWithTwin();
  viewers = Array.from({ length: 59 }, (_, index) => {
    const oid = crypto.randomUUID();
    env.twin.directory.addUser({
      oid, upn: `viewer-${index}@contoso.onmicrosoft.com`, displayName: `Viewer ${index}`, tenantId: SEEDED.tenantId,
      consented: true, defenderRole: 'viewer', deviceGroups: 'all',
    });
    return oid;
  });
  const team = env.twin.teams.driver.createTeam({ name: 'SOC', members: [bob, ...viewers] });
  await env.twin.teams.driver.install(team);
  channel = team.channels[0];
  env.twin.teams.driver.watch(channel);
});
afterAll(() => env.close());


const members = () => [bob, ...viewers];

async function everyoneViews(messageId: string): Promise<void> {
  for (const oid of members()) await env.twin.teams.driver.view(oid, messageId);
  await env.twin.teams.driver.settled();
}

it('a 60-member channel costs at most one Defender read per card change while an action runs, and viewers none', async () => {
  const machine = freshWorkstation(env.twin);
  const { driver } = env.twin.teams;
  const clickRequests = new Set<number>();
  const click = async (verb: string, inputs?: Record<string, unknown>) => {
    const before = env.twin.defender.requests.length;
    await driver.click(bob, messageId, verb, inputs);
    for (let index = before; index < env.twin.defender.requests.length; index++) clickRequests.add(index);
  };

  await sayAndSignIn(env.twin, bob, channel, `device ${machine.computerDnsName}`);
  const messageId = await eventually(() => {
    const last = lastBotCard(env.twin, channel);
    if (!cardText(last.card).includes(machine.computerDnsName)) throw new Error('no device card yet');
    return last.id;
  });
  const start = env.twin.defender.requests.length;
  env.twin.clock.advance(61_000);
  await everyoneViews(messageId);
  expect(driver.refreshes.filter((refresh) => refresh.messageId === messageId)).toHaveLength(0); // a device card refreshes on request only

  await click('isolate.ask');
  await click('isolate.confirm', { comment: 'Refresh cost', isolationType: 'Full' });
  await driver.settled();
  // (The twin's clock stays within the 5 minutes of skew the channel's tokens allow.)
  for (let step = 0; step < 2; step++) {
    env.twin.clock.advance(61_000);
    await everyoneViews(messageId);
  }
  await eventually(() => {
    if (!/Succeeded/.test(cardText(driver.transcript(channel).find((m) => m.id === messageId)!.cards[0]))) throw new Error('not final yet');
  });
  await driver.settled();
  await everyoneViews(messageId);

  const entry = driver.transcript(channel).find((m) => m.id === messageId)!;
  const cardChanges = entry.version; // the post and each update
  const refreshes = driver.refreshes.filter((refresh) => refresh.messageId === messageId);
  expect(refreshes.length).toBeGreaterThan(0);
  expect(refreshes.every((refresh) => refresh.userOid === bob)).toBe(true);
  const userReads = env.twin.defender.requests.slice(start).filter((request, offset) => request.upn && !clickRequests.has(start + offset));
  expect(userReads.every((request) => request.upn === 'bob@contoso.onmicrosoft.com')).toBe(true);
  expect(userReads.length).toBeLessThanOrEqual(cardChanges);
});

it('an automatic refresh from a member the bot has no token for keeps the base card: no sign-in prompt, no Defender call', async () => {
  const { driver } = env.twin.teams;
  const stranger = viewers[0];
  const chat = driver.groupChat([bob, stranger]);
  await driver.install(chat);
  const said = await sayAndSignIn(env.twin, bob, chat, `device ${freshWorkstation(env.twin).computerDnsName}`);
  expect(said.status).toBe(200);
  const card = await eventually(() => lastBotCard(env.twin, chat));
  const before = env.twin.defender.requests.length;
  const { response } = await driver.invoke(stranger, chat, 'adaptiveCard/action', {
    action: { type: 'Action.Execute', verb: 'device.refresh', data: (card.card as { refresh: { action: { data: unknown } } }).refresh.action.data },
    trigger: 'automatic',
  }, { replyToId: card.id });
  expect(response.body).toMatchObject({ statusCode: 200, type: 'application/vnd.microsoft.activity.message' });
  expect(env.twin.defender.requests.length).toBe(before);
  expect(driver.transcript(chat).find((m) => m.id === card.id)!.userViews[stranger]).toBeUndefined();
  expect(driver.ssoExchanges.filter((exchange) => exchange.userOid === stranger)).toHaveLength(0);
});

it('names the requester in refresh.userIds while an action runs, and nobody on list and notification cards', async () => {
  const { driver } = env.twin.teams;
  await sayAndSignIn(env.twin, bob, channel, 'alerts 3');
  const list = await eventually(() => {
    const last = lastBotCard(env.twin, channel);
    if (!(last.card as { refresh?: unknown }).refresh && !/Alert/.test(cardText(last.card))) throw new Error('no list yet');
    return last;
  });
  expect((list.card as { refresh?: { userIds?: string[] } }).refresh?.userIds ?? []).toEqual([]);
  const machine = freshWorkstation(env.twin);
  await sayAndSignIn(env.twin, bob, channel, `device ${machine.computerDnsName}`);
  const device = await eventually(() => {
    const last = lastBotCard(env.twin, channel);
    if (!cardText(last.card).includes(machine.computerDnsName)) throw new Error('no device card yet');
    return last;
  });
  await driver.click(bob, device.id, 'isolate.ask');
  await driver.click(bob, device.id, 'isolate.confirm', { comment: 'userIds', isolationType: 'Full' });
  const running = driver.transcript(channel).find((m) => m.id === device.id)!.cards[0] as { refresh: { userIds: string[] } };
  expect(running.refresh.userIds).toEqual([teamsUserId(SEEDED.botAppId, bob)]);
});
