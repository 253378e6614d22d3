/**
 * Every alert of a storm stays reachable from a card, through the real bot: the digest card's
 * newest open, and "List all alerts" posts the storm 20 a page, each with Open, "Next page" until
 * the last; Open shows the alert as the clicker. Channel users sign in the Teams way.
 */
import type { Alert } from '../src/defender/model';
import { SEEDED_USERS } from '../src/twin/directory';
import type { Conversation } from '../src/twin/teams';
import { askBot, botMessages, buttonData, cardText, socChannel, startBotWithTwin, verbsOf, type BotWithTwin } from './support/bot-harness';
import { eventually } from './support/eventually';
import { scrape, total } from './support/prometheus';
import { openedAlerts } from './support/storm';
import { type RunningTelemetry, startTelemetry } from '../src/telemetry/start';

jest.setTimeout(60_000);

const { alice } = SEEDED_USERS;
const AFTER_CARDS = 3;
let env: BotWithTwin;
let channel: Conversation;
let raised: Alert[];
let telemetry: RunningTelemetry;

beforeAll(async () => {
  telemetry = (await startTelemetry({ enabled: true, prometheus: { host: '127.0.0.1', port: 0 } }))!;
  env = await startBotWithTwin({
    notifier: { pollIntervalMs: 3_600_000, digest: { afterCards: AFTER_CARDS, windowMs: 10 * 60_000, bypassSeverity: 'High' } },
  });
  channel = await socChannel(env);
  await askBot(env.twin, alice, channel, 'subscribe low');
  const machines = env.twin.defender.data.machines.filter((machine) => machine.rbacGroupName);
  env.twin.clock.advance(1000);
  raised = Array.from({ length: 47 }, (_, index) => env.twin.defender.addAlert({
    machineId: machines[index % machines.length].id, severity: index % 20 === 10 ? 'High' : 'Medium', title: `Phishing wave ${index + 1}`,
  }));
  env.twin.clock.advance(1000);
  await env.app.notifier.poller.pollOnce();
  await eventually(async () => {
    await env.app.notifier.sender.drainOnce();
    expect(await env.store.pendingOutbox()).toBe(0);
  }, 30_000, 100);
});
afterAll(async () => {
  await env.close();
  await telemetry.shutdown();
});

const alertIdOn = (card: unknown, verb: string) => (buttonData(card, verb) as { p: { alertId: string } }).p.alertId;
const ownCards = () => botMessages(env.twin, channel).filter((entry) => entry.cards.length > 0 && verbsOf(entry.cards[0]).includes('alert.refresh'));
const digests = () => botMessages(env.twin, channel).filter((entry) => entry.cards.length > 0 && verbsOf(entry.cards[0]).includes('digest.alerts'));

/** Clicks a button and returns the card the bot posted below. */
async function clickForCardBelow(messageId: string, verb: string): Promise<{ id: string; card: unknown }> {
  const before = botMessages(env.twin, channel).length;
  const click = await env.twin.teams.driver.click(alice, messageId, verb);
  expect(click.status).toBe(200);
  return eventually(() => {
    const posted = botMessages(env.twin, channel).slice(before).find((entry) => entry.cards.length > 0);
    if (!posted) throw new Error('nothing posted below yet');
    return { id: posted.id, card: posted.cards[0] };
  });
}

it('reaches every alert: its own card, or the digest and its pages', async () => {
  const own = ownCards().map((entry) => alertIdOn(entry.cards[0], 'alert.refresh'));
  const high = raised.filter((alert) => alert.severity === 'High').map((alert) => alert.id);
  expect(own).toEqual(expect.arrayContaining(high));
  expect(own).toHaveLength(AFTER_CARDS + high.length);
  expect(digests()).toHaveLength(1);
  const [digest] = digests();
  expect(cardText(digest.cards[0])).toContain(`Alert storm: ${raised.length - own.length} alerts in this card`);

  const pages = Math.ceil((raised.length - own.length) / 20);
  const listed: string[] = [];
  let page = await clickForCardBelow(digest.id, 'digest.alerts');
  expect(cardText(page.card)).toContain(`page 1 of ${pages}`);
  for (;;) {
    listed.push(...openedAlerts(page.card));
    if (!verbsOf(page.card).includes('digest.alerts')) break;
    page = await clickForCardBelow(page.id, 'digest.alerts');
  }
  expect(cardText(page.card)).toContain(`page ${pages} of ${pages}`);
  expect(new Set(listed).size).toBe(listed.length);
  expect([...own, ...listed].sort()).toEqual(raised.map((alert) => alert.id).sort());
});

it('counts the digested alerts and the open digest in the metrics', async () => {
  const metrics = await scrape(telemetry.metricsUrl!);
  expect(total(metrics, 'chatops_notifications_digested_total')).toBe(raised.length - ownCards().length);
  expect(total(metrics, 'chatops_notify_digests_open')).toBe(1);
  expect(total(metrics, 'chatops_notify_digest_mode')).toBe(1);
});

it('Open on a listed alert shows the alert card, read as the clicker', async () => {
  const [digest] = digests();
  const [newest] = openedAlerts(digest.cards[0]);
  const alert = raised.find((candidate) => candidate.id === newest)!;
  const defenderBefore = env.twin.defender.requests.length;
  const card = await clickForCardBelow(digest.id, 'alert.open');
  expect(cardText(card.card)).toContain(alert.title);
  expect(env.twin.defender.requests.slice(defenderBefore).some((request) => request.path.includes(encodeURIComponent(newest)) || request.path.includes(newest))).toBe(true);
});
