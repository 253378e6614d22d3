/**
 * Incidents end to end: Teams twin -> the bot -> Microsoft Graph security twin, as the user who
 * typed or clicked (a Graph token from the same sign-in and the same sealed cache).
 */
import { GRAPH_API, SEEDED, SEEDED_USERS } from '../src/twin/directory';
import type { Conversation } from '../src/twin/teams';
import { askForCard, botMessages, cardText, eventually, startBotWithTwin, verbsOf, type BotWithTwin } from './support/bot-harness';

const { alice, bob, carol, dave, erin } = SEEDED_USERS;
let env: BotWithTwin;
let channel: Conversation;

beforeAll(async () => {
  env = await startBotWithTwin({}, { seed: 7 });
  const team = env.twin.teams.driver.createTeam({ name: 'SOC', members: [alice, bob, carol, erin] });
  await env.twin.teams.driver.install(team);
  channel = team.channels[0];
});
afterAll(() => env.close());

const ask = (user: string, text: string, conversation = channel) => askForCard(env.twin, user, conversation, text);

const graphTokenRequests = () => env.twin.entra.tokenRequests.filter((request) => request.scope.includes('graph.microsoft.com'));
const invokeBody = (click: { body: unknown }) => click.body as { statusCode: number; type: string; value: unknown };

/** Incidents with an alert in these device groups ('all': every incident). */
function incidentsIn(groups: string[] | 'all') {
  const { alerts, machines } = env.twin.defender.data;
  const visible = new Set(alerts.filter((alert) => {
    const group = machines.find((machine) => machine.id === alert.machineId)?.rbacGroupName;
    return groups === 'all' || (group !== null && group !== undefined && groups.includes(group));
  }).map((alert) => String(alert.incidentId)));
  return env.twin.graph.incidents().filter((incident) => visible.has(incident.id));
}

