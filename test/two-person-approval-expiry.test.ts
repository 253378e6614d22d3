/**
 * A request the two-person rule holds expires (here after the shortest setting, one minute, so the
 * twin's clock need not run further ahead than the channel's token clock skew allows): a late
 * approval is refused, the card says so for everyone, the audit log records it, Defender hears nothing.
 */
import { SEEDED_USERS } from '../src/twin/directory';
import type { Conversation } from '../src/twin/teams';
import type { Machine } from '../src/defender/model';
import { askForCard, cardText, eventually, freshWorkstation, socChannel, startBotWithTwin, verbsOf, type BotWithTwin } from './support/bot-harness';

const { alice, bob } = SEEDED_USERS;
const invokeValue = (click: { body: unknown }) => (click.body as { value: unknown }).value;

describe('expiry', () => {
  let short: BotWithTwin;
  let soc: Conversation;
  beforeAll(async () => {
    short = await startBotWithTwin({ approval: { actions: ['isolate'], tags: [], deviceGroups: [], expiryMinutes: 1, breakGlass: false } });
    soc = await socChannel(short);
  });
  afterAll(() => short.close());

  /** Bob asks to isolate a critical workstation; the message becomes the request. */
  async function request(exclude: string[] = []): Promise<{ id: string; machine: Machine }> {
    const machine = freshWorkstation(short.twin, exclude);
    machine.deviceValue = 'High';
    const { id } = await askForCard(short.twin, bob, soc, `device ${machine.computerDnsName}`);
    await short.twin.teams.driver.click(bob, id, 'isolate.ask');
    await short.twin.teams.driver.click(bob, id, 'isolate.confirm', { comment: 'C2 beaconing', isolationType: 'Full' });
    return { id, machine };
  }
  const card = (id: string) => short.twin.teams.driver.transcript(soc).find((m) => m.id === id)!.cards[0];

  it('a late approval is refused and no request reaches Defender; every card says it expired, and the audit log records it once', async () => {
    const clicked = await request();
    const unanswered = await request([clicked.machine.id]);
    expect(cardText(card(clicked.id))).toMatch(/\(in 1 min/);
    short.twin.clock.advance(90_000);

    const answer = invokeValue(await short.twin.teams.driver.click(alice, clicked.id, 'isolate.approve'));
    expect(cardText(answer)).toMatch(/This request has expired/);
    expect(verbsOf(card(clicked.id))).toEqual([]);
    expect(cardText(card(clicked.id))).toMatch(/Expired .* without approval/);
    expect((await short.store.listAudit({ machineId: clicked.machine.id, limit: 5 }))[0]).toMatchObject({ upn: 'alice@contoso.onmicrosoft.com', result: 'expired' });

    // Nobody clicked the other one: the replica's round marks it, once.
    expect(verbsOf(card(unanswered.id))).toEqual(['isolate.approve', 'isolate.deny']);
    expect(await short.app.approvals.expireOnce()).toBe(1);
    expect(await short.app.approvals.expireOnce()).toBe(0);
    await eventually(() => expect(verbsOf(card(unanswered.id))).toEqual([]));
    expect(cardText(card(unanswered.id))).toMatch(/Expired .* without approval/);
    const audit = await short.store.listAudit({ machineId: unanswered.machine.id, limit: 5 });
    expect(audit.filter((entry) => entry.result === 'expired')).toEqual([expect.objectContaining({ upn: 'bob@contoso.onmicrosoft.com' })]);
    expect(short.twin.defender.requests.filter((r) => r.endpoint === 'machines.isolate')).toHaveLength(0);
  });
});
