/**
 * What the admin who runs the bot relies on: health and readiness, structured logs with a
 * correlation id per activity and no secrets, and the tenant allow-list.
 */
import type { AddressInfo } from 'node:net';
import { SEEDED, SEEDED_USERS } from '../src/twin/directory';
import { botMessages, eventually, startBotWithTwin, type BotWithTwin } from './support/bot-harness';
import { fetchJson } from './support/fetch-json';

const { alice, mallory } = SEEDED_USERS;
let env: BotWithTwin;
let base: string;

beforeAll(async () => {
  env = await startBotWithTwin();
  base = `http://127.0.0.1:${(env.app.server.address() as AddressInfo).port}`;
});
afterAll(() => env.close());

describe('health and readiness', () => {
  it('/healthz says alive; /readyz checks storage and the app token', async () => {
    expect((await fetchJson(`${base}/healthz`)).status).toBe(200);
    const ready = await fetchJson(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({ ready: true, checks: { storage: { ok: true }, appToken: { ok: true } } });
  });

  it('/readyz answers 503 with the failing check\'s name and a short status, never Entra\'s text; it asks Entra at most once however often it is called', async () => {
    const misconfigured = await startBotWithTwin({ bot: { appId: SEEDED.botAppId, appPassword: 'a-rotated-secret', tenantId: SEEDED.tenantId } });
    try {
      const port = (misconfigured.app.server.address() as AddressInfo).port;
      const tokenRequests = () => misconfigured.twin.entra.tokenRequests.length;
      const before = tokenRequests();
      const answers = [];
      for (let call = 0; call < 5; call++) answers.push(await fetchJson(`http://127.0.0.1:${port}/readyz`));
      for (const ready of answers) {
        expect(ready.status).toBe(503);
        expect(ready.body).toEqual({ ready: false, checks: { storage: { ok: true, status: 'ok' }, appToken: { ok: false, status: 'failing' } } });
      }
      expect(tokenRequests() - before).toBeLessThanOrEqual(1);
      expect(misconfigured.logs.some((line) => line.includes('readiness: appToken failed') && line.includes('AADSTS'))).toBe(true);
    } finally {
      await misconfigured.close();
    }
  });
});

describe('tenant allow-list and logs', () => {
  it('a user of another tenant gets a polite refusal and nothing else', async () => {
    const chat = env.twin.teams.driver.personalChat(mallory);
    await env.twin.teams.driver.install(chat);
    const onBehalfOf = () => env.twin.entra.tokenRequests.filter((request) => request.grantType.includes('jwt-bearer')).length;
    const oboBefore = onBehalfOf();
    const defenderRequests = env.twin.defender.requests.length;
    await env.twin.teams.driver.say(mallory, chat, 'alerts high');
    await env.twin.teams.driver.settled();
    const reply = await eventually(() => {
      const messages = botMessages(env.twin, chat);
      if (messages.length === 0) throw new Error('no answer yet');
      return messages[messages.length - 1];
    });
    expect(reply.text).toMatch(/serves only the organization/);
    expect(reply.attachments).toHaveLength(0);
    expect(onBehalfOf()).toBe(oboBefore);
    expect(env.twin.teams.driver.ssoExchanges.filter((exchange) => exchange.userOid === mallory)).toHaveLength(0);
    expect(env.twin.defender.requests.length).toBe(defenderRequests);
    expect(env.logs.some((line) => line.includes('not on the allow-list'))).toBe(true);
  });

  it('logs one JSON line per activity with a correlation id, and never a token or secret', async () => {
    const chat = env.twin.teams.driver.personalChat(alice);
    await env.twin.teams.driver.install(chat);
    await env.twin.teams.driver.say(alice, chat, 'alerts');
    await env.twin.teams.driver.settled();
    const activityLines = env.logs.map((line) => JSON.parse(line)).filter((entry) => entry.msg === 'activity');
    expect(activityLines.length).toBeGreaterThan(0);
    for (const entry of activityLines) expect(entry).toMatchObject({ correlationId: expect.any(String), status: expect.any(Number), level: 30 });
    const everything = env.logs.join('\n');
    expect(everything).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\.eyJ/);
    expect(everything).not.toContain(SEEDED.botAppSecret);
    expect(everything).not.toMatch(/Bearer [A-Za-z0-9]/);
  });
});
