/**
 * Alert triage, typed and on the cards: `assign`, `resolve`, Assign to me and the triage form each
 * send one `PATCH /api/alerts/{id}` with the acting user's own token, the card is updated for
 * everyone (on every notification card of the alert too), and an audit line names them. A viewer
 * (no Alerts investigation) is refused with the permission named and nothing changes.
 */
import { DETERMINATIONS, type AlertClassification } from '../src/defender/alert-triage';
import { SEEDED_USERS } from '../src/twin/directory';
import type { Conversation } from '../src/twin/teams';
import { buttonData, cardText, eventually, installedTeam, freshWorkstation, lastBotCard, sayAndSignIn, socChannel, startBotWithTwin, verbsOf, type BotWithTwin } from './support/bot-harness';

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

/** The choices of a card's Input.ChoiceSet with this id. */
function choicesOf(card: unknown, id: string): { title: string; value: string }[] {
  const body = (card as { body: { id?: string; choices?: { title: string; value: string }[] }[] }).body;
  return body.find((element) => element.id === id)?.choices ?? [];
}

describe('the triage form on the alert card', () => {
  const message = (id: string) => env.twin.teams.driver.transcript(channel).find((m) => m.id === id)!;

  async function openForm(user: string, alertId: string) {
    await say(alice, `alert ${alertId}`, /Credential theft/);
    const { id, card } = lastBotCard(env.twin, channel);
    expect(verbsOf(card)).toContain('alert.triage');
    const form = (await env.twin.teams.driver.click(user, id, 'alert.triage')).body as { value: unknown };
    return { id, form: form.value };
  }

  it('offers status, and each classification only with the determinations Defender allows for it', async () => {
    const alert = newAlert();
    const { id, form } = await openForm(bob, alert.id);
    expect(choicesOf(form, 'status').map((c) => c.value)).toEqual(['New', 'InProgress', 'Resolved']);
    const verdicts = choicesOf(form, 'verdict').map((c) => c.value).filter((value) => value !== 'keep');
    expect(verdicts).toHaveLength(Object.values(DETERMINATIONS).flat().length);
    for (const value of verdicts) {
      const [classification, determination] = value.split(':') as [AlertClassification, string];
      expect(DETERMINATIONS[classification] as readonly string[]).toContain(determination);
    }
    expect(verbsOf(form)).toEqual(['alert.triage.save', 'alert.refresh']);
    // Opening the form reads the alert; it changes nothing, for anyone.
    expect(patches(alert.id)).toHaveLength(0);
    expect(message(id).version).toBe(1);
  });

  it('Save: one PATCH as the clicker with status, classification, determination and comment; the card is updated for everyone; an audit line', async () => {
    const alert = newAlert();
    const { id, form } = await openForm(bob, alert.id);
    const data = buttonData(form, 'alert.triage.save');
    const answer = (await env.twin.teams.driver.click(bob, id, 'alert.triage.save', {
      ...data, status: 'Resolved', verdict: 'TruePositive:Malware', comment: 'Dropper from the phishing wave',
    })).body as { value: unknown };
    expect(patches(alert.id)).toHaveLength(1);
    expect(patches(alert.id)[0]).toMatchObject({ status: 200, upn: 'bob@contoso.onmicrosoft.com' });
    expect(patches(alert.id)[0].scopes).toContain('Alert.ReadWrite');
    const stored = env.twin.defender.data.alerts.find((a) => a.id === alert.id)!;
    expect(stored).toMatchObject({ status: 'Resolved', classification: 'TruePositive', determination: 'Malware' });
    expect(stored.comments?.map((c) => c.comment)).toContain('Dropper from the phishing wave');
    expect(cardText(answer.value)).toContain('True positive: Malware');
    expect(message(id).version).toBeGreaterThan(1);
    expect(cardText(message(id).cards[0])).toMatch(/Resolved[\s\S]*True positive: Malware/);
    const [entry] = await env.store.listAudit({ machineId: alert.machineId!, limit: 5 });
    expect(entry).toMatchObject({ action: 'UpdateAlert', upn: 'bob@contoso.onmicrosoft.com', result: 'updated' });
    expect(entry.comment).toContain('determination Malware');
  });

  it('the same Save sent twice (a double click, a re-sent invoke) reaches Defender once', async () => {
    const alert = newAlert();
    const { id, form } = await openForm(bob, alert.id);
    const inputs = { ...buttonData(form, 'alert.triage.save'), status: 'InProgress', verdict: 'keep', comment: 'Looking into it' };
    await env.twin.teams.driver.click(bob, id, 'alert.triage.save', inputs);
    const again = await env.twin.teams.driver.invoke(bob, channel, 'adaptiveCard/action', {
      action: { type: 'Action.Execute', verb: 'alert.triage.save', data: inputs }, trigger: 'manual',
    }, { replyToId: id });
    expect(cardText((again.response.body as { value: unknown }).value)).toContain('already sent');
    expect(patches(alert.id)).toHaveLength(1);
    expect(env.twin.defender.data.alerts.find((a) => a.id === alert.id)!.comments?.filter((c) => c.comment === 'Looking into it')).toHaveLength(1);
  });

  it('a crafted Save with a determination the classification does not allow is refused by the bot; nothing is sent', async () => {
    const alert = newAlert();
    const { id, form } = await openForm(bob, alert.id);
    const data = buttonData(form, 'alert.triage.save');
    const answer = (await env.twin.teams.driver.click(bob, id, 'alert.triage.save', { ...data, status: 'Resolved', verdict: 'FalsePositive:Malware' })).body as { value: unknown };
    expect(cardText(answer.value)).toContain('Choose a classification with one of its determinations');
    expect(patches(alert.id)).toHaveLength(0);
  });

  it('a viewer\'s Save is refused by Defender with the permission named; the alert and the card stay as they were', async () => {
    const alert = newAlert();
    const { id, form } = await openForm(carol, alert.id);
    const data = buttonData(form, 'alert.triage.save');
    const answer = (await env.twin.teams.driver.click(carol, id, 'alert.triage.save', { ...data, status: 'InProgress' })).body as { value: unknown };
    expect(cardText(answer.value)).toContain('Alerts investigation');
    expect(cardText(answer.value)).toContain('Alert.ReadWrite');
    expect(patches(alert.id).map((r) => r.status)).toEqual([403]);
    expect(env.twin.defender.data.alerts.find((a) => a.id === alert.id)!.status).toBe('New');
    expect(message(id).version).toBe(1);
    const [entry] = await env.store.listAudit({ limit: 1 });
    expect(entry).toMatchObject({ action: 'UpdateAlert', upn: 'carol@contoso.onmicrosoft.com', result: 'refused' });
  });
});

