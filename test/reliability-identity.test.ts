/**
 * Entra ID and the Teams connector misbehaving, through the real bot: sign-in (SSO exchange +
 * on-behalf-of) and the notifier's own app token survive Entra's invalid_grant, 5xx and slow
 * answers; Teams answering 429 or 5xx to notification posts loses nothing and posts nothing twice:
 * every card arrives later.
 *
 * msal-node remembers a 429/5xx from Entra and refuses the same request (same client, authority and
 * scopes, whoever the user) without asking Entra again for Retry-After, or 60 s when Entra gave none
 * (@azure/msal-common ThrottlingUtils). After a 5xx these tests therefore move Date (only Date) past
 * that window before trying again; see the report for what that means for users.
 */
import type { Alert } from '../src/defender/model';
import { SEEDED_USERS } from '../src/twin/directory';
import type { EntraFault } from '../src/twin/entra';
import type { Conversation } from '../src/twin/teams';
import { botMessages, cardText, eventually, sayAndSignIn, startBotWithTwin, verbsOf, type BotWithTwin } from './support/bot-harness';

const { alice, bob, carol, erin } = SEEDED_USERS;
const TEAMS_ANSWER_WINDOW_MS = 15_000;
const DEFENDER_APP_SCOPE = 'https://api.securitycenter.microsoft.com/.default';

let env: BotWithTwin;

beforeAll(async () => {
  env = await startBotWithTwin();
  env.twin.defender.rateLimits.enabled = false;
});
afterEach(() => {
  env.twin.entra.faults.clear();
  env.twin.teams.faults.clear();
});
afterAll(async () => {
  await env?.close();
  jest.useRealTimers();
});

async function say(user: string, conversation: Conversation, text: string): Promise<{ ms: number; status: number }> {
  const started = performance.now();
  const said = await sayAndSignIn(env.twin, user, conversation, text);
  return { ms: performance.now() - started, status: said.status };
}

/** The twin's tokens live 3599 s; msal renews them a few minutes before. */
const APP_TOKEN_LIFETIME_MS = 3_600_000;

/**
 * Moves Date forward (only Date: timers and I/O stay real, and Date keeps running); the bot, msal
 * and the twin's clock all read it. Date never moves back within this file: tokens cached at a
 * later time must not look issued in the future.
 */
function moveDateForward(ms: number): void {
  if (!dateMoved) {
    jest.useFakeTimers({ advanceTimers: true, doNotFake: ['hrtime', 'nextTick', 'performance', 'queueMicrotask', 'setImmediate', 'clearImmediate', 'setInterval', 'clearInterval', 'setTimeout', 'clearTimeout'] });
    dateMoved = true;
  }
  jest.setSystemTime(Date.now() + ms);
}
let dateMoved = false;

const oboRequests = (since: number) => env.twin.entra.tokenRequests.slice(since).filter((r) => r.grantType.includes('jwt-bearer'));

describe('sign-in (SSO exchange and on-behalf-of) while Entra fails', () => {
  const faults: [string, EntraFault, string][] = [
    ['invalid_grant', { kind: 'invalidGrant' }, bob],
    ['500', { kind: 'serverError', status: 500 }, carol],
    ['503', { kind: 'serverError', status: 503 }, erin],
  ];

  it.each(faults)('%s: the user is asked to sign in, nothing runs as them, and the next try signs them in', async (_name, fault, user) => {
    env.twin.directory.updateUser(user, { consented: true });
    const chat = env.twin.teams.driver.personalChat(user);
    await env.twin.teams.driver.install(chat);
    const upn = env.twin.directory.requireUser(user).upn;
    env.twin.entra.faults.inject('on_behalf_of', fault);
    const tokensBefore = env.twin.entra.tokenRequests.length;

    const first = await say(user, chat, 'alerts');

    expect(first.status).toBe(200);
    expect(first.ms).toBeLessThan(TEAMS_ANSWER_WINDOW_MS);
    const exchanges = env.twin.teams.driver.ssoExchanges.filter((exchange) => exchange.userOid === user);
    expect(exchanges.length).toBeGreaterThan(0);
    expect(exchanges.every((exchange) => exchange.response?.status === 412)).toBe(true); // Teams shows the sign-in button
    expect(oboRequests(tokensBefore).length).toBeGreaterThan(0);
    expect(oboRequests(tokensBefore).every((request) => request.status >= 400)).toBe(true);
    expect(env.twin.defender.requests.filter((request) => request.upn === upn)).toHaveLength(0);
    const messages = botMessages(env.twin, chat);
    expect(messages.some((m) => m.attachments.some((a) => a.contentType === 'application/vnd.microsoft.card.oauth'))).toBe(true);

    env.twin.entra.faults.clear();
    const retry = async () => {
      await say(user, chat, 'alerts');
      await eventually(() => {
        const last = botMessages(env.twin, chat).at(-1)!;
        expect(verbsOf(last.cards[0])).toContain('alert.open');
      });
    };
    // At once: msal's 60 s throttle after a 5xx would otherwise refuse every user's sign-in.
    await retry();
    expect(env.twin.defender.requests.some((request) => request.upn === upn && request.status === 200)).toBe(true);
  });

  it('a token endpoint that hangs: the turn still answers within Teams\' window, and the user is asked to sign in', async () => {
    const user = SEEDED_USERS.dave;
    const chat = env.twin.teams.driver.personalChat(user);
    await env.twin.teams.driver.install(chat);
    env.twin.entra.faults.inject('on_behalf_of', { kind: 'latency', ms: 14_000 }, 1);

    const hung = await say(user, chat, 'alerts');

    expect(hung.status).toBe(200);
    expect(hung.ms).toBeLessThan(TEAMS_ANSWER_WINDOW_MS);
    expect(env.twin.teams.driver.ssoExchanges.filter((exchange) => exchange.userOid === user).every((exchange) => exchange.response?.status === 412)).toBe(true);
  });

  it('a slow token endpoint (3 s): the sign-in completes and the command runs, within Teams\' answer window', async () => {
    const chat = env.twin.teams.driver.personalChat(alice);
    await env.twin.teams.driver.install(chat);
    env.twin.entra.faults.inject('on_behalf_of', { kind: 'latency', ms: 3_000 }, 1);

    const slow = await say(alice, chat, 'alerts');

    expect(slow.status).toBe(200);
    expect(slow.ms).toBeLessThan(TEAMS_ANSWER_WINDOW_MS);
    await eventually(() => {
      const last = botMessages(env.twin, chat).at(-1)!;
      expect(verbsOf(last.cards[0])).toContain('alert.open');
    });
  });
});

