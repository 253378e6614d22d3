/**
 * Antivirus scan, the first response action added as one definition on the shared pipeline: the
 * device card's button -> confirmation with a required comment and Quick/Full -> exactly one
 * `runAntiVirusScan` as the clicking user -> the card follows the scan for everyone -> audit line.
 * A user whose role lacks the permission is refused with its name and nothing reaches Defender.
 */
import { SEEDED_USERS } from '../src/twin/directory';
import type { Machine } from '../src/defender/model';
import { cardText, eventually, freshWorkstation, askForCard, verbsOf, botInSocChannel } from './support/bot-harness';

const { alice, bob, carol } = SEEDED_USERS;
const soc = botInSocChannel();

const post = (user: string, text: string, expected: string) => askForCard(soc.env.twin, user, soc.channel, text, expected);

function invokeValue(response: { body: unknown }): unknown {
  return (response.body as { value: unknown }).value;
}

const scanRequests = (machine: Machine) =>
  soc.env.twin.defender.requests.filter((r) => r.endpoint === 'machines.runAntiVirusScan' && r.path.includes(machine.id));

const message = (id: string) => soc.env.twin.teams.driver.transcript(soc.channel).find((m) => m.id === id)!;

describe('run antivirus scan from a device card in a soc.channel', () => {
  let machine: Machine;
  let messageId: string;

  beforeAll(async () => {
    machine = freshWorkstation(soc.env.twin);
    const device = await post(bob, `device ${machine.computerDnsName}`, machine.computerDnsName);
    messageId = device.id;
    expect(verbsOf(device.card)).toContain('scan.ask');
  });

  it('asks first: a required comment and Quick or Full, nothing sent', async () => {
    const confirmation = invokeValue(await soc.env.twin.teams.driver.click(bob, messageId, 'scan.ask'));
    expect(verbsOf(confirmation)).toEqual(['scan.confirm', 'response.cancel']);
    expect(cardText(confirmation)).toContain(`Scan ${machine.computerDnsName} for malware?`);
    expect(JSON.stringify(confirmation)).toMatch(/"id":"scanType"[^}]*"value":"Quick"/);
    expect(scanRequests(machine)).toHaveLength(0);
  });

  it('a confirmation without a comment is answered with what to type, nothing sent', async () => {
    const answer = invokeValue(await soc.env.twin.teams.driver.click(bob, messageId, 'scan.confirm', { comment: '  ', scanType: 'Full' }));
    expect(cardText(answer)).toMatch(/comment is required/i);
    expect(scanRequests(machine)).toHaveLength(0);
  });

  it("Confirm sends exactly one scan as the clicker, the card follows it for everyone, and the audit log names them", async () => {
    messageId = (await post(bob, `device ${machine.computerDnsName}`, machine.computerDnsName)).id;
    await soc.env.twin.teams.driver.click(bob, messageId, 'scan.ask');
    await soc.env.twin.teams.driver.click(bob, messageId, 'scan.confirm', { comment: 'Alert 4711: full scan', scanType: 'Full' });
    const requests = scanRequests(machine);
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({ status: 201, upn: 'bob@contoso.onmicrosoft.com' });
    expect(requests[0].scopes).toContain('Machine.Scan');
    expect(soc.env.twin.defender.data.actions.find((a) => a.machineId === machine.id && a.type === 'RunAntiVirusScan'))
      .toMatchObject({ requestor: 'bob@contoso.onmicrosoft.com', requestorComment: 'Alert 4711: full scan', scope: 'Full' });
    expect(cardText(message(messageId).cards[0])).toMatch(/Antivirus scan/);

    soc.env.twin.clock.advance(20_000);
    const final = await eventually(() => {
      const card = message(messageId).cards[0];
      if (!/Succeeded/.test(cardText(card))) throw new Error('not final yet');
      return card;
    });
    // A finished scan offers its own family again, never Isolate or Release.
    expect(verbsOf(final)).toEqual(['scan.ask']);
    const audit = await eventually(async () => {
      const entries = await soc.env.store.listAudit({ machineId: machine.id, limit: 5 });
      if (!entries.some((entry) => entry.result === 'Succeeded')) throw new Error('no final audit line yet');
      return entries;
    });
    expect(audit.map((entry) => [entry.action, entry.result, entry.upn])).toEqual([
      ['RunAntiVirusScan', 'Succeeded', 'bob@contoso.onmicrosoft.com'],
      ['RunAntiVirusScan', 'requested', 'bob@contoso.onmicrosoft.com'],
    ]);
  });

  it('typed: `scan <device> full <comment>` opens the confirmation with Full and the comment filled in', async () => {
    const confirmation = await post(alice, `scan ${machine.computerDnsName} full Second look`, 'for malware?');
    expect(JSON.stringify(confirmation.card)).toMatch(/"id":"scanType"[^}]*"value":"Full"/);
    expect(JSON.stringify(confirmation.card)).toContain('"value":"Second look"');
  });
});

describe('a user whose role lacks the permission', () => {
  it('is refused with the permission named; no scan reaches Defender and the card is unchanged for others', async () => {
    const machine = freshWorkstation(soc.env.twin);
    const { id } = await post(carol, `device ${machine.computerDnsName}`, machine.computerDnsName);
    const before = message(id).version;
    await soc.env.twin.teams.driver.click(carol, id, 'scan.ask');
    const refused = invokeValue(await soc.env.twin.teams.driver.click(carol, id, 'scan.confirm', { comment: 'please', scanType: 'Quick' }));
    expect(cardText(refused)).toMatch(/not allowed to run an antivirus scan/i);
    expect(cardText(refused)).toContain('Active remediation actions');
    expect(cardText(refused)).toContain('Machine.Scan');
    expect(scanRequests(machine).every((r) => r.status === 403)).toBe(true);
    expect(soc.env.twin.defender.data.actions.filter((a) => a.machineId === machine.id && a.type === 'RunAntiVirusScan')).toHaveLength(0);
    expect(message(id).version).toBe(before);
  });
});
