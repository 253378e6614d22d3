/**
 * The interactive (fallback) sign-in, the Teams way, end to end: when SSO cannot sign a user in
 * (consent missing, Conditional Access), Teams shows the sign-in button; the person presses it;
 * Teams opens the bot's /auth/start (only on a validDomains host), Entra's /authorize signs them in
 * with PKCE, /auth/end reports success through TeamsJS, and Teams sends signin/verifyState (chat)
 * or re-sends the card action with value.state. Forged and replayed states are refused.
 */
import { claimsChallenge } from '../src/twin/entra';
import { DEFENDER_API, type DirectoryUser, SEEDED, SEEDED_USERS } from '../src/twin/directory';
import type { Conversation } from '../src/twin/teams';
import {
  botMessages, cardText, eventually, isSignInCardFor, lastBotCard, startBotWithTwin, verbsOf, type BotWithTwin,
} from './support/bot-harness';

const { alice } = SEEDED_USERS;
const OAUTH_CARD = 'application/vnd.microsoft.card.oauth';
let env: BotWithTwin;
let userCount = 0;

beforeAll(async () => {
  env = await startBotWithTwin();
  env.twin.teams.driver.whenAskedToSignIn = 'press';
});
afterAll(() => env.close());

/** A new analyst in the directory (no token in the bot yet), with the given consent and Conditional Access. */
function newAnalyst(options: Partial<DirectoryUser> = {}): DirectoryUser {
  userCount += 1;
  const suffix = String(userCount).padStart(12, '0');
  return env.twin.directory.addUser({
    oid: `0a11ce00-0000-4000-8000-${suffix}`, upn: `analyst${userCount}@contoso.onmicrosoft.com`, displayName: `Analyst ${userCount}`,
    tenantId: SEEDED.tenantId, consented: false, defenderRole: 'admin', deviceGroups: 'all', ...options,
  });
}

async function channelWith(user: DirectoryUser): Promise<Conversation> {
  const team = env.twin.teams.driver.createTeam({ name: `SOC ${user.displayName}`, members: [user.oid, alice] });
  await env.twin.teams.driver.install(team);
  return team.channels[0];
}

async function signInCard(user: DirectoryUser, channel: Conversation, text: string): Promise<string> {
  const before = botMessages(env.twin, channel).length;
  await env.twin.teams.driver.say(user.oid, channel, text);
  await env.twin.teams.driver.settled();
  return botMessages(env.twin, channel).slice(before).find((entry) => isSignInCardFor(entry, user.oid))!.id;
}

const windowsOf = (user: DirectoryUser) => env.twin.teams.driver.signInWindows.filter((window) => window.userOid === user.oid);
const authorizeOf = (user: DirectoryUser) => env.twin.entra.interactive.authorizeRequests.filter((r) => r.params.login_hint === user.upn);
const oboOf = (since: number) => env.twin.entra.tokenRequests.slice(since).filter((r) => r.grantType.includes('jwt-bearer'));

