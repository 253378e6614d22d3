import type { BotConfig } from '../src/config';
import type { Twin } from '../src/twin';
import { type BotFootprint, startMeasured } from './footprint';
import type { BotTelemetry } from './ipc';
import { operations } from './operations';
import type { BotProcess } from './spawn-bot';
import { measureCell } from './turn-cost';
import { installForUsers, signIn, type BenchUser } from './users';

export interface TelemetryCostSettings {
  /** Concurrent users in each cell. */
  users: number;
  /** Rounds of one cell per bot, in a rotating order, so that the machine's drift hits each bot alike. */
  rounds: number;
  turnsPerUser: number;
  warmupTurnsPerUser: number;
  /** Scrapes of the metrics endpoint whose CPU is averaged. */
  scrapes: number;
}

export interface TelemetryVariant {
  telemetry: BotTelemetry;
  turns: number;
  cpuMsPerTurn: number;
  /** cpuMsPerTurn over the bot without telemetry's, from the same rounds. */
  cpuRatioToOff: number;
  footprint: BotFootprint;
}

export interface TelemetryCost {
  operation: 'alerts';
  users: number;
  rounds: number;
  variants: TelemetryVariant[];
  /** Users signed in to the three bots (each an on-behalf-of request). */
  signIns: number;
  /** Bot CPU for one scrape of its metrics endpoint, and the size of the answer. */
  scrape: { cpuMs: number; bytes: number };
}

const VARIANTS: BotTelemetry[] = ['off', 'metrics', 'traces'];

/**
 * CPU per `alerts` turn of three fresh product bots, the same but for telemetry (off, Prometheus
 * metrics, metrics and traces), in the same run: each round measures one cell on each bot, the
 * order rotating. Also their start-up and idle memory, and what a scrape costs.
 */
export async function measureTelemetryCost(
  twin: Twin, config: BotConfig, users: readonly BenchUser[], settings: TelemetryCostSettings, idleMs: number,
): Promise<TelemetryCost> {
  const cohort = users.slice(0, settings.users);
  const bots: { telemetry: BotTelemetry; bot: BotProcess; footprint: BotFootprint; cpuMs: number; turns: number }[] = [];
  try {
    for (const telemetry of VARIANTS) {
      const { bot, footprint } = await startMeasured('product', config, idleMs, telemetry);
      bots.push({ telemetry, bot, footprint, cpuMs: 0, turns: 0 });
      twin.teams.setBotEndpoint(bot.endpoint);
      await installForUsers(twin, cohort);
      await signIn(twin, cohort);
    }
    const alerts = operations(twin).alerts;
    for (let round = 0; round < settings.rounds; round++) {
      for (let index = 0; index < bots.length; index++) {
        const entry = bots[(index + round) % bots.length];
        const cell = await measureCell(twin, entry.bot, alerts, cohort, settings.turnsPerUser, settings.warmupTurnsPerUser);
        if (cell.failures > 0) throw new Error(`telemetry ${entry.telemetry}: ${cell.firstFailure}`);
        entry.cpuMs += cell.cpuMsPerTurn * cell.turns;
        entry.turns += cell.turns;
      }
    }
    const offCpu = bots[0].cpuMs / bots[0].turns;
    return {
      operation: 'alerts',
      users: cohort.length,
      rounds: settings.rounds,
      signIns: bots.length * cohort.length,
      variants: bots.map((entry) => ({
        telemetry: entry.telemetry,
        turns: entry.turns,
        cpuMsPerTurn: entry.cpuMs / entry.turns,
        cpuRatioToOff: entry.cpuMs / entry.turns / offCpu,
        footprint: entry.footprint,
      })),
      scrape: await measureScrape(bots[1].bot, settings.scrapes),
    };
  } finally {
    await Promise.all(bots.map((entry) => entry.bot.stop()));
  }
}

async function measureScrape(bot: BotProcess, scrapes: number): Promise<{ cpuMs: number; bytes: number }> {
  if (!bot.metricsUrl) throw new Error('the metrics bot has no metrics endpoint');
  let bytes = 0;
  const before = await bot.cpuMs();
  for (let index = 0; index < scrapes; index++) bytes = (await (await fetch(bot.metricsUrl)).text()).length;
  return { cpuMs: (await bot.cpuMs() - before) / scrapes, bytes };
}
