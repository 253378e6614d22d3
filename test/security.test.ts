/**
 * The product bot (real composition root, real botbuilder CloudAdapter and msal-node) under attack,
 * over the wire against the twin: forged or misdirected inbound tokens, forged card data, OData
 * injection, hostile text, a user of another tenant; and, after all of it, no token or secret in
 * any line the bot logged or printed.
 *
 * Related tests elsewhere: a swapped device id and a button replayed into another conversation
 * (test/bot-response.test.ts, "untrusted card data"); the JWT matrix against a bare CloudAdapter
 * (test/cloud-adapter-auth.test.ts).
 */
import { CONFIRM_LIFETIME_SECONDS } from '../src/bot/buttons';
import { SEEDED, SEEDED_USERS } from '../src/twin/directory';
import { WELL_KNOWN_DEVICES } from '../src/twin/defender/seed';
import { foreignSigningKeys } from '../src/twin/signing-keys';
import type { Conversation, WireActivity } from '../src/twin/teams';
import { botMessages, cardText, startBotWithTwin, verbsOf, buttonData, type BotWithTwin } from './support/bot-harness';

const { alice, mallory } = SEEDED_USERS;
const ADAPTIVE = 'application/vnd.microsoft.card.adaptive';
const CONSOLE_METHODS = ['log', 'info', 'warn', 'error', 'debug'] as const;

let env: BotWithTwin;
let chat: Conversation;
/** Everything printed to the console while the suite ran (the bot's own log lines are in env.logs). */
const consoleLines: string[] = [];

beforeAll(async () => {
  for (const method of CONSOLE_METHODS) {
    jest.spyOn(console, method).mockImplementation((...args: unknown[]) => {
      consoleLines.push(args.map((arg) => (arg instanceof Error ? `${arg.message}\n${arg.stack}` : typeof arg === 'string' ? arg : JSON.stringify(arg))).join(' '));
    });
  }
  env = await startBotWithTwin();
  chat = env.twin.teams.driver.personalChat(alice);
  await env.twin.teams.driver.install(chat);
  await ask('alerts'); // Alice signs in
});
afterAll(async () => {
  await env?.close();
  jest.restoreAllMocks();
});

interface Answer {
  status: number;
  text: string;
  card?: unknown;
  messageId?: string;
}

async function ask(text: string, user: string = alice, conversation: Conversation = chat): Promise<Answer> {
  const before = botMessages(env.twin, conversation).length;
  const said = await env.twin.teams.driver.say(user, conversation, text);
  await env.twin.teams.driver.settled();
  const replies = botMessages(env.twin, conversation).slice(before);
  const last = replies.at(-1);
  return { status: said.status, text: replies.map((m) => cardText(m.cards[0]) || m.text || '').join('\n'), card: last?.cards[0], messageId: last?.id };
}

function invokeBody(response: { body: unknown }): { statusCode: number; type: string; value: unknown } {
  return response.body as { statusCode: number; type: string; value: unknown };
}

/** Everything the bot did that a handler would cause: connector calls, Defender requests, token requests. */
function sideEffects() {
  return { connector: env.twin.teams.calls.length, defender: env.twin.defender.requests.length, entra: env.twin.entra.tokenRequests.length };
}

const responseActionRequests = () =>
  env.twin.defender.requests.filter((request) => request.endpoint === 'machines.isolate' || request.endpoint === 'machines.unisolate');

describe('inbound JWT: 401 and no handler runs', () => {
  const message = (text: string): WireActivity => env.twin.teams.driver.messageActivity(alice, chat, text);
  const claims = () => env.twin.teams.channelAuth.activityClaims(env.twin.teams.serviceUrl);
  const sign = (extra: Record<string, unknown>, kid?: string) => `Bearer ${env.twin.teams.channelAuth.sign({ ...claims(), ...extra }, kid)}`;
  let webchatOnlyKid: string;
  beforeAll(() => {
    webchatOnlyKid = env.twin.teams.channelAuth.addKey(['webchat']);
  });

  const cases: [string, () => { activity: WireActivity; authorization: string | null }][] = [
    ['no token', () => ({ activity: message('alerts'), authorization: null })],
    ['a bad signature (a foreign key under the channel key\'s kid)', () => ({
      activity: message('alerts'),
      authorization: `Bearer ${foreignSigningKeys(env.twin.teams.channelAuth.keys.kid).sign(claims())}`,
    })],
    ['the wrong issuer', () => ({ activity: message('alerts'), authorization: sign({ iss: 'https://api.botframework.com' }) })],
    ['the wrong audience (another bot)', () => ({ activity: message('alerts'), authorization: sign({ aud: SEEDED.automationAppId }) })],
    ['an expired token', () => {
      const now = env.twin.clock.nowSeconds();
      return { activity: message('alerts'), authorization: sign({ nbf: now - 7200, exp: now - 3600 }) };
    }],
    ['a token not yet valid', () => {
      const now = env.twin.clock.nowSeconds();
      return { activity: message('alerts'), authorization: sign({ nbf: now + 3600, exp: now + 7200 }) };
    }],
    ['a key not endorsed for msteams', () => ({ activity: message('alerts'), authorization: sign({}, webchatOnlyKid) })],
    ['a serviceUrl other than the token\'s serviceurl claim', () => ({
      activity: { ...message('alerts'), serviceUrl: 'https://smba.trafficmanager.net/teams/' },
      authorization: sign({}),
    })],
  ];

  it.each(cases)('%s', async (_name, make) => {
    const { activity, authorization } = make();
    const before = sideEffects();

    const response = await env.twin.teams.driver.post(activity, { authorization });

    expect(response.status).toBe(401);
    expect(sideEffects()).toEqual(before);
  });

  it('control: the same activity correctly signed is handled', async () => {
    const before = sideEffects();
    const response = await env.twin.teams.driver.post(message('alerts'));
    expect(response.status).toBe(200);
    expect(sideEffects().connector).toBeGreaterThan(before.connector);
  });
});

