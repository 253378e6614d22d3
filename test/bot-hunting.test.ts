/**
 * `hunt` end to end: Teams twin -> the bot -> Graph runHuntingQuery on the twin, as the user who
 * typed it; each canned hunt and a typed query return the rows of the twin's hunting tables.
 */
import { SEEDED_USERS } from '../src/twin/directory';
import type { HuntingRow } from '../src/twin/graph/hunting-tables';
import type { Conversation } from '../src/twin/teams';
import { askForCard, startBotWithTwin, type BotWithTwin } from './support/bot-harness';

const { alice, bob } = SEEDED_USERS;
let env: BotWithTwin;
let chat: Conversation;

beforeAll(async () => {
  env = await startBotWithTwin({}, { seed: 7 });
  chat = env.twin.teams.driver.groupChat([alice, bob]);
  await env.twin.teams.driver.install(chat);
});
afterAll(() => env.close());

const ask = (user: string, text: string) => askForCard(env.twin, user, chat, text);

const tables = () => env.twin.graph.huntingTables();
const lastQuery = () => env.twin.graph.requests.filter((request) => request.path === '/v1.0/security/runHuntingQuery').at(-1)!;
const rowCount = (text: string) => Number(/(\d+) rows/.exec(text)?.[1]);
const recent = (row: HuntingRow, hours: number) => String(row.Timestamp) > new Date(env.twin.clock.now() - hours * 3_600_000).toISOString();

describe('canned hunts', () => {
  it('hunt hash <sha256>: every process run of that file, on the devices the user can see', async () => {
    const process = tables().DeviceProcessEvents.rows.find((row) => recent(row, 30 * 24))!;
    const expected = tables().DeviceProcessEvents.rows.filter((row) => row.SHA256 === process.SHA256 && recent(row, 30 * 24));
    const { text } = await ask(alice, `hunt hash ${String(process.SHA256).toUpperCase()}`);
    expect(rowCount(text)).toBe(expected.length);
    expect(text).toContain(String(process.DeviceName));
    expect(text).toContain(`SHA256 == "${process.SHA256}"`);
    expect(text).toContain('Run in Microsoft Defender');
    expect(lastQuery()).toMatchObject({ status: 200, upn: 'alice@contoso.onmicrosoft.com' });
  });

  it('hunt hash <sha1> searches SHA1', async () => {
    const process = tables().DeviceProcessEvents.rows.find((row) => recent(row, 30 * 24))!;
    const { text } = await ask(alice, `hunt hash ${process.SHA1}`);
    expect(text).toContain(`SHA1 == "${process.SHA1}"`);
    expect(rowCount(text)).toBeGreaterThan(0);
  });

  it('hunt logons <device> [window]: who logged on there', async () => {
    const logon = tables().DeviceLogonEvents.rows.find((row) => recent(row, 7 * 24))!;
    const device = String(logon.DeviceName).split('.')[0];
    const expected = tables().DeviceLogonEvents.rows.filter((row) => String(row.DeviceName).startsWith(device) && recent(row, 7 * 24));
    const { text } = await ask(alice, `hunt logons ${device} 7d`);
    expect(rowCount(text)).toBe(expected.length);
    expect(text).toContain(String(logon.AccountName));
  });

  it('hunt ip <address>: the devices that contacted it', async () => {
    const connection = tables().DeviceNetworkEvents.rows.find((row) => row.RemoteIP && recent(row, 30 * 24))!;
    const expected = tables().DeviceNetworkEvents.rows.filter((row) => row.RemoteIP === connection.RemoteIP && recent(row, 30 * 24));
    const { text } = await ask(alice, `hunt ip ${connection.RemoteIP}`);
    expect(rowCount(text)).toBe(expected.length);
    expect(text).toContain(String(connection.DeviceName));
  });

  it('hunt process <name> [device]: where a process ran', async () => {
    const process = tables().DeviceProcessEvents.rows.find((row) => recent(row, 30 * 24))!;
    const name = String(process.FileName);
    const expected = tables().DeviceProcessEvents.rows.filter((row) => String(row.FileName).toLowerCase() === name.toLowerCase() && recent(row, 30 * 24));
    const { text } = await ask(alice, `hunt process ${name}`);
    expect(rowCount(text)).toBe(expected.length);
    const device = String(process.DeviceName).split('.')[0];
    const onDevice = await ask(alice, `hunt process ${name} ${device}`);
    expect(rowCount(onDevice.text)).toBe(expected.filter((row) => String(row.DeviceName).startsWith(device)).length);
  });

  it('bad input to a canned hunt gets the usage, and nothing is sent to Graph', async () => {
    const before = env.twin.graph.requests.length;
    const { text } = await ask(alice, 'hunt hash not-a-hash');
    expect(text).toContain('hunt hash <sha1|sha256>');
    expect(env.twin.graph.requests.length).toBe(before);
  });
});

describe('typed KQL', () => {
  it('runs as typed (typographic quotes straightened) and shows the first rows with the count', async () => {
    const { text } = await ask(alice, 'hunt AlertInfo | where Severity == “High” | summarize count() by Category');
    const expected = new Set(tables().AlertInfo.rows.filter((row) => row.Severity === 'High' && recent(row, 30 * 24)).map((row) => row.Category));
    expect(rowCount(text)).toBe(expected.size);
    expect(text).toContain('count_');
  });

  it('is scoped to the user\'s device groups', async () => {
    const everyone = rowCount((await ask(alice, 'hunt DeviceInfo | project DeviceName, MachineGroup')).text);
    const workstations = tables().DeviceInfo.rows.filter((row) => row.MachineGroup === 'Workstations' && recent(row, 30 * 24)).length;
    expect(rowCount((await ask(bob, 'hunt DeviceInfo | project DeviceName, MachineGroup')).text)).toBe(workstations);
    expect(workstations).toBeLessThan(everyone);
  });

  it('unknown syntax answers with Graph\'s sentence', async () => {
    const { text } = await ask(alice, 'hunt DeviceInfo | extend Risky = true');
    expect(text).toContain('Query could not be parsed');
  });

  it('a query past the row limit gets a sentence saying how to narrow it', async () => {
    env.twin.graph.huntingRowLimit = 5;
    try {
      const { text } = await ask(alice, 'hunt DeviceInfo');
      expect(text).toContain('limit of 5 rows');
    } finally {
      env.twin.graph.huntingRowLimit = 100_000;
    }
  });

  it('the hunting quota (429) gets a sentence with when to try again', async () => {
    env.twin.graph.setHuntingLimits([{ limit: 1, windowMs: 60_000 }]);
    try {
      await ask(alice, 'hunt DeviceInfo | take 1');
      const { text } = await ask(alice, 'hunt DeviceInfo | take 1');
      expect(lastQuery().status).toBe(429);
      expect(text).toMatch(/try again in \d+ s/);
    } finally {
      env.twin.graph.setHuntingLimits([{ limit: 45, windowMs: 60_000 }]);
    }
  });
});
