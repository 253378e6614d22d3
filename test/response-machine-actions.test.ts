/**
 * The machine response actions beyond isolate and scan, each one definition on the shared pipeline:
 * restrict app execution and remove the restriction (offered by the device's action history),
 * collect an investigation package and download it (the link fetched on click, as the clicker, for
 * the clicker only, within Defender's 2 links a minute), stop and quarantine a file from an alert's
 * evidence or typed by SHA-1, and `cancel <action id>`. Each: exactly one Defender request as the
 * clicker, the card updated for everyone, an audit line in Defender's name of the action; a user
 * lacking the permission is refused with the permission named and nothing is sent.
 */
import { SEEDED_USERS } from '../src/twin/directory';
import { WELL_KNOWN_DEVICES } from '../src/twin/defender/seed';
import type { Alert, AlertEvidence, Machine, MachineAction } from '../src/defender/model';
import { cardText, eventually, freshWorkstation, askForCard, verbsOf, botInSocChannel } from './support/bot-harness';

const { alice, bob, carol } = SEEDED_USERS;
const BOB = 'bob@contoso.onmicrosoft.com';
const soc = botInSocChannel();
const used: string[] = [];

const post = (user: string, text: string, expected: string) => askForCard(soc.env.twin, user, soc.channel, text, expected);

const value = (response: { body: unknown }): unknown => (response.body as { value: unknown }).value;
const click = async (user: string, id: string, verb: string, inputs: Record<string, unknown> = {}) =>
  value(await soc.env.twin.teams.driver.click(user, id, verb, inputs));
const message = (id: string) => soc.env.twin.teams.driver.transcript(soc.channel).find((m) => m.id === id)!;
const requestsTo = (endpoint: string, path: string) => soc.env.twin.defender.requests.filter((r) => r.endpoint === endpoint && r.path.includes(path));
const actionsOf = (machine: Machine, type: MachineAction['type']) => soc.env.twin.defender.data.actions.filter((a) => a.machineId === machine.id && a.type === type);

function workstation(): Machine {
  const machine = freshWorkstation(soc.env.twin, used);
  used.push(machine.id);
  return machine;
}

async function auditOf(machine: Machine, final: string): Promise<string[][]> {
  return eventually(async () => {
    const entries = await soc.env.store.listAudit({ machineId: machine.id, limit: 10 });
    if (!entries.some((entry) => entry.result === final)) throw new Error('no final audit line yet');
    return entries.map((entry) => [entry.action, entry.result, entry.upn]);
  });
}

async function finalCard(id: string): Promise<unknown> {
  soc.env.twin.clock.advance(20_000);
  return eventually(() => {
    const card = message(id).cards[0];
    if (!/Succeeded/.test(cardText(card))) throw new Error(`not final yet: ${cardText(card)}`);
    return card;
  });
}

/** Opens the device card as `user`, asks for `response` and confirms it with a comment: the message id. */
async function confirmOnDeviceCard(user: string, machine: Machine, response: string, comment: string): Promise<string> {
  const { id } = await post(user, `device ${machine.computerDnsName}`, machine.computerDnsName);
  await click(user, id, `${response}.ask`);
  await click(user, id, `${response}.confirm`, { comment });
  return id;
}