describe('forged card data is refused', () => {
  it('a signed Release confirmation sent with the verb isolate.confirm', async () => {
    const isolated = env.twin.defender.data.machines.find((m) => m.computerDnsName === WELL_KNOWN_DEVICES.isolated)!;
    const device = await ask(`device ${isolated.computerDnsName}`);
    expect(verbsOf(device.card)).toContain('release.ask');
    const ask2 = await env.twin.teams.driver.click(alice, device.messageId!, 'release.ask');
    const releaseData = buttonData(invokeBody(ask2).value, 'release.confirm');
    const before = responseActionRequests().length;

    const { response } = await env.twin.teams.driver.invoke(alice, chat, 'adaptiveCard/action', {
      action: { type: 'Action.Execute', verb: 'isolate.confirm', data: { ...releaseData, comment: 'verb swap', isolationType: 'Full' } },
      trigger: 'manual',
    }, { replyToId: device.messageId });

    expect(invokeBody(response)).toMatchObject({ statusCode: 400, type: 'application/vnd.microsoft.error' });
    expect(responseActionRequests()).toHaveLength(before);
  });

  it('a confirmation older than its lifetime (stale card) is refused as expired', async () => {
    const machine = env.twin.defender.data.machines.find((m) => m.healthStatus === 'Active' && m.osPlatform === 'Windows11'
      && !env.twin.defender.data.actions.some((a) => a.machineId === m.id))!;
    const device = await ask(`device ${machine.computerDnsName}`);
    const confirmation = invokeBody(await env.twin.teams.driver.click(alice, device.messageId!, 'isolate.ask')).value;
    expect(verbsOf(confirmation)).toContain('isolate.confirm');
    const before = responseActionRequests().length;

    // Only Date moves (the bot, its signer, msal and the twin's clock all read it); timers and I/O stay real.
    jest.useFakeTimers({ doNotFake: ['hrtime', 'nextTick', 'performance', 'queueMicrotask', 'setImmediate', 'clearImmediate', 'setInterval', 'clearInterval', 'setTimeout', 'clearTimeout'] });
    try {
      jest.setSystemTime(Date.now() + (CONFIRM_LIFETIME_SECONDS + 60) * 1000);
      const click = await env.twin.teams.driver.click(alice, device.messageId!, 'isolate.confirm', { comment: 'stale', isolationType: 'Full' });
      const outcome = invokeBody(click);
      expect(outcome.statusCode).toBe(200);
      expect(outcome.type).toBe(ADAPTIVE);
      expect(cardText(outcome.value)).toMatch(/expired/i);
    } finally {
      jest.useRealTimers();
    }
    expect(responseActionRequests()).toHaveLength(before);
  });
});

