/**
 * The two-person rule over loopback: on a critical device the requester's Confirm becomes a request
 * for everyone in the channel; someone else approves, and Defender gets exactly one request, with
 * the approver's own token and a comment naming both people. The requester's own approval, an
 * approver Defender refuses, an expired request and a double approval never add a second request.
 */
import type { Machine } from '../src/defender/model';
import { SEEDED_USERS } from '../src/twin/directory';
import { askForCard, botInSocChannel, buttonData, cardText, freshWorkstation, verbsOf } from './support/bot-harness';

const { alice, bob, carol } = SEEDED_USERS;
const BOB = 'bob@contoso.onmicrosoft.com';
const ALICE = 'alice@contoso.onmicrosoft.com';
const POLICY = { actions: ['isolate'], tags: ['DomainController'], deviceGroups: [], expiryMinutes: 30, breakGlass: true };
const soc = botInSocChannel({ approval: POLICY });
const used: string[] = [];

/** A workstation of Bob's device group that the policy makes critical (device value High). */
function criticalWorkstation(): Machine {
  const machine = freshWorkstation(soc.env.twin, used);
  used.push(machine.id);
  machine.deviceValue = 'High';
  return machine;
}

const isolateRequests = (machine: Machine) => soc.env.twin.defender.requests.filter((r) => r.endpoint === 'machines.isolate' && r.path.includes(machine.id));
const invokeValue = (click: { body: unknown }) => (click.body as { value: unknown }).value;
const message = (id: string) => soc.env.twin.teams.driver.transcript(soc.channel).find((m) => m.id === id)!;

/** Bob asks to isolate `machine` and confirms: the message becomes the request everyone sees. */
async function requestIsolation(machine: Machine, inputs: Record<string, unknown> = {}): Promise<{ id: string; answer: unknown }> {
  const { id } = await askForCard(soc.env.twin, bob, soc.channel, `device ${machine.computerDnsName}`);
  await soc.env.twin.teams.driver.click(bob, id, 'isolate.ask');
  const click = await soc.env.twin.teams.driver.click(bob, id, 'isolate.confirm', { comment: 'C2 beaconing', isolationType: 'Full', ...inputs });
  return { id, answer: invokeValue(click) };
}