describe('incidents', () => {
  it('lists the newest active high incidents as the user, through Graph with their own token', async () => {
    const expected = incidentsIn('all').filter((incident) => incident.severity === 'high' && incident.status === 'active').slice(0, 5);
    const { card, text } = await ask(alice, 'incidents high 5');
    for (const incident of expected) expect(text).toContain(incident.id);
    expect(verbsOf(card).filter((verb) => verb === 'incident.open')).toHaveLength(expected.length);
    const request = env.twin.graph.requests.at(-1)!;
    expect(request).toMatchObject({ method: 'GET', status: 200, upn: 'alice@contoso.onmicrosoft.com' });
    expect(decodeURIComponent(request.path)).toContain("$filter=severity eq 'high' and status eq 'active'");
  });

  it('shows a responder only the incidents of their device groups; another incident is "not found"', async () => {
    const visible = incidentsIn(['Workstations']);
    const hidden = incidentsIn('all').find((incident) => !visible.some((v) => v.id === incident.id))!;
    const { text } = await ask(bob, 'incidents 50');
    const shownIds = [...text.matchAll(/^(\d+) · /gm)].map((match) => match[1]);
    expect(shownIds.length).toBeGreaterThan(0);
    for (const id of shownIds) expect(visible.map((incident) => incident.id)).toContain(id);
    const refused = await ask(bob, `incident ${hidden.id}`);
    expect(refused.text).toContain(`no incident ${hidden.id}`);
  });

  it('an incident card shows its alerts, devices, status, assignee and classification; Open on an alert posts the alert card', async () => {
    const incident = incidentsIn(['Workstations']).find((candidate) => candidate.status === 'active')!;
    const alerts = env.twin.defender.data.alerts.filter((alert) => String(alert.incidentId) === incident.id);
    const { id, card, text } = await ask(bob, `incident ${incident.id}`);
    expect(text).toContain(`Incident ${incident.id}`);
    expect(text).toContain(incident.displayName);
    for (const alert of alerts) expect(text).toContain(alert.title);
    expect(text).toContain(alerts[0].computerDnsName);
    expect(text).toContain('Active');
    expect(text).toContain('Open in Microsoft Defender');
    expect(verbsOf(card)).toEqual(expect.arrayContaining(['alert.open', 'incident.status', 'incident.classify']));
    const before = botMessages(env.twin, channel).length;
    await env.twin.teams.driver.click(bob, id, 'alert.open');
    const alertCard = await eventually(() => {
      const messages = botMessages(env.twin, channel);
      if (messages.length <= before) throw new Error('no alert card yet');
      return messages.at(-1)!;
    });
    expect(cardText(alertCard.cards[0])).toContain(alerts.sort((a, b) => b.alertCreationTime.localeCompare(a.alertCreationTime))[0].title);
  });

  it('triage on the card: one PATCH as the clicker, and the card is updated for everyone', async () => {
    const incident = incidentsIn(['Workstations']).find((candidate) => candidate.status === 'active' && !candidate.assignedTo?.match(/^(alice|bob)@/))!;
    const { id } = await ask(alice, `incident ${incident.id}`);
    const patches = () => env.twin.graph.requests.filter((request) => request.method === 'PATCH');
    const before = patches().length;
    const assign = await env.twin.teams.driver.click(bob, id, 'incident.assign');
    expect(invokeBody(assign).statusCode).toBe(200);
    expect(patches()).toHaveLength(before + 1);
    expect(patches().at(-1)).toMatchObject({ status: 200, upn: 'bob@contoso.onmicrosoft.com', path: `/v1.0/security/incidents/${incident.id}` });
    expect(env.twin.graph.incidents().find((candidate) => candidate.id === incident.id)!.assignedTo).toBe('bob@contoso.onmicrosoft.com');
    const message = env.twin.teams.driver.transcript(channel).find((entry) => entry.id === id)!;
    expect(cardText(message.cards[0])).toContain('bob@contoso.onmicrosoft.com');

    const classify = await env.twin.teams.driver.click(bob, id, 'incident.classify', { classification: 'truePositive/malware' });
    expect(invokeBody(classify).statusCode).toBe(200);
    expect(patches()).toHaveLength(before + 2);
    expect(env.twin.graph.incidents().find((candidate) => candidate.id === incident.id)).toMatchObject({ classification: 'truePositive', determination: 'malware' });
    await env.twin.teams.driver.click(bob, id, 'incident.status');
    expect(env.twin.graph.incidents().find((candidate) => candidate.id === incident.id)!.status).toBe('resolved');
    const updated = env.twin.teams.driver.transcript(channel).find((entry) => entry.id === id)!;
    expect(cardText(updated.cards[0])).toMatch(/Resolved[\s\S]*True positive · Malware|True positive · Malware[\s\S]*Resolved/);
  });

  it('a classification that is not offered is refused without a PATCH', async () => {
    const incident = incidentsIn('all')[0];
    const { id } = await ask(alice, `incident ${incident.id}`);
    const before = env.twin.graph.requests.filter((request) => request.method === 'PATCH').length;
    const click = await env.twin.teams.driver.click(alice, id, 'incident.classify', { classification: 'truePositive/whatever' });
    expect(cardText(invokeBody(click).value)).toContain('Choose a classification');
    expect(env.twin.graph.requests.filter((request) => request.method === 'PATCH')).toHaveLength(before);
  });

  it('a viewer\'s triage is refused by Graph with a clear message naming the role', async () => {
    const incident = incidentsIn('all')[1];
    const { id } = await ask(carol, `incident ${incident.id}`);
    const click = await env.twin.teams.driver.click(carol, id, 'incident.assign');
    expect(cardText(invokeBody(click).value)).toContain('Alerts investigation');
  });

  it('Graph throttling (429 with Retry-After beyond the answer window) gives a sentence, not a stack trace', async () => {
    env.twin.graph.setLimits([{ limit: 1, windowMs: 60_000 }]);
    try {
      await ask(alice, 'incidents');
      const { text } = await ask(alice, 'incidents');
      expect(env.twin.graph.requests.at(-1)).toMatchObject({ status: 429 });
      expect(text).toMatch(/busy, try again in \d+ s/);
    } finally {
      env.twin.graph.setLimits([{ limit: 150, windowMs: 60_000 }]);
    }
  });

  it('Swedish: the list and the card in sv-SE', async () => {
    env.twin.teams.driver.setLocale(carol, 'sv-SE');
    try {
      const list = await ask(carol, 'incidents');
      expect(list.text).toContain('Incidenter');
      expect(list.text).toContain('nyaste först');
      const card = await ask(carol, `incident ${incidentsIn('all')[2].id}`);
      expect(card.text).toContain('Tilldelad');
      expect(card.text).toContain('Klassificera');
    } finally {
      env.twin.teams.driver.setLocale(carol, 'en-US');
    }
  });

  it('a deployment without Graph consent says which Graph permission the admin must grant', async () => {
    const app = env.twin.directory.apps.get(SEEDED.botAppId)!;
    const saved = app.delegatedPermissions[GRAPH_API.appId];
    delete app.delegatedPermissions[GRAPH_API.appId];
    try {
      const { text } = await ask(dave, 'incidents');
      expect(text).toContain('SecurityIncident.Read.All');
      expect(graphTokenRequests().at(-1)).toMatchObject({ status: 400 });
    } finally {
      app.delegatedPermissions[GRAPH_API.appId] = saved;
    }
  });
  // Last: it moves Date forward for the rest of the file.
  it('one Graph token request per user per token lifetime, from the refresh token of the same sign-in', async () => {
    const before = graphTokenRequests().filter((request) => request.status === 200).length;
    await ask(alice, 'incidents 3');
    await ask(alice, 'incidents resolved 3');
    expect(graphTokenRequests().filter((request) => request.status === 200).length).toBe(before);
    // Date (msal's and the twin's clock) moves past the token's lifetime; timers and I/O stay real.
    jest.useFakeTimers({ advanceTimers: true, doNotFake: ['hrtime', 'nextTick', 'performance', 'queueMicrotask', 'setImmediate', 'clearImmediate', 'setInterval', 'clearInterval', 'setTimeout', 'clearTimeout'] });
    jest.setSystemTime(Date.now() + 3_600_000);
    await ask(alice, 'incidents 3');
    expect(graphTokenRequests().filter((request) => request.status === 200).length).toBe(before + 1);
  });
});
