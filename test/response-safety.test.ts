/**
 * Responses follow the device's isolation state everywhere: a device, alert or typed command never
 * offers or accepts Isolate for an isolated device (Defender would hold it Pending and isolate the
 * device again after the next release, issue #5903), a pending action shows its status and can be
 * cancelled, and a stale card's click says what changed.
 */
import type { Machine } from '../src/defender/model';
import { SEEDED, SEEDED_USERS } from '../src/twin/directory';
import { WELL_KNOWN_DEVICES } from '../src/twin/defender/seed';
import type { Conversation } from '../src/twin/teams';
import { DEFENDER_RESOURCE } from './support/defender-twin-harness';
import { evidence } from './support/card-samples';
import { buttonData, cardText, eventually, lastBotCard, sayAndSignIn, socChannel, startBotWithTwin, verbsOf, type BotWithTwin, freshWorkstation } from './support/bot-harness';

const { alice, bob, carol } = SEEDED_USERS;
let env: BotWithTwin;
let channel: Conversation;

beforeAll(async () => {
  env = await startBotWithTwin();
  channel = await socChannel(env);
});
afterAll(() => env.close());

function machineNamed(name: string): Machine {
  return env.twin.defender.data.machines.find((m) => m.computerDnsName === name)!;
}


async function ask(user: string, text: string): Promise<{ id: string; card: unknown }> {
  const before = lastBotCardOrNone();
  await sayAndSignIn(env.twin, user, channel, text);
  await env.twin.teams.driver.settled();
  return eventually(() => {
    const last = lastBotCard(env.twin, channel);
    if (last.id === before) throw new Error('no answer yet');
    return last;
  });
}

function lastBotCardOrNone(): string | undefined {
  try {
    return lastBotCard(env.twin, channel).id;
  } catch {
    return undefined;
  }
}

function invokeCard(response: { body: unknown }): unknown {
  return (response.body as { value: unknown }).value;
}

const requestsTo = (endpoint: string, machine: Machine) =>
  env.twin.defender.requests.filter((r) => r.endpoint === endpoint && r.path.includes(machine.id));

/** Another analyst acting in the Defender portal (straight to the API, not through the bot). */
async function portalAction(user: string, machine: Machine, segment: 'isolate' | 'unisolate', comment: string): Promise<string> {
  const token = env.twin.entra.issueAccessToken({ clientId: SEEDED.botAppId, resource: DEFENDER_RESOURCE, userOid: user });
  const response = await fetch(`${env.twin.defender.baseUrl}/api/machines/${machine.id}/${segment}`, {
    method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body: JSON.stringify({ Comment: comment }),
  });
  expect(response.status).toBe(201);
  return ((await response.json()) as { id: string }).id;
}

describe('an isolated device', () => {
  const isolated = () => machineNamed(WELL_KNOWN_DEVICES.isolated);

  it('offers Release and never Isolate on its device card and on the card of its alert', async () => {
    const device = await ask(bob, `device ${isolated().computerDnsName}`);
    expect(verbsOf(device.card)).toEqual(['release.ask', 'scan.ask', 'restrict.ask', 'collect.ask']);
    const alert = env.twin.defender.data.alerts.find((a) => a.machineId === isolated().id)
      ?? env.twin.defender.addAlert({
        machineId: isolated().id, severity: 'High', title: 'On the isolated device',
        evidence: [evidence('File', { fileName: 'dropper.exe', sha256: 'c'.repeat(64) })],
      });
    const alertCard = await ask(bob, `alert ${alert.id}`);
    // Plus a Stop and quarantine for each file with a SHA-1 in the alert's evidence.
    expect(verbsOf(alertCard.card).filter((verb) => verb !== 'quarantine.ask')).toEqual(['release.ask', 'scan.ask', 'alert.triage', 'indicator.ask']);
  });

  it('answers a typed isolate with what is the case instead of a confirmation; nothing reaches Defender', async () => {
    const answer = await ask(bob, `isolate ${isolated().computerDnsName} again`);
    expect(cardText(answer.card)).toMatch(/out of date/);
    expect(cardText(answer.card)).toMatch(/already isolated/);
    expect(verbsOf(answer.card)).toEqual(['release.ask']);
    expect(requestsTo('machines.isolate', isolated())).toHaveLength(0);
  });
});

