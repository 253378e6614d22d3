/**
 * A request the two-person rule holds expires (here after the shortest setting, one minute, so the
 * twin's clock need not run further ahead than the channel's token clock skew allows): a late
 * approval is refused, the card says so for everyone, the audit log records it, Defender hears nothing.
 */
import { SEEDED_USERS } from '../src/twin/directory';
import type { Conversation } from '../src/twin/teams';
import { askForCard, cardText, freshWorkstation, socChannel, startBotWithTwin, verbsOf, type BotWithTwin } from './support/bot-harness';

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

  it('an expired request is refused, shown as expired to everyone, audited, and nothing reaches Defender', async () => {
    const machine = freshWorkstation(short.twin);
    machine.deviceValue = 'High';
    const { id } = await askForCard(short.twin, bob, soc, `device ${machine.computerDnsName}`);
    await short.twin.teams.driver.click(bob, id, 'isolate.ask');
    await short.twin.teams.driver.click(bob, id, 'isolate.confirm', { comment: 'C2 beaconing', isolationType: 'Full' });
    expect(cardText(short.twin.teams.driver.transcript(soc).find((m) => m.id === id)!.cards[0])).toMatch(/\(in 1 min/);
    short.twin.clock.advance(90_000);
    const answer = invokeValue(await short.twin.teams.driver.click(alice, id, 'isolate.approve'));
    expect(cardText(answer)).toMatch(/This request has expired/);
    expect(short.twin.defender.requests.filter((r) => r.endpoint === 'machines.isolate')).toHaveLength(0);
    const base = short.twin.teams.driver.transcript(soc).find((m) => m.id === id)!.cards[0];
    expect(verbsOf(base)).toEqual([]);
    expect(cardText(base)).toMatch(/Expired .* without approval/);
    expect((await short.store.listAudit({ machineId: machine.id, limit: 5 }))[0]).toMatchObject({ upn: 'alice@contoso.onmicrosoft.com', result: 'expired' });
  });
});
