/**
 * An approval left `executing` by an approver's replica that stopped between its claim and
 * recording Defender's answer (the crash state is written to the store directly) is settled after
 * two minutes by Defender's action history, never sending twice: when Defender has no action of it,
 * the next approver's click sends one; when Defender has it, it is recorded as approved with no
 * second request, on a click or by the replica's round.
 */
import type { Machine, MachineAction } from '../src/defender/model';
import { APPROVALS, type Approval, approvedComment } from '../src/bot/responses/policies/two-person-approval';
import { SEEDED_USERS } from '../src/twin/directory';
import type { Conversation } from '../src/twin/teams';
import { askForCard, buttonData, cardText, eventually, freshWorkstation, socChannel, startBotWithTwin, verbsOf, type BotWithTwin } from './support/bot-harness';

const { alice, bob, carol } = SEEDED_USERS;
const ALICE = 'alice@contoso.onmicrosoft.com';
const CRASHED = { oid: '00000000-0000-0000-0000-00000000dead', upn: 'dana@contoso.onmicrosoft.com', name: 'Dana', teamsUserId: '29:dana' };
const invokeValue = (click: { body: unknown }) => (click.body as { value: unknown }).value;

let env: BotWithTwin;
let soc: Conversation;
const used: string[] = [];
beforeAll(async () => {
  env = await startBotWithTwin({ approval: { actions: ['isolate'], tags: [], deviceGroups: [], expiryMinutes: 30, breakGlass: false } });
  soc = await socChannel(env);
});
afterAll(() => env.close());

const card = (id: string) => env.twin.teams.driver.transcript(soc).find((m) => m.id === id)!.cards[0];
const isolateRequests = (machine: Machine) => env.twin.defender.requests.filter((r) => r.endpoint === 'machines.isolate' && r.path.includes(machine.id));

/** Bob's request to isolate a critical workstation, left `executing` by `approver`'s replica as a crash would leave it. */
async function stuckRequest(approver = CRASHED): Promise<{ id: string; machine: Machine; approval: Approval }> {
  const machine = freshWorkstation(env.twin, used);
  used.push(machine.id);
  machine.deviceValue = 'High';
  const { id } = await askForCard(env.twin, bob, soc, `device ${machine.computerDnsName}`);
  await env.twin.teams.driver.click(bob, id, 'isolate.ask');
  await env.twin.teams.driver.click(bob, id, 'isolate.confirm', { comment: 'C2 beaconing', isolationType: 'Full' });
  const [document] = (await env.store.list<Approval>(APPROVALS)).filter((doc) => doc.value.machineId === machine.id);
  const approval = { ...document.value, state: 'executing' as const, decidedBy: approver, decidedAt: env.twin.clock.now() };
  await env.store.put(APPROVALS, document.key, approval, { etag: document.etag, ttlSeconds: 3600 });
  return { id, machine, approval };
}

/** What Defender holds when the approver's request reached it before their replica stopped. */
function sentBeforeTheCrash(machine: Machine, approval: Approval): MachineAction {
  const stamp = new Date(env.twin.clock.now()).toISOString();
  const action: MachineAction = {
    id: crypto.randomUUID(), type: 'Isolate', title: null, scope: 'Full', requestor: approval.decidedBy!.upn,
    requestorComment: approvedComment(approval, approval.decidedBy!.upn), status: 'Pending', machineId: machine.id,
    computerDnsName: machine.computerDnsName, creationDateTimeUtc: stamp, lastUpdateDateTimeUtc: stamp,
    cancellationRequestor: null, cancellationComment: null, cancellationDateTimeUtc: null, errorHResult: 0, externalId: null,
    requestSource: 'PublicApi', relatedFileInfo: null, commands: [], troubleshootInfo: null,
  };
  env.twin.defender.data.actions.push(action);
  return action;
}

let unsent: Awaited<ReturnType<typeof stuckRequest>>;
let sentClicked: Awaited<ReturnType<typeof stuckRequest>> & { action: MachineAction };
let sentUnclicked: Awaited<ReturnType<typeof stuckRequest>> & { action: MachineAction };

it('within two minutes a stuck approval is left alone: another approver is told it is under way, nothing is sent', async () => {
  unsent = await stuckRequest();
  const clicked = await stuckRequest();
  sentClicked = { ...clicked, action: sentBeforeTheCrash(clicked.machine, clicked.approval) };
  const unclicked = await stuckRequest();
  sentUnclicked = { ...unclicked, action: sentBeforeTheCrash(unclicked.machine, unclicked.approval) };
  env.twin.clock.advance(60_000);
  expect(cardText(invokeValue(await env.twin.teams.driver.click(carol, unsent.id, 'isolate.approve')))).toMatch(/Already decided/);
  expect(await env.app.approvals.recoverOnce()).toBe(0);
  expect(isolateRequests(unsent.machine)).toHaveLength(0);
});

it("after two minutes, with no action of it in Defender, the next approver's click sends one isolate, once", async () => {
  env.twin.clock.advance(70_000);
  await askForCard(env.twin, alice, soc, `device ${unsent.machine.computerDnsName}`);
  const data = buttonData(card(unsent.id), 'isolate.approve');
  const approve = () => env.twin.teams.driver.invoke(alice, soc, 'adaptiveCard/action',
    { action: { type: 'Action.Execute', verb: 'isolate.approve', data }, trigger: 'manual' }, { replyToId: unsent.id });
  await approve();
  await approve();
  expect(isolateRequests(unsent.machine)).toEqual([expect.objectContaining({ status: 201, upn: ALICE })]);
  const action = env.twin.defender.data.actions.find((a) => a.machineId === unsent.machine.id && a.type === 'Isolate')!;
  expect(action.requestorComment).toBe(`C2 beaconing (requested by bob@contoso.onmicrosoft.com, approved by ${ALICE} in Microsoft Teams)`);
});

it('with its action in Defender, a click records it as approved for everyone, sending nothing', async () => {
  const answer = invokeValue(await env.twin.teams.driver.click(carol, sentClicked.id, 'isolate.approve'));
  expect(cardText(answer)).toMatch(/Already decided[\s\S]*Approved by dana@contoso\.onmicrosoft\.com/);
  expect(cardText(card(sentClicked.id))).toMatch(/Approved by dana@contoso\.onmicrosoft\.com/);
  expect(verbsOf(card(sentClicked.id))).toEqual([]);
  expect(isolateRequests(sentClicked.machine)).toHaveLength(0);
  const audit = await env.store.listAudit({ machineId: sentClicked.machine.id, limit: 5 });
  expect(audit[0]).toMatchObject({ upn: CRASHED.upn, result: 'recovered', defenderActionId: sentClicked.action.id });
});

it("with its action in Defender and nobody clicking, the replica's round records it and updates the card, once", async () => {
  expect(await env.app.approvals.recoverOnce()).toBe(1);
  expect(await env.app.approvals.recoverOnce()).toBe(0);
  await eventually(() => expect(cardText(card(sentUnclicked.id))).toMatch(/Approved by dana@contoso\.onmicrosoft\.com/));
  expect(verbsOf(card(sentUnclicked.id))).toEqual([]);
  expect(isolateRequests(sentUnclicked.machine)).toHaveLength(0);
  const approval = (await env.store.get<Approval>(APPROVALS, sentUnclicked.approval.id))!.value;
  expect(approval).toMatchObject({ state: 'approved', actionId: sentUnclicked.action.id });
});