describe('restrict app execution and remove the restriction', () => {
  let machine: Machine;

  beforeAll(() => {
    machine = workstation();
  });

  it('the device card offers Restrict while no restriction is in force, never on the alert card', async () => {
    const { card } = await post(bob, `device ${machine.computerDnsName}`, machine.computerDnsName);
    expect(verbsOf(card)).toEqual(expect.arrayContaining(['restrict.ask', 'collect.ask']));
    expect(verbsOf(card)).not.toContain('unrestrict.ask');
  });

  it('Confirm sends one restriction as the clicker; once it succeeded the card offers only the removal, and the audit names the action', async () => {
    const id = await confirmOnDeviceCard(bob, machine, 'restrict', 'Unknown binary spreading');
    const requests = requestsTo('machines.restrictCodeExecution', machine.id);
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({ status: 201, upn: BOB });
    expect(requests[0].scopes).toContain('Machine.RestrictExecution');
    expect(actionsOf(machine, 'RestrictCodeExecution')).toEqual([expect.objectContaining({ requestor: BOB, requestorComment: 'Unknown binary spreading' })]);
    expect(cardText(message(id).cards[0])).toContain('Restrict app execution');
    // Everyone sees the running action with its Cancel; nobody is offered a second restriction meanwhile.
    expect(verbsOf(message(id).cards[0])).toEqual(['action.cancel']);

    // The family's follow-up, not Isolate/Release or another family's.
    expect(verbsOf(await finalCard(id))).toEqual(['unrestrict.ask']);
    expect(await auditOf(machine, 'Succeeded')).toEqual([
      ['RestrictCodeExecution', 'Succeeded', BOB],
      ['RestrictCodeExecution', 'requested', BOB],
    ]);
  });

  it('a Restrict button drawn before the restriction says the card is out of date and offers the removal; nothing is sent', async () => {
    const device = await post(alice, `device ${machine.computerDnsName}`, machine.computerDnsName);
    expect(verbsOf(device.card)).toContain('unrestrict.ask');
    expect(verbsOf(device.card)).not.toContain('restrict.ask');
    const before = requestsTo('machines.restrictCodeExecution', machine.id).length;
    const typed = await post(alice, `restrict ${machine.computerDnsName} again`, 'out of date');
    expect(cardText(typed.card)).toContain('already restricted');
    expect(verbsOf(typed.card)).toEqual(['unrestrict.ask']);
    expect(requestsTo('machines.restrictCodeExecution', machine.id)).toHaveLength(before);
  });

  it('typed `unrestrict <device> <comment>` confirms with the comment filled in, and the removal is followed to its end', async () => {
    const confirmation = await post(alice, `unrestrict ${machine.computerDnsName} Binary removed`, 'Remove the app restriction');
    expect(JSON.stringify(confirmation.card)).toContain('"value":"Binary removed"');
    await click(alice, confirmation.id, 'unrestrict.confirm', { comment: 'Binary removed' });
    expect(requestsTo('machines.unrestrictCodeExecution', machine.id)).toEqual([expect.objectContaining({ status: 201, upn: 'alice@contoso.onmicrosoft.com' })]);
    expect(verbsOf(await finalCard(confirmation.id))).toEqual(['restrict.ask']);
  });

  it("is not offered on Windows 10 before 1709; typed, Defender's refusal is said in a sentence and audited as refused", async () => {
    const kiosk = soc.env.twin.defender.data.machines.find((m) => m.computerDnsName === WELL_KNOWN_DEVICES.selectiveUnsupported)!;
    const device = await post(bob, `device ${kiosk.computerDnsName}`, kiosk.computerDnsName);
    expect(verbsOf(device.card)).not.toContain('restrict.ask');
    expect(verbsOf(device.card)).toContain('collect.ask');
    const { id } = await post(bob, `restrict ${kiosk.computerDnsName} Lock the kiosk down`, 'Restrict app execution on');
    const refused = await click(bob, id, 'restrict.confirm', { comment: 'Lock the kiosk down' });
    expect(cardText(refused)).toMatch(/Could not restrict app execution on the device: the device's operating system does not support this action/);
    const attempts = requestsTo('machines.restrictCodeExecution', kiosk.id);
    expect(attempts.map((r) => [r.status, r.upn])).toEqual([[400, BOB]]);
    const audit = await soc.env.store.listAudit({ machineId: kiosk.id, limit: 5 });
    expect(audit.map((entry) => [entry.action, entry.result, entry.upn])).toEqual([['RestrictCodeExecution', 'refused', BOB]]);
  });

  it('a viewer is refused with the permission named; nothing reaches Defender', async () => {
    const other = workstation();
    const { id } = await post(carol, `device ${other.computerDnsName}`, other.computerDnsName);
    await click(carol, id, 'restrict.ask');
    const refused = await click(carol, id, 'restrict.confirm', { comment: 'please' });
    expect(cardText(refused)).toMatch(/not allowed to restrict app execution/i);
    expect(cardText(refused)).toContain('Active remediation actions');
    expect(cardText(refused)).toContain('Machine.RestrictExecution');
    expect(actionsOf(other, 'RestrictCodeExecution')).toHaveLength(0);
  });
});

describe('collect an investigation package, then download it', () => {
  let machine: Machine;
  let id: string;
  let collection: MachineAction;

  beforeAll(async () => {
    machine = workstation();
    id = await confirmOnDeviceCard(bob, machine, 'collect', 'Alert 4711: forensics');
    [collection] = actionsOf(machine, 'CollectInvestigationPackage');
  });

  it('sends one collection as the clicker; once it succeeded everyone sees Download, and no link', async () => {
    const requests = requestsTo('machines.collectInvestigationPackage', machine.id);
    expect(requests).toEqual([expect.objectContaining({ status: 201, upn: BOB })]);
    expect(requests[0].scopes).toContain('Machine.CollectForensics');
    expect(verbsOf(await finalCard(id))).toEqual(['collect.result', 'collect.ask']);
    expect(requestsTo('machineActions.packageUri', collection.id)).toHaveLength(0);
    expect(await auditOf(machine, 'Succeeded')).toEqual([
      ['CollectInvestigationPackage', 'Succeeded', BOB],
      ['CollectInvestigationPackage', 'requested', BOB],
    ]);
  });

  it('Download reads the link as the clicker and shows it to the clicker only, never in the shared card', async () => {
    soc.env.twin.defender.rateLimits.reset();
    const versionBefore = message(id).version;
    const answer = await click(bob, id, 'collect.result');
    const requests = requestsTo('machineActions.packageUri', collection.id);
    expect(requests).toEqual([expect.objectContaining({ status: 200, upn: BOB })]);
    expect(requests[0].scopes).toContain('Machine.CollectForensics');
    const link = (answer as { actions: { type: string; url?: string }[] }).actions.find((action) => action.type === 'Action.OpenUrl')?.url;
    expect(link).toMatch(/^https:\/\/.+WDATP_Investigation_Package\.zip\?token=/);
    expect(cardText(answer)).toMatch(/yours only/);
    // The shared message was not updated, and what everyone else sees never holds the link.
    const shown = message(id);
    expect(shown.version).toBe(versionBefore);
    expect(JSON.stringify(shown.cards)).not.toContain('token=');
    expect(JSON.stringify(Object.entries(shown.userViews).filter(([oid]) => oid !== bob))).not.toContain('token=');
    expect(shown.userViews[bob]).toEqual(answer);
    // The log says who got the package, never the link.
    const entries = await soc.env.store.listAudit({ machineId: machine.id, limit: 5 });
    expect(entries[0]).toMatchObject({ action: 'Download CollectInvestigationPackage', result: 'Succeeded', upn: BOB, defenderActionId: collection.id });
    expect(JSON.stringify(entries)).not.toContain('token=');
  });

  it('Defender allows 2 links a minute: beyond that the clicker is told so in a sentence', async () => {
    await click(bob, id, 'collect.result');
    const throttled = await click(alice, id, 'collect.result');
    expect(requestsTo('machineActions.packageUri', collection.id).map((r) => r.status)).toEqual([200, 200, 429]);
    expect(cardText(throttled)).toMatch(/at most 2 package links a minute.*Try again in \d+ s/);
    expect(JSON.stringify(throttled)).not.toContain('token=');
  });

  it('a collection that failed (low battery, metered connection) offers no Download', async () => {
    const other = workstation();
    soc.env.twin.defender.actionFailures.push({ machineId: other.id, type: 'CollectInvestigationPackage' });
    const failedId = await confirmOnDeviceCard(bob, other, 'collect', 'Second collection');
    soc.env.twin.clock.advance(20_000);
    const card = await eventually(() => {
      const shown = message(failedId).cards[0];
      if (!/Failed/.test(cardText(shown))) throw new Error('not final yet');
      return shown;
    });
    expect(verbsOf(card)).toEqual(['collect.ask']);
  });

  it('a viewer is refused with the role and permission the link needs', async () => {
    soc.env.twin.clock.advance(61_000);
    const refused = await click(carol, id, 'collect.result');
    expect(cardText(refused)).toMatch(/not allowed to get the investigation package/i);
    expect(cardText(refused)).toContain('Alerts investigation');
    expect(cardText(refused)).toContain('Machine.CollectForensics');
    expect(JSON.stringify(refused)).not.toContain('token=');
    const [latest] = await soc.env.store.listAudit({ machineId: machine.id, limit: 1 });
    expect(latest).toMatchObject({ action: 'Download CollectInvestigationPackage', result: 'refused', upn: 'carol@contoso.onmicrosoft.com' });
  });
});

describe('stop and quarantine a file', () => {
  const SHA1 = '3395856ce81f2b7382dee72602f798b642f14140';
  const OTHER_SHA1 = 'ab'.repeat(20);
  let machine: Machine;
  let alert: Alert;

  beforeAll(() => {
    machine = workstation();
    alert = soc.env.twin.defender.addAlert({
      machineId: machine.id, severity: 'High', title: 'Quarantine me: dropper',
      evidence: [fileEvidence('dropper.exe', SHA1), fileEvidence('no-hash.dll', null), { ...fileEvidence('dropper.exe', SHA1), entityType: 'Process' }],
    });
  });

  it("the alert's card offers it once per file with a SHA-1, and the confirmation names the hash", async () => {
    const { id, card } = await post(bob, `alert ${alert.id}`, 'Quarantine me');
    expect(verbsOf(card).filter((verb) => verb === 'quarantine.ask')).toHaveLength(1);
    expect(cardText(card)).toContain('Quarantine dropper.exe');
    expect(verbsOf(card)).not.toContain('restrict.ask');
    const confirmation = await click(bob, id, 'quarantine.ask');
    expect(cardText(confirmation)).toContain(`SHA-1 ${SHA1}`);
    expect(verbsOf(confirmation)).toEqual(['quarantine.confirm', 'response.cancel']);
  });

  it('Confirm sends one request with the signed SHA-1 (a value slipped into the inputs changes nothing) as the clicker', async () => {
    const { id } = await post(bob, `alert ${alert.id}`, 'Quarantine me');
    await click(bob, id, 'quarantine.ask');
    await click(bob, id, 'quarantine.confirm', { comment: 'Dropper of alert', sha1: OTHER_SHA1 });
    const requests = requestsTo('machines.stopAndQuarantineFile', machine.id);
    expect(requests).toEqual([expect.objectContaining({ status: 201, upn: BOB })]);
    expect(requests[0].scopes).toContain('Machine.StopAndQuarantine');
    expect(actionsOf(machine, 'StopAndQuarantineFile')).toEqual([expect.objectContaining({
      requestor: BOB, requestorComment: 'Dropper of alert', relatedFileInfo: { fileIdentifier: SHA1, fileIdentifierType: 'Sha1' },
    })]);
    // A finished quarantine offers no other family's response (and no quarantine without its file).
    expect(verbsOf(await finalCard(id))).toEqual([]);
    expect(await auditOf(machine, 'Succeeded')).toEqual([
      ['StopAndQuarantineFile', 'Succeeded', BOB],
      ['StopAndQuarantineFile', 'requested', BOB],
    ]);
  });

  it('typed: `quarantine <sha1> on <device>` confirms that file; a malformed hash is answered with the syntax, nothing sent', async () => {
    const confirmation = await post(alice, `quarantine ${OTHER_SHA1.toUpperCase()} on ${machine.computerDnsName} Second file`, 'Stop and quarantine a file');
    expect(cardText(confirmation.card)).toContain(`SHA-1 ${OTHER_SHA1}`);
    const bad = await post(alice, `quarantine 12345 on ${machine.computerDnsName}`, 'quarantine <sha1> on <device>');
    expect(cardText(bad.card)).toContain('12345');
    const missingOn = await post(alice, `quarantine ${OTHER_SHA1} ${machine.computerDnsName}`, 'quarantine <sha1> on <device>');
    expect(verbsOf(missingOn.card)).toEqual([]);
    expect(requestsTo('machines.stopAndQuarantineFile', machine.id)).toHaveLength(1);
  });
});

describe('cancel a pending action', () => {
  let machine: Machine;
  let id: string;
  let scan: MachineAction;

  beforeAll(async () => {
    machine = workstation();
    id = await confirmOnDeviceCard(bob, machine, 'scan', 'Alert 4711: full scan');
    [scan] = actionsOf(machine, 'RunAntiVirusScan');
  });

  it("a viewer's Cancel of a scan is refused naming the scan's permission, not isolation's; nothing is cancelled", async () => {
    const refused = await click(carol, id, 'action.cancel');
    expect(cardText(refused)).toMatch(/not allowed to cancel the response action/i);
    expect(cardText(refused)).toContain('Machine.Scan');
    expect(cardText(refused)).not.toContain('Machine.Isolate');
    expect(actionsOf(machine, 'RunAntiVirusScan')[0].status).toBe('Pending');
  });

  it('typed `cancel <action id> <comment>` cancels it as the user: one request, the card, an audit line', async () => {
    const card = await post(bob, `cancel ${scan.id} Requested by mistake`, 'Cancelled');
    const requests = requestsTo('machineActions.cancel', scan.id);
    expect(requests.filter((r) => r.status === 200)).toEqual([expect.objectContaining({ upn: BOB })]);
    expect(actionsOf(machine, 'RunAntiVirusScan')[0]).toMatchObject({ status: 'Cancelled', cancellationRequestor: BOB, cancellationComment: 'Requested by mistake' });
    expect(cardText(card.card)).toContain(BOB);
    expect(await auditOf(machine, 'Cancelled')).toEqual(expect.arrayContaining([
      ['Cancel RunAntiVirusScan', 'requested', BOB],
      ['RunAntiVirusScan', 'Cancelled', BOB],
    ]));
    // The audit card names each action in the reader's words.
    const audit = cardText((await post(bob, `audit ${machine.computerDnsName}`, 'Audit log')).card);
    expect(audit).toContain('Cancel: Antivirus scan');
    expect(audit).toMatch(/Antivirus scan\s.*\s+Cancelled/);
  });

  it('a finished action says how it ended; an id that is not one is answered with the syntax', async () => {
    const finished = await post(bob, `cancel ${scan.id}`, 'has already ended');
    expect(cardText(finished.card)).toContain('Cancelled');
    expect(requestsTo('machineActions.cancel', scan.id).filter((r) => r.status === 200)).toHaveLength(1);
    const bad = await post(bob, 'cancel 42', 'cancel <action id>');
    expect(cardText(bad.card)).toContain('42');
  });
});

function fileEvidence(fileName: string, sha1: string | null): AlertEvidence {
  return {
    entityType: 'File', evidenceCreationTime: new Date().toISOString(), sha1, sha256: null, fileName, filePath: 'C:\\Users\\Public',
    processId: null, processCommandLine: null, processCreationTime: null, parentProcessId: null, parentProcessCreationTime: null,
    parentProcessFileName: null, parentProcessFilePath: null, ipAddress: null, url: null, registryKey: null, registryHive: null,
    registryValueType: null, registryValue: null, accountName: null, domainName: null, userSid: null, aadUserId: null,
    userPrincipalName: null, detectionStatus: null,
  };
}