/** Polls and drains as the running notifier does (a failed poll is tried again next round) until `done`. */
async function deliverUntil(bot: BotWithTwin, done: () => boolean, timeoutMs = 25_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done() && Date.now() < deadline) {
    await bot.app.notifier.poller.pollOnce().catch(() => undefined);
    await bot.app.notifier.sender.drainOnce();
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  // One more round: a card sent twice would show now.
  await bot.app.notifier.poller.pollOnce().catch(() => undefined);
  await bot.app.notifier.sender.drainOnce();
}

function raise(bot: BotWithTwin, title: string): Alert {
  const workstation = bot.twin.defender.data.machines.find((m) => m.rbacGroupName === 'Workstations')!;
  bot.twin.clock.advance(1000);
  return bot.twin.defender.addAlert({ machineId: workstation.id, severity: 'High', title });
}

function cardsFor(bot: BotWithTwin, channel: Conversation, alert: Alert): number {
  return botMessages(bot.twin, channel).filter((m) => m.cards.length > 0 && cardText(m.cards[0]).includes(alert.title)).length;
}

describe('notifications while Entra or Teams fail', () => {
  let channel: Conversation;
  beforeAll(async () => {
    const team = env.twin.teams.driver.createTeam({ name: 'Alerts', members: [alice] });
    await env.twin.teams.driver.install(team);
    channel = team.channels[0];
    await say(alice, channel, 'subscribe informational');
    await eventually(() => expect(cardText(botMessages(env.twin, channel).at(-1)?.cards[0])).toMatch(/Subscribed/));
    await env.app.notifier.poller.pollOnce(); // the notifier's app token, and the watermark: alerts from now on
  });

  const appTokenRequests = (since: number) => env.twin.entra.tokenRequests.slice(since)
    .filter((request) => request.grantType === 'client_credentials' && request.scope === DEFENDER_APP_SCOPE);

  const entraFaults: [string, EntraFault][] = [
    ['invalid_grant', { kind: 'invalidGrant' }],
    ['503', { kind: 'serverError', status: 503 }],
    ['a slow answer (4 s)', { kind: 'latency', ms: 4_000 }],
  ];

  it.each(entraFaults)('Entra %s when the app token is renewed: nothing lost, the alert is delivered once Entra recovers', async (name, fault) => {
    const alert = raise(env, `Entra ${name} during a poll`);
    moveDateForward(APP_TOKEN_LIFETIME_MS); // msal must ask Entra for a new app token
    env.twin.entra.faults.inject(`client_credentials.${DEFENDER_APP_SCOPE}`, fault);
    const since = env.twin.entra.tokenRequests.length;
    await env.app.notifier.poller.pollOnce().catch(() => undefined);
    await env.app.notifier.sender.drainOnce();
    expect(appTokenRequests(since).length).toBeGreaterThan(0);
    if (fault.kind !== 'latency') expect(cardsFor(env, channel, alert)).toBe(0);
    env.twin.entra.faults.clear();

    await deliverUntil(env, () => cardsFor(env, channel, alert) > 0);

    expect(cardsFor(env, channel, alert)).toBe(1);
    expect(appTokenRequests(since).at(-1)!.status).toBe(200);
  }, 40_000);

  const teamsFaults: [string, Parameters<BotWithTwin['twin']['teams']['faults']['inject']>[1]][] = [
    ['429 with Retry-After', { kind: 'throttle', retryAfterSeconds: 1 }],
    ['500', { kind: 'serverError', status: 500 }],
    ['503', { kind: 'serverError', status: 503 }],
  ];

  it.each(teamsFaults)('Teams answers %s to the posts: every card arrives later, exactly once', async (_name, fault) => {
    const alerts = [raise(env, `Teams fault A ${JSON.stringify(fault)}`), raise(env, `Teams fault B ${JSON.stringify(fault)}`)];
    env.twin.teams.faults.inject('activities.send', fault, 2);
    const callsBefore = env.twin.teams.calls.length;

    await deliverUntil(env, () => alerts.every((alert) => cardsFor(env, channel, alert) > 0));

    const refused = env.twin.teams.calls.slice(callsBefore).filter((call) => call.status >= 429);
    expect(refused).toHaveLength(2);
    for (const alert of alerts) expect(cardsFor(env, channel, alert)).toBe(1);
    const [subscription] = await env.app.notifier.subscriptions.listSubscriptions(channel.id);
    expect(subscription.disabled).toBeFalsy();
  }, 40_000);
});
