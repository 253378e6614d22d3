import type { PollResult } from '../src/notify/poller';
import type { BotConfig } from '../src/config';
import type { Twin } from '../src/twin';
import { toDefenderTimestamp } from '../src/twin/defender/seed';
import type { Conversation } from '../src/twin/teams';
import type { BotTelemetry, MemoryFigures } from './ipc';
import { runConcurrently } from './load';
import { slope } from './stats';
import { BotProcess, type StartupFigures } from './spawn-bot';
import { type BenchUser, installForUsers, signIn } from './users';

export interface BotFootprint {
  startup: StartupFigures;
  /** Soon after start-up (AFTER_START_MS, or the idle time if shorter), after a full GC. */
  afterStart: MemoryFigures;
  /** After the settings' idle time without traffic, after a full GC. */
  idle: MemoryFigures;
}

/** When memory is first read: start-up's garbage is collectable by then, the young generation it grew is still committed. */
export const AFTER_START_MS = 2_000;

/** Memory and the cost of matching alerts to subscriptions, with this many subscriptions. */
export interface SubscriptionLevel {
  subscriptions: number;
  /** After the subscriptions were made through chat and the idle time, after a full GC. */
  memory: MemoryFigures;
  /** Bot CPU for one poll of `matchingAlerts` new Medium alerts that no subscription takes (matching only). */
  matchingPollCpuMs: number;
}

/** One poll's figures. */
export interface PollFigures {
  /** Alerts the poll read (the new ones, and any other changed within the overlap). */
  read: number;
  /** Of those, unchanged since the bot delivered them. */
  unchanged: number;
  cpuMs: number;
  defenderRequests: number;
}

/**
 * The poll that reads `alerts` new alerts (none of them matching a subscription), and the next
 * poll, which reads them again within the overlap, unchanged.
 */
export interface PollCost extends PollFigures {
  alerts: number;
  again: PollFigures;
}

export interface ProductFootprint extends BotFootprint {
  levels: SubscriptionLevel[];
  matchingAlerts: number;
  polls: PollCost[];
}

export interface FootprintSettings {
  /** Subscriptions to grow to, in order; the poll costs are taken at the first level. */
  subscriptionLevels: readonly number[];
  /** New alerts per poll for the poll-cost figures. */
  pollAlerts: readonly number[];
  /** New alerts per poll for the matching-cost figure at each level. */
  matchingAlerts: number;
  /**
   * How long a new bot process sits without traffic before its idle memory is read: long enough for
   * V8's memory reducer (it starts some 8 s after the allocation rate drops) to give back the young
   * generation that start-up grew.
   */
  idleMs: number;
}

const CHANNELS_PER_TEAM = 5;
const SUBSCRIBING_USERS = 10;

/** Starts a bot process and takes its start-up figures and idle memory. */
export async function startMeasured(
  kind: BotProcess['kind'], config: BotConfig, idleMs: number, telemetry: BotTelemetry = 'off',
): Promise<{ bot: BotProcess; footprint: BotFootprint }> {
  const bot = await BotProcess.start(kind, config, telemetry);
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  const firstReadingMs = Math.min(AFTER_START_MS, idleMs);
  await sleep(firstReadingMs);
  const afterStart = await bot.memory();
  await sleep(idleMs - firstReadingMs);
  return { bot, footprint: { startup: bot.startup, afterStart, idle: await bot.memory() } };
}

/**
 * A fresh product bot: start-up and idle memory; then, at each subscription level (channels in
 * teams of five, the app installed in each team, `subscribe high` by a signed-in user), memory and
 * the CPU of matching a poll's alerts against every subscription; at the first level also the cost
 * of polls of growing size. The Teams and Defender twins' rate limits must be off (this is about
 * memory and CPU, not pacing).
 */
export async function measureProductFootprint(twin: Twin, config: BotConfig, user: BenchUser, settings: FootprintSettings): Promise<ProductFootprint> {
  const { bot, footprint } = await startMeasured('product', config, settings.idleMs);
  try {
    twin.teams.setBotEndpoint(bot.endpoint);
    const channels: Conversation[] = [];
    const levels: SubscriptionLevel[] = [];
    let polls: PollCost[] = [];
    for (const [index, level] of settings.subscriptionLevels.entries()) {
      await subscribeUpTo(twin, bot, user, channels, level);
      if (index === 0) {
        await bot.request<PollResult | undefined>('poll'); // the first poll sets the watermark
        polls = [];
        for (const alerts of settings.pollAlerts) polls.push(await measurePolls(twin, bot, alerts));
      }
      const matching = await measurePolls(twin, bot, settings.matchingAlerts);
      // Read like the idle figure: the burst of subscribe turns grew the young generation (up to 32 MiB,
      // empty), which V8's memory reducer gives back only after a while without work.
      await new Promise((resolve) => setTimeout(resolve, settings.idleMs));
      levels.push({ subscriptions: level, memory: await bot.memory(), matchingPollCpuMs: matching.cpuMs });
    }
    return { ...footprint, levels, matchingAlerts: settings.matchingAlerts, polls };
  } finally {
    await bot.stop();
  }
}

