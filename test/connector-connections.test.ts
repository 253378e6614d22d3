/**
 * Connections to the Bot Connector end the way load balancers end them: an idle connection is
 * dropped without a word, and the next request on it is reset (users report these as random
 * ECONNRESET / "socket hang up" on replies, botbuilder-js #1705, #2054). The bot closes its idle
 * connections first, so a reply after a quiet spell still arrives.
 */
import https from 'node:https';
import { SEEDED_USERS } from '../src/twin/directory';
import { botMessages, startBotWithTwin, type BotWithTwin } from './support/bot-harness';

jest.setTimeout(30_000);

const DROPPED_AFTER_MS = 400;
const QUIET_MS = 900;
const { alice } = SEEDED_USERS;

function get(agent: https.Agent, url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    https.get(url, { agent }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? 0));
    }).on('error', reject);
  });
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the Teams twin, as a load balancer in front of the connector', () => {
  let env: BotWithTwin;
  beforeAll(async () => {
    env = await startBotWithTwin();
  });
  afterAll(() => env.close());

  it('resets a request on a keep-alive connection that sat idle past the limit, and gives no Keep-Alive hint', async () => {
    env.twin.teams.dropIdleConnectionsAfter(DROPPED_AFTER_MS);
    const agent = new https.Agent({ keepAlive: true });
    try {
      expect(await get(agent, `${env.twin.teams.baseUrl}/teams/v3/nothing-here`)).toBe(404);
      await pause(QUIET_MS);
      await expect(get(agent, `${env.twin.teams.baseUrl}/teams/v3/nothing-here`)).rejects.toMatchObject({ code: 'ECONNRESET' });
    } finally {
      agent.destroy();
      env.twin.teams.dropIdleConnectionsAfter(undefined);
    }
  });
});

async function replyAfterQuietSpell(env: BotWithTwin): Promise<{ replies: number; failures: string[] }> {
  env.twin.teams.dropIdleConnectionsAfter(DROPPED_AFTER_MS);
  const chat = env.twin.teams.driver.personalChat(alice);
  await env.twin.teams.driver.install(chat);
  await env.twin.teams.driver.say(alice, chat, 'help');
  await pause(QUIET_MS);
  const before = botMessages(env.twin, chat).length;
  await env.twin.teams.driver.say(alice, chat, 'help');
  await env.twin.teams.driver.settled();
  return {
    replies: botMessages(env.twin, chat).length - before,
    failures: env.logs.filter((line) => /turn failed|socket hang up|ECONNRESET/i.test(line)),
  };
}

describe('the bot', () => {
  it('replies after a quiet spell longer than the connector keeps idle connections', async () => {
    const env = await startBotWithTwin({}, { connectorIdleSocketMs: DROPPED_AFTER_MS / 2 });
    try {
      expect(await replyAfterQuietSpell(env)).toEqual({ replies: 1, failures: [] });
    } finally {
      await env.close();
    }
  });

  it('(control) fails that reply with a connection kept idle longer than the connector keeps it', async () => {
    const env = await startBotWithTwin({}, { connectorIdleSocketMs: 60_000 });
    try {
      const outcome = await replyAfterQuietSpell(env);
      expect(outcome.failures.join('\n')).toMatch(/socket hang up|ECONNRESET/i);
    } finally {
      await env.close();
    }
  });
});