describe('a user who has not consented, in a personal chat', () => {
  it('presses the OAuthCard\'s sign-in button, consents at Entra, and the command runs after signin/verifyState', async () => {
    const user = newAnalyst();
    const chat = env.twin.teams.driver.personalChat(user.oid);
    await env.twin.teams.driver.install(chat);

    await env.twin.teams.driver.say(user.oid, chat, 'alerts high');
    await env.twin.teams.driver.settled();

    const exchanges = env.twin.teams.driver.ssoExchanges.filter((exchange) => exchange.userOid === user.oid);
    expect(exchanges.map((exchange) => exchange.response?.status)).toEqual([412, 412]);
    const [window] = windowsOf(user);
    expect(window.refused).toBeUndefined();
    const publicUrl = env.twin.directory.apps.get(SEEDED.botAppId)!.redirectUris![0].replace(/\/auth\/end$/, '');
    expect(window.visited.map((url) => new URL(url).origin + new URL(url).pathname)).toEqual([
      `${publicUrl}/auth/start`, `${env.twin.entra.baseUrl}/${SEEDED.tenantId}/oauth2/v2.0/authorize`, `${publicUrl}/auth/end`,
    ]);
    const [authorize] = authorizeOf(user);
    expect(authorize.outcome).toBe('code');
    expect(authorize.params).toMatchObject({
      client_id: SEEDED.botAppId, response_type: 'code', redirect_uri: `${publicUrl}/auth/end`, code_challenge_method: 'S256',
      login_hint: user.upn, state: expect.any(String), code_challenge: expect.any(String),
    });
    expect(authorize.params.scope).toContain('https://api.securitycenter.microsoft.com/.default');
    expect(env.twin.directory.requireUser(user.oid).consented).toBe(true);
    expect(env.twin.entra.tokenRequests.filter((r) => r.grantType === 'authorization_code').at(-1)).toMatchObject({ status: 200 });
    expect(env.twin.teams.driver.verifyStates.at(-1)?.response.status).toBe(200);
    const result = await eventually(() => {
      const last = lastBotCard(env.twin, chat);
      if (!verbsOf(last.card).includes('alert.open')) throw new Error('no alert list yet');
      return last;
    });
    expect(cardText(result.card)).toMatch(/high/i);
    expect(env.twin.defender.requests.some((r) => r.upn === user.upn && r.status === 200)).toBe(true);
  });
});

describe('a user who has not consented, in a channel (the card button path)', () => {
  it('SSO fails with consent required, the fallback button signs them in, and the action is re-sent with value.state', async () => {
    const user = newAnalyst();
    const channel = await channelWith(user);
    const signIn = await signInCard(user, channel, 'alerts');

    const click = await env.twin.teams.driver.click(user.oid, signIn, 'signin.run');

    expect(click.invokes).toHaveLength(3);
    expect(click.invokes[1].value).toHaveProperty('authentication.token');
    expect(click.invokes[2].value).toMatchObject({ action: { verb: 'signin.run' }, state: expect.any(String) });
    expect(click.invokes[2].value).not.toHaveProperty('authentication');
    expect(click.body).toMatchObject({ statusCode: 200, type: 'application/vnd.microsoft.card.adaptive' });
    expect(cardText((click.body as { value: unknown }).value)).toContain(user.upn);
    await eventually(() => expect(verbsOf(lastBotCard(env.twin, channel).card)).toContain('alert.open'));
    expect(botMessages(env.twin, channel).some((m) => m.attachments.some((a) => a.contentType === OAUTH_CARD))).toBe(false);
  });
});

describe('Conditional Access on the Defender API', () => {
  it.each([['mfa', 50076], ['mfaRegistration', 50079]] as const)(
    '%s: OBO answers interaction_required (AADSTS%s) with claims; the sign-in carries the claims, then OBO works',
    async (requirement, code) => {
      const policy = { id: `ca-policy-${requirement}`, resourceAppId: DEFENDER_API.appId, requirement };
      const user = newAnalyst({ consented: true, conditionalAccess: [policy] });
      const channel = await channelWith(user);
      const since = env.twin.entra.tokenRequests.length;

      const click = await env.twin.teams.driver.click(user.oid, await signInCard(user, channel, 'alerts'), 'signin.run');

      const [refused] = oboOf(since);
      expect(refused).toMatchObject({ status: 400, error: 'interaction_required' });
      expect(refused.errorCodes).toEqual([code]);
      const [authorize] = authorizeOf(user);
      // msal-node merges its own id_token claims into the challenge; the access_token part travels unchanged.
      expect(JSON.parse(authorize.params.claims).access_token).toEqual(JSON.parse(claimsChallenge(policy)).access_token);
      expect(click.body).toMatchObject({ statusCode: 200 });
      await eventually(() => expect(verbsOf(lastBotCard(env.twin, channel).card)).toContain('alert.open'));

      // Signed out, the next sign-in is silent again: the policy was satisfied interactively.
      await env.twin.teams.driver.say(user.oid, channel, 'signout');
      const again = env.twin.entra.tokenRequests.length;
      const second = await env.twin.teams.driver.click(user.oid, await signInCard(user, channel, 'alerts low'), 'signin.run');
      expect(second.invokes).toHaveLength(2);
      expect(oboOf(again)).toMatchObject([{ status: 200 }]);
      expect(authorizeOf(user)).toHaveLength(1);
    },
  );
});

