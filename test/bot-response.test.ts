/**
 * One-click response end to end: Isolate -> confirmation -> Defender isolate with the clicking
 * user's own token -> the card follows the action to Succeeded -> Release is offered. Permission
 * refusals, double clicks and forged card data never reach Defender as a response action.
 */
import { SEEDED_USERS } from '../src/twin/directory';
import type { Machine } from '../src/defender/model';
import type { Conversation } from '../src/twin/teams';
import { cardText, eventually, lastBotCard, sayAndSignIn, socChannel, startBotWithTwin, verbsOf, buttonData, type BotWithTwin, freshWorkstation } from './support/bot-harness';

const { alice, bob, carol } = SEEDED_USERS;
const ADAPTIVE = 'application/vnd.microsoft.card.adaptive';
let env: BotWithTwin;
let channel: Conversation;

beforeAll(async () => {
  env = await startBotWithTwin();
  channel = await socChannel(env);
});
afterAll(() => env.close());


async function deviceCard(user: string, machine: Machine): Promise<{ id: string; card: unknown }> {
  await sayAndSignIn(env.twin, user, channel, `device ${machine.computerDnsName}`);
  return eventually(() => {
    const last = lastBotCard(env.twin, channel);
    if (!cardText(last.card).includes(machine.computerDnsName)) throw new Error('no device card yet');
    return last;
  });
}

function invokeBody(response: { body: unknown }): { statusCode: number; type: string; value: unknown } {
  return response.body as { statusCode: number; type: string; value: unknown };
}

const isolateRequests = (machine: Machine) =>
  env.twin.defender.requests.filter((r) => r.endpoint === 'machines.isolate' && r.path.includes(machine.id));

describe('isolate, then release, from a device card in a channel', () => {
  const comment = 'Ransomware alert 4711: isolating pending triage';
  let machine: Machine;
  let messageId: string;

  beforeAll(async () => {
    machine = freshWorkstation(env.twin);
    messageId = (await deviceCard(bob, machine)).id;
  });

  it('Isolate turns the card into a confirmation for the clicking user only', async () => {
    const versionBefore = env.twin.teams.driver.transcript(channel).find((m) => m.id === messageId)!.version;
    const click = await env.twin.teams.driver.click(bob, messageId, 'isolate.ask');
    const outcome = invokeBody(click);
    expect(outcome.statusCode).toBe(200);
    expect(outcome.type).toBe(ADAPTIVE);
    expect(verbsOf(outcome.value)).toEqual(expect.arrayContaining(['isolate.confirm', 'response.cancel']));
    expect(JSON.stringify(outcome.value)).toContain('"isRequired":true');
    expect(env.twin.teams.driver.transcript(channel).find((m) => m.id === messageId)!.version).toBe(versionBefore);
    expect(isolateRequests(machine)).toHaveLength(0);
  });

  it("Confirm sends exactly one isolate to Defender, with the responder's own delegated token and comment", async () => {
    const click = await env.twin.teams.driver.click(bob, messageId, 'isolate.confirm', { comment, isolationType: 'Full' });
    expect(invokeBody(click).statusCode).toBe(200);
    const requests = isolateRequests(machine);
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({ status: 201, upn: 'bob@contoso.onmicrosoft.com' });
    expect(requests[0].scopes).toContain('Machine.Isolate');
    const action = env.twin.defender.data.actions.find((a) => a.machineId === machine.id && a.type === 'Isolate')!;
    expect(action).toMatchObject({ requestor: 'bob@contoso.onmicrosoft.com', requestorComment: comment, scope: 'Full' });
    // Everyone in the channel now sees the action on the card, with who asked.
    const base = env.twin.teams.driver.transcript(channel).find((m) => m.id === messageId)!;
    expect(cardText(base.cards[0])).toMatch(/bob@contoso\.onmicrosoft\.com|Bob Responder/);
    expect(cardText(base.cards[0])).toMatch(/Pending|In progress/i);
  });

  it('the card follows the action to Succeeded and then offers Release; `device` says isolated', async () => {
    env.twin.clock.advance(20_000);
    const base = await eventually(() => {
      const entry = env.twin.teams.driver.transcript(channel).find((m) => m.id === messageId)!;
      if (!/Succeeded/i.test(cardText(entry.cards[0]))) throw new Error('not final yet');
      return entry;
    });
    expect(verbsOf(base.cards[0])).toContain('release.ask');
    const { card } = await deviceCard(alice, machine);
    expect(cardText(card)).toMatch(/Isolated/);
    expect(verbsOf(card)).toContain('release.ask');
  });

  it('a viewer who clicks Release gets a clear permission message; no unisolate happens and the card is unchanged for others', async () => {
    const before = env.twin.teams.driver.transcript(channel).find((m) => m.id === messageId)!;
    await env.twin.teams.driver.click(carol, messageId, 'release.ask');
    const refused = await env.twin.teams.driver.click(carol, messageId, 'release.confirm', { comment: 'false positive' });
    const outcome = invokeBody(refused);
    expect(outcome.statusCode).toBe(200);
    expect(cardText(outcome.value)).toMatch(/not allowed/i);
    expect(cardText(outcome.value)).toContain('Active remediation actions');
    const unisolates = env.twin.defender.requests.filter((r) => r.endpoint === 'machines.unisolate' && r.path.includes(machine.id));
    expect(unisolates.every((r) => r.status === 403)).toBe(true);
    expect(env.twin.defender.data.actions.filter((a) => a.machineId === machine.id && a.type === 'Unisolate')).toHaveLength(0);
    const after = env.twin.teams.driver.transcript(channel).find((m) => m.id === messageId)!;
    expect(after.version).toBe(before.version);
  });

  it('the responder releases it the same way and the device is no longer isolated', async () => {
    await env.twin.teams.driver.click(bob, messageId, 'release.ask');
    await env.twin.teams.driver.click(bob, messageId, 'release.confirm', { comment: 'Triage done, clean' });
    env.twin.clock.advance(20_000);
    await eventually(() => {
      const entry = env.twin.teams.driver.transcript(channel).find((m) => m.id === messageId)!;
      if (!verbsOf(entry.cards[0]).includes('isolate.ask')) throw new Error('not released yet');
    });
    const { card } = await deviceCard(alice, machine);
    expect(cardText(card)).toMatch(/Not isolated/);
  });
});

