/**
 * Entity shapes are checked at the API boundary (zod): tolerant of optional fields that are missing
 * or null (Microsoft's own Machine examples carry no `ipAddresses`), strict about what the bot acts
 * on. The twin seeds such a device and alerts on it; the bot shows them without an error.
 */
import { ALERT, MACHINE, MACHINE_ACTION } from '../src/defender/schemas';
import { SEEDED_USERS } from '../src/twin/directory';
import { sparseMachine } from '../src/twin/defender/seed';
import { cardText, eventually, lastBotCard, startBotWithTwin, type BotWithTwin } from './support/bot-harness';

const { alice } = SEEDED_USERS;
let env: BotWithTwin;

beforeAll(async () => {
  env = await startBotWithTwin();
});
afterAll(() => env.close());

async function ask(text: string): Promise<unknown> {
  const chat = env.twin.teams.driver.personalChat(alice);
  await env.twin.teams.driver.install(chat);
  const before = env.twin.teams.driver.transcript(chat).length;
  await env.twin.teams.driver.say(alice, chat, text);
  await env.twin.teams.driver.settled();
  return eventually(() => {
    if (env.twin.teams.driver.transcript(chat).length <= before + 1) throw new Error('no answer yet');
    return lastBotCard(env.twin, chat).card;
  });
}

describe('the device without ipAddresses and alerts with null arrays', () => {
  it('shows the device card', async () => {
    const sparse = sparseMachine(env.twin.defender.data)!;
    const card = await ask(`device ${sparse.computerDnsName}`);
    expect(cardText(card)).toContain(sparse.computerDnsName);
    expect(cardText(card)).not.toMatch(/could not be read|went wrong/i);
  });

  it('shows an alert on it', async () => {
    const sparse = sparseMachine(env.twin.defender.data)!;
    const alert = env.twin.defender.data.alerts.find((candidate) => candidate.machineId === sparse.id)!;
    const card = await ask(`alert ${alert.id}`);
    expect(cardText(card)).toContain(alert.title);
    expect(cardText(card)).not.toMatch(/could not be read|went wrong/i);
  });
});

it('looks a device up by IP with a timestamp a little in the past, never in the future', async () => {
  const machine = env.twin.defender.data.machines.find((candidate) => candidate.healthStatus === 'Active' && candidate.rbacGroupName === 'Workstations')!;
  const card = await ask(`device ${machine.lastIpAddress}`);
  expect(cardText(card)).toContain(machine.lastIpAddress);
  const lookup = env.twin.defender.requests.filter((request) => request.endpoint === 'machines.findByIp').at(-1)!;
  const sent = Date.parse(/timestamp=([^)]+)\)/.exec(decodeURIComponent(lookup.path))![1]);
  expect(sent).toBeLessThan(lookup.receivedAtMs);
  expect(lookup.receivedAtMs - sent).toBeLessThan(15 * 60_000);
});

describe('entity schemas', () => {
  const action = {
    id: '5382f7ea-7557-4ab7-9782-d50480024a4e', type: 'Isolate', status: 'Pending', machineId: '1e5bc9d7e413ddd7902c2932e418702b84d0cc07',
    creationDateTimeUtc: '2026-12-01T08:00:00.1234567Z', lastUpdateDateTimeUtc: '2026-12-01T08:00:00.1234567Z',
  };

  it('fills what a minimal action leaves out, and keeps fields Defender adds later', () => {
    const parsed = MACHINE_ACTION.parse({ ...action, newField: 1 });
    expect(parsed).toMatchObject({
      ok: true, value: { ...action, requestor: '', requestorComment: '', scope: null, commands: [], errorHResult: 0, newField: 1 },
    });
  });

  it('refuses an action without what the bot acts on: its status, type, device or times', () => {
    for (const field of ['id', 'type', 'status', 'machineId', 'creationDateTimeUtc', 'lastUpdateDateTimeUtc'] as const) {
      const { [field]: _left, ...rest } = action;
      expect([field, MACHINE_ACTION.parse(rest).ok]).toEqual([field, false]);
    }
    expect(MACHINE_ACTION.parse({ ...action, status: 42 }).ok).toBe(false);
    expect(MACHINE_ACTION.parse({ ...action, creationDateTimeUtc: 'yesterday' }).ok).toBe(false);
  });

  it('reads a Machine without ipAddresses and with null tags as empty lists; refuses one without id or name', () => {
    const machine = { id: '1e5bc9d7e413ddd7902c2932e418702b84d0cc07', computerDnsName: 'ws-0001.contoso.local', machineTags: null };
    expect(MACHINE.parse(machine)).toMatchObject({ ok: true, value: { ipAddresses: [], machineTags: [], rbacGroupName: null, isExcluded: false } });
    expect(MACHINE.parse({ computerDnsName: 'no id' }).ok).toBe(false);
    expect(MACHINE.parse({ id: machine.id }).ok).toBe(false);
  });

  it('reads an Alert with null arrays as empty; refuses one without id, severity, status or lastUpdateTime', () => {
    const alert = { id: 'da637472900382838869_1364969609', title: 'Suspicious PowerShell', severity: 'High', status: 'New', lastUpdateTime: '2026-12-01T08:00:00Z' };
    expect(ALERT.parse({ ...alert, mitreTechniques: null, evidence: null, comments: null })).toMatchObject({
      ok: true, value: { mitreTechniques: [], evidence: [], comments: [], domains: [], loggedOnUsers: [], assignedTo: null },
    });
    for (const field of ['id', 'severity', 'status', 'lastUpdateTime'] as const) {
      const { [field]: _left, ...rest } = alert;
      expect([field, ALERT.parse(rest).ok]).toEqual([field, false]);
    }
  });

  it('fills what objects inside an entity leave out: evidence, users, addresses; refuses a wrong type inside them', () => {
    const alert = {
      id: 'da637472900382838869_1364969609', title: 'Suspicious PowerShell', severity: 'High', status: 'New', lastUpdateTime: '2026-12-01T08:00:00Z',
      evidence: [{ entityType: 'File', sha1: null, extra: 'kept' }], relatedUser: { userName: 'frank' }, loggedOnUsers: [{ domainName: null }],
    };
    const parsed = ALERT.parse(alert);
    expect(parsed.ok && parsed.value.evidence[0]).toMatchObject({ entityType: 'File', sha1: null, fileName: null, processId: null, extra: 'kept' });
    expect(parsed.ok && [parsed.value.relatedUser, parsed.value.loggedOnUsers]).toEqual([{ userName: 'frank', domainName: '' }, [{ accountName: '', domainName: '' }]]);
    expect(ALERT.parse({ ...alert, evidence: [{ processId: 'not a number' }] }).ok).toBe(false);
    const machine = MACHINE.parse({ id: '1e5bc9d7e413ddd7902c2932e418702b84d0cc07', computerDnsName: 'ws-0001.contoso.local', ipAddresses: [{ ipAddress: '10.0.0.1' }] });
    expect(machine.ok && machine.value.ipAddresses).toEqual([{ ipAddress: '10.0.0.1', macAddress: null, type: '', operationalStatus: '' }]);
    expect(machine.ok && [machine.value.rbacGroupId, machine.value.vmMetadata]).toEqual([0, null]);
  });
});