describe('states Teams passes back', () => {
  it('a forged state is refused with invalidAuthCode, and so is a replayed one', async () => {
    const user = newAnalyst();
    const channel = await channelWith(user);
    const signIn = await signInCard(user, channel, 'alerts');
    const action = (env.twin.teams.driver.transcript(channel).find((m) => m.id === signIn)!.cards[0] as { actions: { data: unknown }[] }).actions[0];
    const value = (state: string) => ({ action: { type: 'Action.Execute', verb: 'signin.run', data: action.data }, trigger: 'manual', state });

    const forged = await env.twin.teams.driver.invoke(user.oid, channel, 'adaptiveCard/action', value('A'.repeat(43)), { replyToId: signIn });
    expect(forged.response.body).toEqual({ statusCode: 401, type: 'application/vnd.microsoft.error.invalidAuthCode', value: null });

    const click = await env.twin.teams.driver.click(user.oid, signIn, 'signin.run');
    const { state } = click.invokes[2].value as { state: string };
    await env.twin.teams.driver.say(user.oid, channel, 'signout');
    const replayed = await env.twin.teams.driver.invoke(user.oid, channel, 'adaptiveCard/action', value(state), { replyToId: signIn });
    expect(replayed.response.body).toMatchObject({ statusCode: 401, type: 'application/vnd.microsoft.error.invalidAuthCode' });

    const chat = env.twin.teams.driver.personalChat(user.oid);
    const verify = await env.twin.teams.driver.invoke(user.oid, chat, 'signin/verifyState', { state });
    expect(verify.response.status).toBe(412);
  });

  it('someone else\'s sign-in code does not sign another user in', async () => {
    const owner = newAnalyst();
    const other = newAnalyst({ consented: true });
    const channel = await channelWith(owner);
    const click = await env.twin.teams.driver.click(owner.oid, await signInCard(owner, channel, 'alerts'), 'signin.run');
    const ownersState = (click.invokes[2].value as { state: string }).state;
    const chat = env.twin.teams.driver.personalChat(other.oid);
    await env.twin.teams.driver.install(chat);
    const verify = await env.twin.teams.driver.invoke(other.oid, chat, 'signin/verifyState', { state: ownersState });
    expect(verify.response.status).toBe(412);
  });
});

describe('a sign-in that does not succeed', () => {
  it('a person who declines consent: the page reports notifyFailure, Teams sends nothing, nothing runs as them', async () => {
    env.twin.entra.interactive.consentAnswer = 'decline';
    try {
      const user = newAnalyst();
      const channel = await channelWith(user);
      const click = await env.twin.teams.driver.click(user.oid, await signInCard(user, channel, 'alerts'), 'signin.run');
      expect(windowsOf(user).at(-1)?.result).toEqual({ kind: 'failure', reason: 'access_denied' });
      expect(click.invokes).toHaveLength(2);
      expect(click.body).toMatchObject({ statusCode: 401, type: 'application/vnd.microsoft.activity.loginRequest' });
      expect(env.twin.defender.requests.filter((r) => r.upn === user.upn)).toHaveLength(0);
    } finally {
      env.twin.entra.interactive.consentAnswer = 'accept';
    }
  });
});

describe('what Teams refuses', () => {
  it('a sign-in start URL whose host is not in the app package\'s validDomains is never opened', async () => {
    const { driver } = env.twin.teams;
    const installed = driver.appPackage;
    driver.appPackage = { validDomains: ['chatops.contoso.example'] };
    try {
      const user = newAnalyst();
      const channel = await channelWith(user);
      const since = env.twin.entra.interactive.authorizeRequests.length;
      const click = await driver.click(user.oid, await signInCard(user, channel, 'alerts'), 'signin.run');
      expect(windowsOf(user).at(-1)).toMatchObject({ refused: expect.stringMatching(/validDomains/), visited: [] });
      expect(click.invokes).toHaveLength(2);
      expect(env.twin.entra.interactive.authorizeRequests.length).toBe(since);
    } finally {
      driver.appPackage = installed;
    }
  });
});