async function subscribeUpTo(twin: Twin, bot: BotProcess, user: BenchUser, channels: Conversation[], subscriptions: number): Promise<void> {
  const { driver } = twin.teams;
  const fresh: Conversation[] = [];
  for (let team = channels.length / CHANNELS_PER_TEAM; channels.length + fresh.length < subscriptions; team++) {
    const names = Array.from({ length: CHANNELS_PER_TEAM - 1 }, (_, index) => `Channel ${index + 2}`);
    const created = driver.createTeam({ name: `Footprint ${team + 1}`, members: [user.oid], channels: names });
    await driver.install(created);
    fresh.push(...created.channels.slice(0, subscriptions - channels.length - fresh.length));
  }
  const subscribe = async (channel: Conversation) => {
    const said = await driver.say(user.oid, channel, 'subscribe high');
    if (said.status !== 200) throw new Error(`subscribe answered ${said.status}`);
  };
  if (channels.length === 0) {
    // Teams has no silent sign-in for bots in channels: the user signs in through their personal chat.
    await installForUsers(twin, [user]);
    await signIn(twin, [user]);
  }
  const workers = Array.from({ length: SUBSCRIBING_USERS }, (_, worker) => ({
    worker, items: fresh.filter((_, index) => index % SUBSCRIBING_USERS === worker),
  }));
  const result = await runConcurrently(workers, (_worker, channel) => subscribe(channel));
  if (result.failures.length > 0) throw new Error(`subscribing failed: ${result.failures[0]}`);
  channels.push(...fresh);
  const stored = await bot.request<number>('subscriptions');
  if (stored !== subscriptions) throw new Error(`the bot holds ${stored} subscriptions, not ${subscriptions}`);
}

/**
 * Raises `alerts` new Medium alerts (the subscriptions take High only), measures the poll that reads
 * them and the next one, which reads them again (the overlap); then ages them past the overlap, as
 * the polls of a few intervals later would find them, so that the next measurement reads its own.
 */
async function measurePolls(twin: Twin, bot: BotProcess, alerts: number): Promise<PollCost> {
  const machines = twin.defender.data.machines;
  const raised = Array.from({ length: alerts }, (_, index) => twin.defender.addAlert({ machineId: machines[index % machines.length].id, severity: 'Medium' }));
  const { enqueued, ...first } = await measurePoll(twin, bot);
  if (first.read < alerts || enqueued !== 0) throw new Error(`the poll read ${first.read} alerts and enqueued ${enqueued}; expected ${alerts} and 0`);
  const { enqueued: _again, ...again } = await measurePoll(twin, bot);
  if (again.unchanged < alerts) throw new Error(`the next poll found ${again.unchanged} alerts unchanged; expected at least ${alerts}`);
  const longAgo = toDefenderTimestamp(twin.clock.now() - 24 * 3600_000);
  for (const alert of raised) twin.defender.updateAlert(alert.id, { lastUpdateTime: longAgo });
  return { alerts, ...first, again };
}

async function measurePoll(twin: Twin, bot: BotProcess): Promise<PollFigures & { enqueued: number }> {
  const defenderBefore = twin.defender.requests.length;
  const cpuBefore = await bot.cpuMs();
  const poll = await bot.request<PollResult | undefined>('poll');
  const cpuMs = (await bot.cpuMs()) - cpuBefore;
  if (!poll) throw new Error('the bot did not poll (it holds no poller lease)');
  return { read: poll.alerts, unchanged: poll.unchanged, enqueued: poll.enqueued, cpuMs, defenderRequests: twin.defender.requests.length - defenderBefore };
}

/**
 * How much resident memory 10,000 more subscriptions take, in bytes: least squares over the levels
 * after the first, since the first turns of a process raise its RSS once (allocator arenas, JIT
 * code) whatever they do; that first rise is the first level's RSS against the idle one.
 */
export function rssBytesPer10kSubscriptions(footprint: ProductFootprint): number {
  return slope(footprint.levels.slice(1).map((level) => ({ x: level.subscriptions, y: level.memory.rssBytes }))) * 10_000;
}

/** CPU the poll spends per subscription and alert it matches, in microseconds (least squares over the levels). */
export function matchingMicrosPerSubscriptionAlert(footprint: ProductFootprint): number {
  return (slope(footprint.levels.map((level) => ({ x: level.subscriptions, y: level.matchingPollCpuMs }))) * 1000) / footprint.matchingAlerts;
}
