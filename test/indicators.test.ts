/**
 * Indicators as the user, end to end: `block …` typed and Block indicator… from an alert's
 * evidence each ask for a confirmation with a required comment, then send exactly one
 * `POST /api/indicators` with the clicker's token (Ti.ReadWrite), naming the analyst and the
 * alert; the result is shown to everyone, audited, and links to the portal (no deletion by the bot).
 */
import { SEEDED_USERS } from '../src/twin/directory';
import { evidence } from './support/card-samples';
import {
  botInSocChannel, buttonData, cardText, eventually, freshWorkstation, lastBotCard, sayAndSignIn, verbsOf,
} from './support/bot-harness';

const { bob, carol } = SEEDED_USERS;
const DAY = 24 * 3_600_000;
const soc = botInSocChannel();

const posts = () => soc.env.twin.defender.requests.filter((r) => r.method === 'POST' && r.path === '/api/indicators');
const indicators = () => soc.env.twin.defender.indicators.indicators;
const message = (id: string) => soc.env.twin.teams.driver.transcript(soc.channel).find((m) => m.id === id)!;

async function ask(user: string, text: string, expected: RegExp): Promise<{ id: string; card: unknown }> {
  await sayAndSignIn(soc.env.twin, user, soc.channel, text);
  return eventually(() => {
    const last = lastBotCard(soc.env.twin, soc.channel);
    if (!expected.test(cardText(last.card))) throw new Error(`not yet: ${cardText(last.card)}`);
    return last;
  });
}

function choices(card: unknown, id: string): { value: string }[] {
  return (card as { body: { id?: string; choices?: { value: string }[] }[] }).body.find((element) => element.id === id)?.choices ?? [];
}

function valueOf(card: unknown, id: string): unknown {
  return (card as { body: { id?: string; value?: unknown }[] }).body.find((element) => element.id === id)?.value;
}

describe('block, typed', () => {
  it('asks for a confirmation; Confirm sends one POST as the clicker with the action, the expiry and a title naming them; everyone sees the result', async () => {
    const before = posts().length;
    const { id, card } = await ask(bob, 'block 203.0.113.77 for 7d C2 of the phishing wave', /Block an indicator/);
    expect(posts()).toHaveLength(before);
    expect(valueOf(card, 'expiry')).toBe(String(7 * 24));
    expect(valueOf(card, 'comment')).toBe('C2 of the phishing wave');
    const data = buttonData(card, 'indicator.confirm');
    const answer = (await soc.env.twin.teams.driver.click(bob, id, 'indicator.confirm', {
      ...data, indicator: '203.0.113.77', action: 'Block', expiry: String(7 * 24), comment: 'C2 of the phishing wave',
    })).body as { value: unknown };
    expect(posts()).toHaveLength(before + 1);
    expect(posts().at(-1)).toMatchObject({ status: 200, upn: 'bob@contoso.onmicrosoft.com' });
    expect(posts().at(-1)!.scopes).toContain('Ti.ReadWrite');
    const created = indicators().find((indicator) => indicator.indicatorValue === '203.0.113.77')!;
    expect(created).toMatchObject({ indicatorType: 'IpAddress', action: 'Block', generateAlert: true, createdBySource: 'bob@contoso.onmicrosoft.com' });
    expect(created.title).toContain('bob@contoso.onmicrosoft.com');
    expect(created.description).toContain('C2 of the phishing wave');
    expect(Math.abs(Date.parse(created.expirationTime!) - (soc.env.twin.clock.now() + 7 * DAY))).toBeLessThan(60_000);
    expect(cardText(answer.value)).toContain('Indicator submitted');
    expect(JSON.stringify(answer.value)).toContain('https://security.microsoft.com/securitysettings/endpoints/custom_ti_indicators');
    expect(cardText(message(id).cards[0])).toContain('Indicator submitted');
    const [entry] = await soc.env.store.listAudit({ limit: 1 });
    expect(entry).toMatchObject({ action: 'SubmitIndicator Block', upn: 'bob@contoso.onmicrosoft.com', result: 'requested', defenderActionId: created.id });
    expect(entry.comment).toContain('203.0.113.77');
  });

  it('defaults to 30 days; the same confirmation clicked twice reaches Defender once', async () => {
    const { id, card } = await ask(bob, 'block evil-updates.example.com warn', /Block an indicator/);
    expect(valueOf(card, 'expiry')).toBe(String(30 * 24));
    expect(valueOf(card, 'action')).toBe('Warn');
    const inputs = { ...buttonData(card, 'indicator.confirm'), indicator: 'evil-updates.example.com', action: 'Warn', expiry: String(30 * 24), comment: 'Typosquat' };
    const before = posts().length;
    await soc.env.twin.teams.driver.click(bob, id, 'indicator.confirm', inputs);
    // The card everyone sees is the result now; a re-sent invoke of the old confirmation is answered without a request.
    const again = await soc.env.twin.teams.driver.invoke(bob, soc.channel, 'adaptiveCard/action', {
      action: { type: 'Action.Execute', verb: 'indicator.confirm', data: inputs }, trigger: 'manual',
    }, { replyToId: id });
    expect(posts()).toHaveLength(before + 1);
    expect(cardText((again.response.body as { value: unknown }).value)).toMatch(/already sent/);
    expect(indicators().find((indicator) => indicator.indicatorValue === 'evil-updates.example.com')?.action).toBe('Warn');
  });

  it('an IPv6 address goes to Defender with all 8 segments, as Defender wants it', async () => {
    const { id, card } = await ask(bob, 'block 2001:db8::5 Exfiltration target', /Block an indicator/);
    await soc.env.twin.teams.driver.click(bob, id, 'indicator.confirm', {
      ...buttonData(card, 'indicator.confirm'), indicator: '2001:db8:0:0:0:0:0:5', action: 'Block', expiry: '720', comment: 'Exfiltration target',
    });
    expect(posts().at(-1)!.status).toBe(200);
    expect(indicators().some((indicator) => indicator.indicatorValue === '2001:db8:0:0:0:0:0:5')).toBe(true);
  });

  it('something that is no hash, IP address, domain or URL is answered with the syntax; nothing is sent', async () => {
    const before = posts().length;
    await ask(bob, 'block 203.0.113.0/24', /block <hash\|ip\|domain\|url>/);
    await ask(bob, 'block 1.2.3.4 for ever', /block <hash\|ip\|domain\|url>/);
    expect(posts()).toHaveLength(before);
  });

  it('a confirmation without a comment is refused by the bot; nothing is sent', async () => {
    const { id, card } = await ask(bob, 'block 198.51.100.23', /Block an indicator/);
    const before = posts().length;
    const answer = (await soc.env.twin.teams.driver.click(bob, id, 'indicator.confirm', {
      ...buttonData(card, 'indicator.confirm'), indicator: '198.51.100.23', action: 'Block', expiry: '720', comment: '  ',
    })).body as { value: unknown };
    expect(cardText(answer.value)).toContain('A comment is required');
    expect(posts()).toHaveLength(before);
  });

  it('a viewer is refused by Defender with the role and Ti.ReadWrite named; no indicator exists; the refusal is audited', async () => {
    const { id, card } = await ask(carol, 'block 198.51.100.99 Suspicious', /Block an indicator/);
    const answer = (await soc.env.twin.teams.driver.click(carol, id, 'indicator.confirm', {
      ...buttonData(card, 'indicator.confirm'), indicator: '198.51.100.99', action: 'Block', expiry: '720', comment: 'Suspicious',
    })).body as { value: unknown };
    expect(cardText(answer.value)).toContain('Active remediation actions');
    expect(cardText(answer.value)).toContain('Ti.ReadWrite');
    expect(posts().at(-1)).toMatchObject({ status: 403, upn: 'carol@contoso.onmicrosoft.com' });
    expect(indicators().some((indicator) => indicator.indicatorValue === '198.51.100.99')).toBe(false);
    expect(message(id).version).toBe(1);
    const [entry] = await soc.env.store.listAudit({ limit: 1 });
    expect(entry).toMatchObject({ action: 'SubmitIndicator Block', upn: 'carol@contoso.onmicrosoft.com', result: 'refused' });
  });
});