describe('a card that went stale', () => {
  it('refuses a confirmation for a device someone isolated meanwhile, before reaching Defender, and says what changed', async () => {
    const machine = freshWorkstation(env.twin);
    const device = await ask(bob, `device ${machine.computerDnsName}`);
    const confirmCard = invokeCard(await env.twin.teams.driver.click(bob, device.id, 'isolate.ask'));
    expect(verbsOf(confirmCard)).toContain('isolate.confirm');

    await portalAction(alice, machine, 'isolate', 'Isolated from the portal');
    env.twin.clock.advance(20_000);
    const click = await env.twin.teams.driver.click(bob, device.id, 'isolate.confirm', { comment: 'Late confirmation', isolationType: 'Full' });
    const answer = invokeCard(click);
    expect(cardText(answer)).toMatch(/out of date/);
    expect(cardText(answer)).toMatch(/already isolated.*alice@contoso\.onmicrosoft\.com/s);
    expect(verbsOf(answer)).toEqual(['release.ask']);
    expect(requestsTo('machines.isolate', machine).filter((r) => r.upn === 'bob@contoso.onmicrosoft.com')).toHaveLength(0);
  });

  it('a Release clicked on an old card of a device that is not isolated gets the card of its current state', async () => {
    const machine = freshWorkstation(env.twin);
    await portalAction(alice, machine, 'isolate', 'Isolated for triage');
    env.twin.clock.advance(20_000);
    const device = await ask(bob, `device ${machine.computerDnsName}`);
    expect(verbsOf(device.card)).toEqual(['release.ask', 'scan.ask', 'restrict.ask', 'collect.ask']);
    await portalAction(alice, machine, 'unisolate', 'Released from the portal');
    env.twin.clock.advance(20_000);
    const answer = invokeCard(await env.twin.teams.driver.click(bob, device.id, 'release.ask'));
    expect(cardText(answer)).toMatch(/is not isolated/);
    expect(verbsOf(answer)).toEqual(['isolate.ask']);
  });
});

describe('a pending action', () => {
  it('shows its status with a Cancel button instead of Isolate or Release; Cancel cancels it as the clicker, with a comment', async () => {
    const machine = freshWorkstation(env.twin);
    const actionId = await portalAction(alice, machine, 'isolate', 'Isolation that should not happen');
    const device = await ask(bob, `device ${machine.computerDnsName}`);
    expect(cardText(device.card)).toMatch(/Isolation in progress/);
    expect(verbsOf(device.card)).toEqual(['action.cancel', 'scan.ask', 'restrict.ask', 'collect.ask']);

    const click = await env.twin.teams.driver.click(bob, device.id, 'action.cancel');
    const answer = invokeCard(click);
    expect(cardText(answer)).toMatch(/Cancelled/);
    const cancels = env.twin.defender.requests.filter((r) => r.endpoint === 'machineActions.cancel' && r.path.includes(actionId));
    expect(cancels).toEqual([expect.objectContaining({ status: 200, upn: 'bob@contoso.onmicrosoft.com' })]);
    const action = env.twin.defender.data.actions.find((a) => a.id === actionId)!;
    expect(action).toMatchObject({ status: 'Cancelled', cancellationRequestor: 'bob@contoso.onmicrosoft.com' });
    expect(action.cancellationComment).toMatch(/Cancelled in Microsoft Teams by bob@/);
    // Everyone sees the cancelled action on the card now.
    const base = env.twin.teams.driver.transcript(channel).find((m) => m.id === device.id)!;
    expect(cardText(base.cards[0])).toMatch(/Cancelled/);
    const audit = await env.store.listAudit({ machineId: machine.id, limit: 5 });
    expect(audit[0]).toMatchObject({ action: 'Cancel Isolate', upn: 'bob@contoso.onmicrosoft.com', result: 'requested', defenderActionId: actionId });
  });

  it("shows Defender's stuck duplicate isolation on an isolated device, offers only Cancel, and a click after it ended says so", async () => {
    const machine = freshWorkstation(env.twin);
    await portalAction(alice, machine, 'isolate', 'First isolation');
    env.twin.clock.advance(20_000);
    const stuckId = await portalAction(alice, machine, 'isolate', 'Duplicate isolation');
    env.twin.clock.advance(20_000);
    const device = await ask(bob, `device ${machine.computerDnsName}`);
    expect(cardText(device.card)).toMatch(/another isolation is waiting/);
    expect(verbsOf(device.card)).toEqual(['action.cancel', 'scan.ask', 'restrict.ask', 'collect.ask']);
    expect(buttonData(device.card, 'action.cancel')).toMatchObject({ p: expect.objectContaining({ actionId: stuckId }) });

    // Carol (a viewer) may not cancel it: Defender refuses her, and the card says which role is missing.
    const refused = invokeCard(await env.twin.teams.driver.click(carol, device.id, 'action.cancel'));
    expect(cardText(refused)).toContain('Active remediation actions');
    expect(env.twin.defender.data.actions.find((a) => a.id === stuckId)!.status).toBe('Pending');

    await portalAction(alice, machine, 'unisolate', 'Release');
    env.twin.clock.advance(60_000);
    const late = invokeCard(await env.twin.teams.driver.click(bob, device.id, 'action.cancel'));
    expect(cardText(late)).toMatch(/has already ended: Succeeded/);
  });
});