describe('untrusted card data', () => {
  it('a double click (the same confirmation twice at once) makes one Defender request', async () => {
    const machine = freshWorkstation(env.twin);
    const { id } = await deviceCard(bob, machine);
    const confirmCard = invokeBody(await env.twin.teams.driver.click(bob, id, 'isolate.ask')).value;
    const confirm = { data: buttonData(confirmCard, 'isolate.confirm') };
    const value = { action: { type: 'Action.Execute', verb: 'isolate.confirm', data: { ...confirm.data, comment: 'double', isolationType: 'Full' } }, trigger: 'manual' };
    const send = () => env.twin.teams.driver.invoke(bob, channel, 'adaptiveCard/action', value, { replyToId: id });
    const [first, second] = await Promise.all([send(), send()]);
    expect([first.response.status, second.response.status]).toEqual([200, 200]);
    expect(isolateRequests(machine)).toHaveLength(1);
  });

  it('a crafted invoke that swaps the device id is refused and reaches Defender not at all', async () => {
    const machine = freshWorkstation(env.twin);
    const other = env.twin.defender.data.machines.find((m) => m.rbacGroupName === 'Servers')!;
    const { id } = await deviceCard(alice, machine);
    const confirm = { data: buttonData(invokeBody(await env.twin.teams.driver.click(alice, id, 'isolate.ask')).value, 'isolate.confirm') };
    const forged = { ...confirm.data, p: { machineId: other.id }, comment: 'forged', isolationType: 'Full' };
    const { response } = await env.twin.teams.driver.invoke(alice, channel, 'adaptiveCard/action',
      { action: { type: 'Action.Execute', verb: 'isolate.confirm', data: forged }, trigger: 'manual' }, { replyToId: id });
    expect(invokeBody(response)).toMatchObject({ statusCode: 400, type: 'application/vnd.microsoft.error' });
    expect(isolateRequests(other)).toHaveLength(0);
    expect(isolateRequests(machine)).toHaveLength(0);
  });

  it('a button replayed into another conversation is refused', async () => {
    const machine = freshWorkstation(env.twin);
    const { id } = await deviceCard(alice, machine);
    const confirm = { data: buttonData(invokeBody(await env.twin.teams.driver.click(alice, id, 'isolate.ask')).value, 'isolate.confirm') };
    const elsewhere = env.twin.teams.driver.personalChat(alice);
    await env.twin.teams.driver.install(elsewhere);
    const { response } = await env.twin.teams.driver.invoke(alice, elsewhere, 'adaptiveCard/action',
      { action: { type: 'Action.Execute', verb: 'isolate.confirm', data: { ...confirm.data, comment: 'replay', isolationType: 'Full' } }, trigger: 'manual' });
    expect(invokeBody(response).statusCode).toBe(400);
    expect(isolateRequests(machine)).toHaveLength(0);
  });

  it('an unsigned request to /api/messages is refused with 401', async () => {
    const activity = env.twin.teams.driver.messageActivity(alice, channel, 'alerts');
    const response = await env.twin.teams.driver.post(activity, { authorization: null });
    expect(response.status).toBe(401);
  });
});

describe('card actions and sign-in', () => {
  it('a click without a token answers 401 loginRequest; Teams re-sends with the SSO token and the click completes', async () => {
    const bobChat = env.twin.teams.driver.groupChat([bob, carol]);
    await env.twin.teams.driver.install(bobChat);
    await env.twin.teams.driver.say(carol, bobChat, 'alerts high 3');
    await env.twin.teams.driver.settled();
    const list = await eventually(() => lastBotCard(env.twin, bobChat));
    // After signing out, Bob's next click needs sign-in again.
    await env.twin.teams.driver.say(bob, bobChat, 'signout');
    const click = await env.twin.teams.driver.click(bob, list.id, 'alert.open');
    expect(click.invokes).toHaveLength(2);
    expect(click.invokes[1].value).toMatchObject({ authentication: { token: expect.any(String) } });
    expect(invokeBody(click).statusCode).toBe(200);
  });
});
