/**
 * Alert triage typed in a channel: `assign` and `resolve` send one `PATCH /api/alerts/{id}` with
 * the typing user's own token, the alert's card is posted for everyone, and an audit line names
 * them. A viewer (no Alerts investigation) is refused with the permission named and nothing changes.
 */
import { SEEDED_USERS } from '../src/twin/directory';
import type { Conversation } from '../src/twin/teams';
import { cardText, eventually, freshWorkstation, lastBotCard, sayAndSignIn, socChannel, startBotWithTwin, verbsOf, type BotWithTwin } from './support/bot-harness';

const { alice, bob, carol } = SEEDED_USERS;
let env: BotWithTwin;
let channel: Conversation;

beforeAll(async () => {
  env = await startBotWithTwin();
  channel = await socChannel(env);
});
afterAll(() => env.close());

async function say(user: string, text: string, expected: RegExp): Promise<string> {
  await sayAndSignIn(env.twin, user, channel, text);
  return eventually(() => {
    const text = cardText(lastBotCard(env.twin, channel).card);
    if (!expected.test(text)) throw new Error(`not yet: ${text}`);
    return text;
  });
}

const patches = (alertId: string) => env.twin.defender.requests.filter((r) => r.method === 'PATCH' && r.path.includes(alertId));

function newAlert() {
  const machine = freshWorkstation(env.twin);
  return env.twin.defender.addAlert({ machineId: machine.id, severity: 'High', title: 'Credential theft' });
}

describe('assign and resolve, typed', () => {
  it('`assign <alert> me` assigns it to the typing user with one PATCH as them; the card and the audit log say so', async () => {
    const alert = newAlert();
    const card = await say(bob, `assign ${alert.id} me`, /bob@contoso\.onmicrosoft\.com/);
    expect(card).toContain('Credential theft');
    expect(patches(alert.id)).toHaveLength(1);
    expect(patches(alert.id)[0]).toMatchObject({ status: 200, upn: 'bob@contoso.onmicrosoft.com' });
    expect(patches(alert.id)[0].scopes).toContain('Alert.ReadWrite');
    expect(env.twin.defender.data.alerts.find((a) => a.id === alert.id)!.assignedTo).toBe('bob@contoso.onmicrosoft.com');
    const [entry] = await env.store.listAudit({ machineId: alert.machineId!, limit: 5 });
    expect(entry).toMatchObject({ action: 'AssignAlert', upn: 'bob@contoso.onmicrosoft.com', result: 'updated' });
    expect(entry.comment).toContain('assignedTo bob@contoso.onmicrosoft.com');
  });

  it('`assign <alert> <upn>` assigns it to someone else', async () => {
    const alert = newAlert();
    await say(bob, `assign ${alert.id} alice@contoso.onmicrosoft.com`, /alice@contoso\.onmicrosoft\.com/);
    expect(env.twin.defender.data.alerts.find((a) => a.id === alert.id)!.assignedTo).toBe('alice@contoso.onmicrosoft.com');
  });

  it('`resolve <alert> falsepositive clean <comment>` resolves it with the classification, determination and comment', async () => {
    const alert = newAlert();
    await say(bob, `resolve ${alert.id} falsepositive clean Test machine of the red team`, /Resolved/);
    expect(patches(alert.id)).toHaveLength(1);
    expect(patches(alert.id)[0].upn).toBe('bob@contoso.onmicrosoft.com');
    const stored = env.twin.defender.data.alerts.find((a) => a.id === alert.id)!;
    expect(stored).toMatchObject({ status: 'Resolved', classification: 'FalsePositive', determination: 'Clean' });
    expect(stored.comments?.map((c) => c.comment)).toContain('Test machine of the red team');
    const [entry] = await env.store.listAudit({ machineId: alert.machineId!, limit: 5 });
    expect(entry).toMatchObject({ action: 'ResolveAlert', result: 'updated', comment: expect.stringContaining('Test machine of the red team') });
  });

  it('a classification the bot does not know is answered with the syntax, nothing sent', async () => {
    const alert = newAlert();
    await say(bob, `resolve ${alert.id} maybe`, /resolve <alert id>/);
    expect(patches(alert.id)).toHaveLength(0);
  });

  it('a viewer is refused with the role permission and the API permission named; the alert is unchanged', async () => {
    const alert = newAlert();
    const assignedBefore = alert.assignedTo;
    const text = await say(carol, `assign ${alert.id} me`, /not allowed/i);
    expect(text).toContain('Alerts investigation');
    expect(text).toContain('Alert.ReadWrite');
    expect(patches(alert.id).every((r) => r.status === 403)).toBe(true);
    expect(env.twin.defender.data.alerts.find((a) => a.id === alert.id)!.assignedTo).toBe(assignedBefore);
    const [entry] = await env.store.listAudit({ limit: 1 });
    expect(entry).toMatchObject({ action: 'AssignAlert', upn: 'carol@contoso.onmicrosoft.com', result: 'refused' });
  });
});

describe('Assign to me on the alert card', () => {
  const message = (id: string) => env.twin.teams.driver.transcript(channel).find((m) => m.id === id)!;

  it('one PATCH as the clicker; the card is updated for everyone and no longer offers it to them', async () => {
    const alert = newAlert();
    await say(alice, `alert ${alert.id}`, /Credential theft/);
    const { id, card } = lastBotCard(env.twin, channel);
    expect(verbsOf(card)).toContain('alert.assign');
    const before = message(id).version;
    const answer = (await env.twin.teams.driver.click(bob, id, 'alert.assign')).body as { value: unknown };
    expect(patches(alert.id)).toHaveLength(1);
    expect(patches(alert.id)[0]).toMatchObject({ status: 200, upn: 'bob@contoso.onmicrosoft.com' });
    expect(cardText(answer.value)).toContain('bob@contoso.onmicrosoft.com');
    expect(verbsOf(answer.value)).not.toContain('alert.assign');
    expect(message(id).version).toBeGreaterThan(before);
    expect(cardText(message(id).cards[0])).toContain('bob@contoso.onmicrosoft.com');
    const [entry] = await env.store.listAudit({ machineId: alert.machineId!, limit: 5 });
    expect(entry).toMatchObject({ action: 'AssignAlert', upn: 'bob@contoso.onmicrosoft.com', result: 'updated' });
  });

  it('a viewer is refused with the permission named; nothing changes for anyone', async () => {
    const alert = newAlert();
    await say(alice, `alert ${alert.id}`, /Credential theft/);
    const { id } = lastBotCard(env.twin, channel);
    const before = message(id).version;
    await sayAndSignIn(env.twin, carol, channel, 'alerts');
    const answer = (await env.twin.teams.driver.click(carol, id, 'alert.assign')).body as { value: unknown };
    expect(cardText(answer.value)).toContain('Alerts investigation');
    expect(patches(alert.id).every((r) => r.status === 403)).toBe(true);
    expect(message(id).version).toBe(before);
  });
});