describe('Block indicator… from the alert card', () => {
  function alertWithEvidence() {
    const machine = freshWorkstation(soc.env.twin);
    return soc.env.twin.defender.addAlert({
      machineId: machine.id, severity: 'High', title: 'Payload download',
      evidence: [evidence('Process', { fileName: 'powershell.exe', sha1: '1'.repeat(40) }), evidence('File', { fileName: 'a.ps1', sha256: 'b'.repeat(64) }), evidence('Ip', { ipAddress: '203.0.113.88' })],
    });
  }

  it('offers the alert\'s evidence, files first; Confirm sends one POST naming the alert; the result is posted below for everyone', async () => {
    const alert = alertWithEvidence();
    const { id, card } = await ask(bob, `alert ${alert.id}`, /Payload download/);
    expect(verbsOf(card)).toContain('indicator.ask');
    const form = ((await soc.env.twin.teams.driver.click(bob, id, 'indicator.ask')).body as { value: unknown }).value;
    expect(choices(form, 'indicator').map((choice) => choice.value)).toEqual(['b'.repeat(64), '203.0.113.88', '1'.repeat(40)]);
    expect(cardText(message(id).cards[0])).toContain('Payload download');
    const before = posts().length;
    const answer = (await soc.env.twin.teams.driver.click(bob, id, 'indicator.confirm', {
      ...buttonData(form, 'indicator.confirm'), indicator: 'b'.repeat(64), action: 'Audit', expiry: '24', comment: 'Dropper',
    })).body as { value: unknown };
    expect(posts()).toHaveLength(before + 1);
    const created = indicators().find((indicator) => indicator.indicatorValue === 'b'.repeat(64))!;
    expect(created).toMatchObject({ indicatorType: 'FileSha256', action: 'Audit', severity: 'High' });
    expect(created.description).toContain(alert.id);
    expect(created.description).toContain('bob@contoso.onmicrosoft.com');
    expect(cardText(answer.value)).toContain('Payload download');
    expect(cardText(lastBotCard(soc.env.twin, soc.channel).card)).toContain('Indicator submitted');
    const [entry] = await soc.env.store.listAudit({ machineId: alert.machineId!, limit: 1 });
    expect(entry).toMatchObject({ action: 'SubmitIndicator Audit', result: 'requested' });
  });

  it('a crafted value the card did not offer is refused by the bot; nothing is sent', async () => {
    const alert = alertWithEvidence();
    const { id } = await ask(bob, `alert ${alert.id}`, /Payload download/);
    const form = ((await soc.env.twin.teams.driver.click(bob, id, 'indicator.ask')).body as { value: unknown }).value;
    const before = posts().length;
    const answer = (await soc.env.twin.teams.driver.click(bob, id, 'indicator.confirm', {
      ...buttonData(form, 'indicator.confirm'), indicator: '8.8.8.8', action: 'Block', expiry: '24', comment: 'x',
    })).body as { value: unknown };
    expect(cardText(answer.value)).toContain('Choose the indicator');
    expect(posts()).toHaveLength(before);
  });
});
