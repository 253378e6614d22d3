/**
 * One token cache for every replica: msal-node's distributed cache over the shared store (here
 * PostgreSQL), one partition per user, sealed with AES-GCM. A user signed in through one replica is
 * served by another with no new sign-in and no token request; the store holds no readable token; a
 * token Defender refuses (sessions revoked) is forgotten everywhere and the user signs in again.
 */
import { Client } from 'pg';
import { startTwin, type Twin } from '../src/twin';
import { SEEDED_USERS } from '../src/twin/directory';
import type { Conversation } from '../src/twin/teams';
import { PostgresStore } from '../src/store/postgres-store';
import {
  botMessages, cardText, eventually, isSignInCardFor, lastBotCard, sayAndSignIn, startReplicas, verbsOf, type Replica,
} from './support/bot-harness';
import { dropSchema, POSTGRES_URL, uniqueSchema } from './support/notify-harness';

const { carol, alice } = SEEDED_USERS;
const schema = uniqueSchema('token_cache');
let twin: Twin;
let replicas: Replica[];
let closeReplicas: () => Promise<void>;
let channel: Conversation;

beforeAll(async () => {
  twin = await startTwin();
  ({ replicas, close: closeReplicas } = await startReplicas(twin, 2, () => PostgresStore.open(POSTGRES_URL, { schema })));
  const team = twin.teams.driver.createTeam({ name: 'Scaled out', members: [carol, alice] });
  twin.teams.setBotEndpoint(replicas[0].endpoint);
  await twin.teams.driver.install(team);
  channel = team.channels[0];
});
afterAll(async () => {
  await closeReplicas();
  await twin.close();
  await dropSchema(schema);
});

const tokenRequestsOf = (since: number) => twin.entra.tokenRequests.slice(since).filter((r) => r.grantType !== 'client_credentials');

async function alertList(user: string, replica: Replica, text: string) {
  twin.teams.setBotEndpoint(replica.endpoint);
  const said = await sayAndSignIn(twin, user, channel, text);
  const card = await eventually(() => {
    const last = lastBotCard(twin, channel);
    if (last.entry.threadRootId !== said.activityId || !verbsOf(last.card).includes('alert.open')) throw new Error('no alert list yet');
    return last;
  });
  return { said, card };
}

it('a user signed in through replica A runs commands on replica B with no new sign-in and no token request', async () => {
  const first = await alertList(carol, replicas[0], 'alerts high');
  expect(first.said.signIn).toBeDefined();

  const since = twin.entra.tokenRequests.length;
  const onB = await alertList(carol, replicas[1], 'alerts low');
  expect(onB.said.signIn).toBeUndefined();
  expect(tokenRequestsOf(since)).toEqual([]);
  expect(botMessages(twin, channel).filter((entry) => entry.threadRootId === onB.said.activityId).some((entry) => isSignInCardFor(entry))).toBe(false);
  expect(twin.defender.requests.filter((r) => r.upn === 'carol@contoso.onmicrosoft.com' && r.status === 200).length).toBeGreaterThan(1);
});

it('the store holds the cache sealed: no token, refresh token or user name is readable in the database', async () => {
  const client = new Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try {
    const { rows } = await client.query(`SELECT row_to_json(d)::text AS row FROM ${schema}.documents d WHERE collection = 'token-cache'`);
    expect(rows).toHaveLength(1);
    const everything = (await client.query(`SELECT string_agg(row_to_json(d)::text, ' ') AS all FROM ${schema}.documents d`)).rows[0].all as string;
    // A JWT is two base64url JSON objects and a signature ('eyJ…' alone turns up in random ciphertext about one run in thirty).
    expect(everything).not.toMatch(/eyJ[\w-]+\.eyJ[\w-]+\./);
    for (const readable of ['twin-rt.', 'carol@contoso', 'access_token', 'secret']) expect(everything).not.toContain(readable);
    expect(JSON.parse(rows[0].row as string).key).toBe(`${twin.directory.requireUser(carol).tenantId}/${carol}`);
  } finally {
    await client.end();
  }
});

it('a token Defender refuses (sessions revoked) is forgotten on every replica, and the user signs in again: no error card', async () => {
  twin.entra.revokeSessions(carol);
  twin.clock.advance(1000); // tokens issued from now on are newer than the revocation
  const since = twin.entra.tokenRequests.length;
  const refusedBefore = twin.defender.requests.filter((r) => r.status === 401).length;

  const again = await alertList(carol, replicas[1], 'alerts');

  expect(twin.defender.requests.filter((r) => r.status === 401).length).toBe(refusedBefore + 1);
  expect(again.said.signIn).toBeDefined();
  expect(tokenRequestsOf(since).filter((r) => r.grantType.includes('jwt-bearer'))).toMatchObject([{ status: 200 }]);
  expect(cardText(again.card)).not.toMatch(/went wrong|not answering/i);
  // Replica A sees the new token, not the revoked one.
  const onA = await alertList(carol, replicas[0], 'alerts informational');
  expect(onA.said.signIn).toBeUndefined();
});

it('a user who signs out on one replica is signed out on every replica at once, even one that just served them', async () => {
  await alertList(alice, replicas[0], 'alerts high');
  await alertList(alice, replicas[0], 'alerts low'); // replica A now holds Alice's token at hand
  twin.teams.setBotEndpoint(replicas[1].endpoint);
  await twin.teams.driver.say(alice, channel, 'signout');
  const aliceRequests = () => twin.defender.requests.filter((r) => r.upn === 'alice@contoso.onmicrosoft.com').length;
  const before = aliceRequests();

  twin.teams.setBotEndpoint(replicas[0].endpoint);
  const said = await twin.teams.driver.say(alice, channel, 'alerts');

  const answer = await eventually(() => {
    const entry = botMessages(twin, channel).find((candidate) => candidate.threadRootId === said.activityId);
    if (!entry) throw new Error('no answer yet');
    return entry;
  });
  expect(isSignInCardFor(answer)).toBe(true);
  expect(aliceRequests()).toBe(before);
});