describe('a critical device needs a second person', () => {
  let machine: Machine;
  let id: string;
  /** The Approve button as the request card carried it: another client may still show it after the decision. */
  let approveData: Record<string, unknown>;

  beforeAll(() => {
    machine = criticalWorkstation();
  });

  it('the confirmation says so and offers break glass; Confirm sends nothing to Defender and asks the whole channel', async () => {
    const { id: messageId } = await askForCard(soc.env.twin, bob, soc.channel, `device ${machine.computerDnsName}`);
    id = messageId;
    const confirmation = invokeValue(await soc.env.twin.teams.driver.click(bob, id, 'isolate.ask'));
    expect(cardText(confirmation)).toMatch(/Needs a second person: .* is critical \(device value High\)/);
    expect(JSON.stringify(confirmation)).toContain('"id":"breakGlass"');
    const answer = invokeValue(await soc.env.twin.teams.driver.click(bob, id, 'isolate.confirm', { comment: 'C2 beaconing', isolationType: 'Full' }));
    expect(isolateRequests(machine)).toHaveLength(0);
    const base = message(id).cards[0];
    expect(verbsOf(base)).toEqual(['isolate.approve', 'isolate.deny']);
    expect(cardText(base)).toMatch(/Second person needed: Isolate \(Full\)/);
    expect(cardText(base)).toContain(BOB);
    expect(cardText(base)).toMatch(/Expires[\s\S]*\(in 30 min/);
    expect(verbsOf(answer)).toEqual(['isolate.approve', 'isolate.deny']);
    approveData = buttonData(base, 'isolate.approve');
    const audit = await soc.env.store.listAudit({ machineId: machine.id, limit: 5 });
    expect(audit[0]).toMatchObject({ upn: BOB, action: 'Isolate', result: 'awaitingApproval' });
  });

  it("the requester's own Approve is refused with a sentence, and nothing reaches Defender", async () => {
    const before = message(id).version;
    const answer = invokeValue(await soc.env.twin.teams.driver.click(bob, id, 'isolate.approve'));
    expect(cardText(answer)).toMatch(/your own request[\s\S]*Someone other than you must approve/i);
    expect(isolateRequests(machine)).toHaveLength(0);
    expect(message(id).version).toBe(before);
  });

  it('an approver Defender refuses (a viewer) is told so, and the request stays open', async () => {
    const answer = invokeValue(await soc.env.twin.teams.driver.click(carol, id, 'isolate.approve'));
    expect(cardText(answer)).toMatch(/Defender refused your approval[\s\S]*stays open/);
    expect(cardText(answer)).toContain('Active remediation actions');
    expect(isolateRequests(machine)).toEqual([expect.objectContaining({ status: 403, upn: 'carol@contoso.onmicrosoft.com' })]);
    expect(verbsOf(message(id).cards[0])).toEqual(['isolate.approve', 'isolate.deny']);
    expect(soc.env.twin.defender.data.actions.filter((a) => a.machineId === machine.id)).toHaveLength(0);
  });

  it("another person's Approve sends one isolate with the approver's token, its comment naming both", async () => {
    await soc.env.twin.teams.driver.click(alice, id, 'isolate.approve');
    const accepted = isolateRequests(machine).filter((r) => r.status === 201);
    expect(accepted).toEqual([expect.objectContaining({ upn: ALICE, scopes: expect.arrayContaining(['Machine.Isolate']) })]);
    const action = soc.env.twin.defender.data.actions.find((a) => a.machineId === machine.id && a.type === 'Isolate')!;
    expect(action).toMatchObject({ requestor: ALICE, scope: 'Full' });
    expect(action.requestorComment).toBe(`C2 beaconing (requested by ${BOB}, approved by ${ALICE} in Microsoft Teams)`);
    // Everyone now sees the action's status on the same message.
    expect(cardText(message(id).cards[0])).toMatch(/Isolate: .*[\s\S]*(Pending|In progress)/);
    const audit = await soc.env.store.listAudit({ machineId: machine.id, limit: 5 });
    expect(audit[0]).toMatchObject({ upn: ALICE, result: 'requested', comment: action.requestorComment, defenderActionId: action.id });
  });

  it('a late Approve on the decided request sends nothing more', async () => {
    const staleApproval = { action: { type: 'Action.Execute', verb: 'isolate.approve', data: approveData }, trigger: 'manual' };
    const { response } = await soc.env.twin.teams.driver.invoke(carol, soc.channel, 'adaptiveCard/action', staleApproval, { replyToId: id });
    expect(cardText((response.body as { value: unknown }).value)).toMatch(/Already decided[\s\S]*Approved by alice/);
    expect(isolateRequests(machine).filter((r) => r.status === 201)).toHaveLength(1);
  });

});

describe('double approvals, expiry, denial and break glass', () => {
  it('three approvals at once (two clients of one approver and a second approver) make one Defender request', async () => {
    const machine = criticalWorkstation();
    const { id } = await requestIsolation(machine);
    const data = buttonData(message(id).cards[0], 'isolate.approve');
    soc.env.twin.directory.updateUser(carol, { defenderRole: 'admin' });
    try {
      const approve = (user: string) => soc.env.twin.teams.driver.invoke(user, soc.channel, 'adaptiveCard/action',
        { action: { type: 'Action.Execute', verb: 'isolate.approve', data }, trigger: 'manual' }, { replyToId: id });
      await Promise.all([approve(alice), approve(alice), approve(carol)]);
    } finally {
      soc.env.twin.directory.updateUser(carol, { defenderRole: 'viewer' });
    }
    expect(isolateRequests(machine)).toHaveLength(1);
    expect(soc.env.twin.defender.data.actions.filter((a) => a.machineId === machine.id && a.type === 'Isolate')).toHaveLength(1);
  });

  it('Deny by another person closes the request for everyone, with an audit line', async () => {
    const machine = criticalWorkstation();
    const { id } = await requestIsolation(machine);
    await soc.env.twin.teams.driver.click(alice, id, 'isolate.deny');
    expect(cardText(message(id).cards[0])).toMatch(/Denied by alice@contoso\.onmicrosoft\.com/);
    expect(verbsOf(message(id).cards[0])).toEqual([]);
    expect(isolateRequests(machine)).toHaveLength(0);
    expect((await soc.env.store.listAudit({ machineId: machine.id, limit: 5 }))[0]).toMatchObject({ upn: ALICE, result: 'denied' });
  });

  it('break glass needs a reason; with one it acts at once as the requester, flagged on the card, in the channel and in the audit log', async () => {
    const machine = criticalWorkstation();
    const { answer: refused } = await requestIsolation(machine, { breakGlass: 'true', breakGlassReason: '  ' });
    expect(cardText(refused)).toMatch(/Breaking glass needs a reason/);
    expect(isolateRequests(machine)).toHaveLength(0);

    const { id } = await requestIsolation(machine, { breakGlass: 'true', breakGlassReason: 'Ransomware spreading now' });
    expect(isolateRequests(machine)).toEqual([expect.objectContaining({ status: 201, upn: BOB })]);
    const action = soc.env.twin.defender.data.actions.find((a) => a.machineId === machine.id && a.type === 'Isolate')!;
    expect(action.requestorComment).toBe(`BREAK-GLASS by ${BOB} without a second person (Ransomware spreading now): C2 beaconing`);
    expect(cardText(message(id).cards[0])).toContain('BREAK-GLASS');
    const flag = soc.env.twin.teams.driver.transcript(soc.channel).filter((m) => m.from === 'bot').at(-1)!;
    expect(cardText(flag.cards[0])).toMatch(/BREAK-GLASS on .*: no second person[\s\S]*Reason: Ransomware spreading now/);
    expect((await soc.env.store.listAudit({ machineId: machine.id, limit: 5 }))[0]).toMatchObject({ upn: BOB, result: 'breakGlass' });
  });

  it('a device that is not critical is isolated at once, as before', async () => {
    const machine = freshWorkstation(soc.env.twin, used);
    used.push(machine.id);
    machine.deviceValue = 'Normal';
    await requestIsolation(machine);
    expect(isolateRequests(machine)).toEqual([expect.objectContaining({ status: 201, upn: BOB })]);
  });
});
