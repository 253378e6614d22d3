/**
 * The benchmark still works: its quick mode (a few turns per figure, every part of the full run)
 * produces every figure of the report. Speed is measured by `npm run bench`, never asserted here.
 */
import { type BenchResults, QUICK, runBenchmark } from '../bench/benchmark';
import { checkGoals, failedTurns } from '../bench/goals';
import { renderReport } from '../bench/report';

let results: BenchResults;

beforeAll(async () => {
  results = await runBenchmark(QUICK);
}, 180_000);

/** Every number anywhere in the value (arrays and objects walked), with its path. */
function numbersIn(value: unknown, path = 'results'): [string, number][] {
  if (typeof value === 'number') return [[path, value]];
  if (Array.isArray(value)) return value.flatMap((item, index) => numbersIn(item, `${path}[${index}]`));
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([key, item]) => numbersIn(item, `${path}.${key}`));
  return [];
}

it('measures turn cost for the echo bot and every bot operation at 1, 10 and 50 concurrent users, without failures', () => {
  const cells = results.turnCost.map((cell) => `${cell.operation}@${cell.users}`);
  for (const users of [1, 10, 50]) {
    for (const operation of ['echo', 'alerts', 'device', 'isolate']) expect(cells).toContain(`${operation}@${users}`);
  }
  for (const cell of results.turnCost) {
    expect(cell).toMatchObject({ failures: 0, defenderErrors: 0 });
    expect(cell.turns).toBeGreaterThan(0);
    expect(cell.cpuMsPerTurn).toBeGreaterThan(0);
    expect(cell.systemMsPerTurn).toBeGreaterThanOrEqual(0);
    expect(cell.systemMsPerTurn).toBeLessThanOrEqual(cell.cpuMsPerTurn);
    for (const figure of [cell.throughputPerSecond, cell.p50Ms, cell.p99Ms]) expect(figure).toBeGreaterThan(0);
    if (cell.operation !== 'echo') expect(cell.cpuRatioToEcho).toBeGreaterThan(0);
  }
});

it('times the card renders and Defender answers of the measured turns alone', () => {
  expect(results.turnWork.map((figure) => figure.work)).toEqual([
    '`alerts` card (10 alerts, signed buttons)', 'device card', 'action status card',
    'Defender answer: 10 alerts', 'Defender answer: a device', 'Defender answer: 50 machine actions',
  ]);
  for (const figure of results.turnWork) expect(figure.msEach).toBeGreaterThan(0);
});

it('counts Defender and Entra requests per command, and delivers the whole burst once, counted by the twins', () => {
  const commands = results.callsPerTurn.commands.map((command) => command.command);
  expect(commands).toHaveLength(6);
  for (const command of results.callsPerTurn.commands) expect(command.defenderRequests).toBeGreaterThan(0);
  expect(results.obo.requests).toBeGreaterThan(0);
  const { burst } = results;
  expect(burst.cardsDelivered).toBe(burst.cardsExpected);
  expect(burst.duplicates).toBe(0);
  // The burst is all High: the bypass severity, so no alert of it goes into a storm digest.
  expect([burst.digestCards, burst.alertsInDigests]).toEqual([0, 0]);
  expect(burst.cardsPosted).toBe(burst.cardsExpected);
  expect(burst.secondsUntilVisible).toBeGreaterThan(0);
  expect(burst.allowedPerSecond).toBe(10);
  expect(burst.ratioToAllowed).toBeGreaterThan(0);
  expect(burst.poll.defenderRequests).toBeGreaterThan(0);
  // The storm is mostly below High to a channel subscribed to `low`: past the threshold, one digest.
  const { storm } = results;
  expect(storm.digestCards).toBe(storm.channels);
  expect(storm.alertsInDigests).toBeGreaterThan(0);
  expect(storm.cardsDelivered).toBeLessThan(storm.cardsExpected);
  expect(storm.duplicates).toBe(0);
});

it('measures the CPU of telemetry on a turn against the same bot without it, in the same run, and what a scrape costs', () => {
  const { variants, scrape } = results.telemetry;
  expect(variants.map((variant) => variant.telemetry)).toEqual(['off', 'metrics', 'traces']);
  for (const variant of variants) {
    expect(variant.turns).toBeGreaterThan(0);
    expect(variant.cpuMsPerTurn).toBeGreaterThan(0);
    expect(variant.cpuRatioToOff).toBeGreaterThan(0);
    expect(variant.footprint.startup.spawnToReadyMs).toBeGreaterThan(0);
    expect(variant.footprint.idle.rssBytes).toBeGreaterThan(0);
  }
  expect(variants[0].cpuRatioToOff).toBe(1);
  expect(scrape.bytes).toBeGreaterThan(0);
  expect(scrape.cpuMs).toBeGreaterThan(0);
});

it('counts the Defender requests viewers of a response card cause in a 60-member channel, and its follow-up reads', () => {
  const { viewers } = results;
  expect(viewers.members).toBe(60);
  expect(viewers.cardChanges).toBeGreaterThanOrEqual(3);
  expect(viewers.automaticRefreshes).toBeGreaterThan(0);
  expect(viewers.viewerDefenderRequests).toBeLessThanOrEqual(viewers.cardChanges);
  expect(viewers.followUpRequests).toBeGreaterThan(0);
});

it('takes start-up time and memory of a fresh compiled bot, idle and at each level of subscriptions made through chat', () => {
  const { product, echo } = results.footprint;
  expect(product.levels.map((level) => level.subscriptions)).toEqual(QUICK.footprint.subscriptionLevels);
  for (const footprint of [product, echo]) {
    expect(footprint.startup.spawnToReadyMs).toBeGreaterThan(0);
    expect(footprint.idle.rssBytes).toBeGreaterThan(0);
  }
  for (const level of product.levels) {
    expect(level.memory.rssBytes).toBeGreaterThan(0);
    expect(level.matchingPollCpuMs).toBeGreaterThan(0);
  }
});

it('measures polls of growing size with the Defender requests they made, and one and two replicas on PostgreSQL', () => {
  const { polls } = results.footprint.product;
  expect(polls.map((poll) => poll.alerts)).toEqual(QUICK.footprint.pollAlerts);
  for (const poll of polls) expect(poll.defenderRequests).toBeGreaterThan(0);
  expect(results.replicas.cells.map((cell) => cell.replicas)).toEqual([1, 2]);
  for (const cell of results.replicas.cells) expect(cell.turns).toBe(QUICK.replicas.users * QUICK.replicas.turnsPerUser);
  expect(results.replicas.throughputRatio).toBeGreaterThan(0);
});

it('sees no turn fail, neither as a user nor in the bots\' logs', () => {
  expect(failedTurns(results)).toEqual({ seenByUsers: 0, loggedByBots: 0 });
  expect(results.botLogs).toEqual([]);
});

it('produces only finite figures, and a report that states each one and every goal', () => {
  const notFinite = numbersIn(results).filter(([, value]) => !Number.isFinite(value));
  expect(notFinite).toEqual([]);
  const report = renderReport(results);
  for (const heading of ['## Turn cost', "## A turn's own work, measured alone", "## Where a turn's CPU goes (profiles)", '## Telemetry', '## Calls per turn', '## Notification burst', '## Alert storm (digest)', '## Viewers and follow-up', '## Footprint', '## Scale', '## Goals']) {
    expect(report).toContain(heading);
  }
  expect(report).toContain(results.machine.cpuModel);
  for (const check of checkGoals(results)) expect(report).toContain(check.goal);
  expect(report).not.toMatch(/NaN|undefined|Infinity/);
});
