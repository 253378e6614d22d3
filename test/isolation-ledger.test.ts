/**
 * The isolation ledger over loopback: an isolation's confirmation picks its release reminder, the
 * bot records who asked, when and why, and `isolated` lists the devices isolated now from
 * Defender's action history (as the asking user sees it), reconciled with the ledger, so an
 * isolation made outside the bot shows too, marked as such.
 */
import { WELL_KNOWN_DEVICES } from '../src/twin/defender/seed';
import { SEEDED_USERS } from '../src/twin/directory';
import { askForCard, botInSocChannel, cardText, eventually, freshWorkstation, verbsOf } from './support/bot-harness';

const { alice, bob } = SEEDED_USERS;
const soc = botInSocChannel();

describe('isolating through the bot, then `isolated`', () => {
  it('the confirmation offers the release reminder (24 h preselected); the choice is kept with the isolation', async () => {
    const machine = freshWorkstation(soc.env.twin);
    const { id } = await askForCard(soc.env.twin, bob, soc.channel, `device ${machine.computerDnsName}`);
    const click = await soc.env.twin.teams.driver.click(bob, id, 'isolate.ask');
    const confirmation = JSON.stringify((click.body as { value: unknown }).value);
    expect(confirmation).toMatch(/"id":"releaseReminder"[^}]*"value":"24h"/);
    expect(cardText((click.body as { value: unknown }).value)).toMatch(/4 hours[\s\S]*24 hours[\s\S]*72 hours[\s\S]*No reminder/);
    await soc.env.twin.teams.driver.click(bob, id, 'isolate.confirm', { comment: 'Beaconing to C2', isolationType: 'Selective', releaseReminder: '4h' });
    soc.env.twin.clock.advance(20_000);
    await eventually(() => {
      if (!verbsOf(soc.env.twin.teams.driver.transcript(soc.channel).find((m) => m.id === id)!.cards[0]).includes('release.ask')) throw new Error('not isolated yet');
    });

    const requestsBefore = soc.env.twin.defender.requests.length;
    const { text } = await askForCard(soc.env.twin, alice, soc.channel, 'isolated');
    const listing = soc.env.twin.defender.requests.slice(requestsBefore).filter((r) => r.endpoint === 'machineActions.list');
    expect(listing).toEqual([expect.objectContaining({ status: 200, upn: 'alice@contoso.onmicrosoft.com' })]);
    expect(decodeURIComponent(listing[0].path)).toContain("$filter=(type eq 'Isolate' or type eq 'Unisolate')");

    const lines = text.split('\n');
    const ours = lines.indexOf(machine.computerDnsName);
    expect(ours).toBeGreaterThan(-1);
    expect(lines[ours + 1]).toMatch(/^Selective · isolated .* · by bob@contoso\.onmicrosoft\.com$/);
    expect(lines[ours + 2]).toMatch(/^through this bot · release reminder .*\(in (4 hr|3 hr|240 min)/);
    // The seeded isolation of ws-0042 was made through Defender's API by someone, not this bot.
    const portal = lines.indexOf(WELL_KNOWN_DEVICES.isolated);
    expect(portal).toBeGreaterThan(-1);
    expect(lines[portal + 1]).toMatch(/by bob@contoso\.onmicrosoft\.com/);
    expect(lines[portal + 2]).toBe('outside this bot (Defender portal, API or automation)');
  });

  it('lists only devices the asking user can see, and a released device no longer', async () => {
    const server = soc.env.twin.defender.data.machines.find((m) => m.computerDnsName === WELL_KNOWN_DEVICES.server)!;
    // The server is isolated from outside the bot; Bob's role covers only Workstations.
    const { id } = await askForCard(soc.env.twin, alice, soc.channel, `device ${server.computerDnsName}`);
    await soc.env.twin.teams.driver.click(alice, id, 'isolate.ask');
    await soc.env.twin.teams.driver.click(alice, id, 'isolate.confirm', { comment: 'Server beaconing', isolationType: 'Full', releaseReminder: 'none' });
    soc.env.twin.clock.advance(20_000);
    expect((await askForCard(soc.env.twin, alice, soc.channel, 'isolated')).text).toMatch(new RegExp(`${server.computerDnsName}\\n[^\\n]*\\nthrough this bot · no release reminder`));
    expect((await askForCard(soc.env.twin, bob, soc.channel, 'isolated')).text).not.toContain(server.computerDnsName);

    await soc.env.twin.teams.driver.click(alice, id, 'release.ask');
    await soc.env.twin.teams.driver.click(alice, id, 'release.confirm', { comment: 'Clean' });
    soc.env.twin.clock.advance(20_000);
    await eventually(async () => {
      if ((await askForCard(soc.env.twin, alice, soc.channel, 'isolated')).text.includes(server.computerDnsName)) throw new Error('still listed');
    });
  });

  it('is in help', async () => {
    expect((await askForCard(soc.env.twin, alice, soc.channel, 'help')).text).toMatch(/isolated[\s\S]*Devices isolated now/);
  });
});