describe('every notification card of the alert follows a triage change', () => {
  let first: Conversation;
  let second: Conversation;

  beforeAll(async () => {
    [first, second] = await installedTeam(env, [alice, bob, carol], ['Tier 2']);
    await say2(first, 'subscribe high group Workstations');
    await say2(second, 'subscribe high group Workstations');
  });

  async function say2(conversation: Conversation, text: string): Promise<void> {
    await sayAndSignIn(env.twin, bob, conversation, text);
    await eventually(() => {
      if (!/Subscribed/.test(cardText(lastBotCard(env.twin, conversation).card))) throw new Error('not subscribed yet');
    });
  }

  async function deliver(): Promise<void> {
    await env.app.notifier.poller.pollOnce();
    await env.app.notifier.sender.drainOnce();
  }

  const notificationOf = (conversation: Conversation, title: string) => env.twin.teams.driver.transcript(conversation)
    .find((m) => m.from === 'bot' && cardText(m.cards[0]).includes(title))!;

  it('Assign to me in one channel: that card at once, the other channel\'s card through the outbox, showing only what it showed before', async () => {
    await deliver();
    const machine = freshWorkstation(env.twin);
    const alert = env.twin.defender.addAlert({ machineId: machine.id, severity: 'High', title: 'Notified twice: LSASS access' });
    env.twin.clock.advance(1000);
    await deliver();
    await deliver();
    const here = notificationOf(first, alert.title);
    const there = notificationOf(second, alert.title);
    expect(there).toBeDefined();
    const versionThere = there.version;
    await env.twin.teams.driver.click(bob, here.id, 'alert.assign');
    expect(patches(alert.id)).toHaveLength(1);
    const clicked = cardText(notificationOf(first, alert.title).cards[0]);
    expect(clicked).toContain('bob@contoso.onmicrosoft.com');
    // Everyone there sees the vouched part, not what Bob's own reading of the alert holds.
    expect(clicked).not.toContain(alert.description);
    await env.app.notifier.sender.drainOnce();
    const updated = notificationOf(second, alert.title);
    expect(updated.version).toBeGreaterThan(versionThere);
    const text = cardText(updated.cards[0]);
    expect(text).toContain('bob@contoso.onmicrosoft.com');
    expect(alert.description).not.toBe('');
    // The vouched part only: no description, as the card posted with the app's token showed none.
    expect(text).not.toContain(alert.description);
    // Only the one PATCH as Bob reached Defender; the follow-up of the other card read nothing as him.
    expect(env.twin.defender.requests.filter((r) => r.path.includes(alert.id) && r.upn === 'bob@contoso.onmicrosoft.com').map((r) => r.method)).toEqual(['PATCH', 'GET']);
    // The next poll sees nothing left to update.
    const versionAfter = notificationOf(second, alert.title).version;
    env.twin.clock.advance(1000);
    await deliver();
    expect(notificationOf(second, alert.title).version).toBe(versionAfter);
  });
});