describe('OData injection through device names is escaped and returns nothing extra', () => {
  const attempts = [
    "x' or 1 eq 1 or computerDnsName eq 'y",
    "') or true or startswith(computerDnsName,'",
    "ws' or rbacGroupName eq 'Finance",
    "%27 or 1 eq 1 or computerDnsName ne %27",
  ];

  it.each(attempts)('device %s', async (attempt) => {
    const start = env.twin.defender.requests.length;
    const answer = await ask(`device ${attempt}`);

    expect(answer.status).toBe(200);
    expect(answer.text).toMatch(/No such device/);
    const searches = env.twin.defender.requests.slice(start).filter((request) => request.endpoint === 'machines.list');
    expect(searches.length).toBeGreaterThan(0);
    const literal = attempt.toLowerCase().replace(/'/g, "''");
    expect(decodeURIComponent(searches[0].path)).toContain(`startswith(computerDnsName,'${literal}')`);
    expect(searches.every((request) => request.status === 200 || request.status === 404)).toBe(true);
    // Only "did you mean" names may appear: devices whose names share the first characters typed.
    const lower = attempt.toLowerCase();
    const allowed = env.twin.defender.data.machines
      .map((m) => m.computerDnsName)
      .filter((name) => name.toLowerCase().startsWith(lower.slice(0, 3)) || name.toLowerCase().startsWith(lower.slice(0, 1)));
    const shown = env.twin.defender.data.machines.map((m) => m.computerDnsName).filter((name) => answer.text.includes(name));
    for (const name of shown) expect(allowed).toContain(name);
    expect(shown.length).toBeLessThanOrEqual(3);
  });

  it('`actions` with an injected name finds no device either', async () => {
    const answer = await ask("actions ws' or machineId ne '");
    expect(answer.text).toMatch(/No such device/);
  });

  it('an alert id with OData syntax is sent as one escaped path segment', async () => {
    const start = env.twin.defender.requests.length;
    const answer = await ask("alert da1' or 1 eq 1");
    expect(answer.status).toBe(200);
    expect(answer.text).toMatch(/Not found|no alert/i);
    const gets = env.twin.defender.requests.slice(start).filter((request) => request.path.startsWith('/api/alerts'));
    expect(gets.every((request) => request.endpoint === 'alerts.get' && request.status === 404)).toBe(true);
  });
});

describe('hostile text gets a clear answer, never a crash', () => {
  const noCrash = (answer: Answer) => {
    expect(answer.status).toBe(200);
    expect(answer.text.length).toBeGreaterThan(0);
    expect(answer.text).not.toMatch(/Something went wrong|\n\s+at \S|TypeError/);
  };

  it('a 100 KB message', async () => {
    const answer = await ask(`device ${'a'.repeat(100 * 1024)}`);
    noCrash(answer);
    expect(answer.text).toMatch(/too long/i);
  });

  it('control characters', async () => {
    const answer = await ask('\u0000al\u0007erts\u001b[31m \u0008high\u007f\r\n');
    noCrash(answer);
  });

  it('lone surrogates (invalid UTF-16)', async () => {
    noCrash(await ask('alerts \ud800 high \udfff'));
    noCrash(await ask(`device \udc00${WELL_KNOWN_DEVICES.server}\ud83d`));
  });

  it('bytes that are not UTF-8 in the request body', async () => {
    const activity = env.twin.teams.driver.messageActivity(alice, chat, 'help MARK');
    const [head, tail] = JSON.stringify(activity).split('MARK');
    const body = Buffer.concat([Buffer.from(head), Buffer.from([0xff, 0xfe, 0xc3, 0x28]), Buffer.from(tail)]);
    const before = botMessages(env.twin, chat).length;
    const endpoint = `http://127.0.0.1:${(env.app.server.address() as { port: number }).port}/api/messages`;
    const response = await fetch(endpoint, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${env.twin.teams.channelAuth.activityToken(env.twin.teams.serviceUrl)}` },
      body,
    });
    expect(response.status).toBe(200);
    expect(botMessages(env.twin, chat).length).toBeGreaterThan(before);
  });
});

describe('a user of another tenant', () => {
  it('Mallory (admin in her own tenant) is refused: no sign-in, no token, no Defender call', async () => {
    const malloryChat = env.twin.teams.driver.personalChat(mallory);
    await env.twin.teams.driver.install(malloryChat);
    const before = sideEffects();
    const malloryUpn = env.twin.directory.requireUser(mallory).upn;

    const answer = await ask('alerts', mallory, malloryChat);

    expect(answer.status).toBe(200);
    expect(answer.text).toMatch(/only the organization|not on its list/i);
    const messages = botMessages(env.twin, malloryChat);
    expect(messages.some((m) => m.attachments.some((a) => a.contentType === 'application/vnd.microsoft.card.oauth'))).toBe(false);
    expect(env.twin.teams.driver.ssoExchanges.filter((exchange) => exchange.userOid === mallory)).toHaveLength(0);
    expect(env.twin.entra.tokenRequests.slice(before.entra).filter((request) => request.tenantId === SEEDED.otherTenantId)).toHaveLength(0);
    expect(env.twin.defender.requests.slice(before.defender)).toHaveLength(0);
    expect(env.twin.defender.requests.some((request) => request.upn === malloryUpn)).toBe(false);
  });

  it("Mallory replaying a button from Alice's card into her own chat is refused", async () => {
    const malloryChat = env.twin.teams.driver.personalChat(mallory);
    const device = await ask(`device ${WELL_KNOWN_DEVICES.server}`);
    const data = buttonData(device.card, 'device.refresh');
    const before = sideEffects();

    const { response } = await env.twin.teams.driver.invoke(mallory, malloryChat, 'adaptiveCard/action', {
      action: { type: 'Action.Execute', verb: 'device.refresh', data }, trigger: 'manual',
    });

    const outcome = invokeBody(response);
    expect(outcome.type).not.toBe(ADAPTIVE);
    expect(JSON.stringify(outcome.value ?? '')).not.toContain(WELL_KNOWN_DEVICES.server);
    expect(env.twin.defender.requests.length).toBe(before.defender);
  });
});

describe('after the whole suite', () => {
  it('no token, client secret or Authorization value appears in any log line or console output', () => {
    const lines = [...env.logs, ...consoleLines];
    expect(env.logs.length).toBeGreaterThan(0);
    const secrets = [...env.twin.directory.apps.values()].flatMap((app) => app.secrets);
    const leaks = lines.filter((line) =>
      /eyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}/.test(line)
      || /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/i.test(line)
      || secrets.some((secret) => line.includes(secret)));
    expect(leaks).toEqual([]);
  });
});
