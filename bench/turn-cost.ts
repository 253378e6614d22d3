import type { Twin } from '../src/twin';
import { runConcurrently } from './load';
import { type Operation, type OperationName, operations } from './operations';
import type { BotProcess } from './spawn-bot';
import { percentile } from './stats';
import type { BenchUser } from './users';

export interface TurnCostSettings {
  concurrency: readonly number[];
  /** Measured turns per cell: at least this many in all... */
  minTurns: number;
  /** ...and at least this many per user. */
  minTurnsPerUser: number;
  /** Unmeasured turns before each cell (JIT, connection pools, caches): at least this many in all... */
  minWarmupTurns: number;
  /** ...and at least this many per user. */
  warmupTurnsPerUser: number;
  /**
   * Each concurrency's cells are measured this many times, each round in another order of the
   * operations (the warm-up only before the first), and a cell's figures are of all its rounds:
   * the machine's drift falls on every operation alike.
   */
  rounds: number;
}

export interface TurnCostCell {
  operation: OperationName;
  label: string;
  users: number;
  turns: number;
  failures: number;
  throughputPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** CPU time (user + system) of the bot's process per turn. */
  cpuMsPerTurn: number;
  /** Of that, system time: the kernel's work on the process's behalf (sockets, loopback delivery). */
  systemMsPerTurn: number;
  /** cpuMsPerTurn divided by the echo bot's at the same concurrency; absent for the echo bot itself. */
  cpuRatioToEcho?: number;
  /** Defender requests per turn in the cell (every user, follow-ups included), and how many failed. */
  defenderRequestsPerTurn: number;
  defenderErrors: number;
  /** Token requests to Entra during the measured turns (signed-in users need none). */
  entraTokenRequests: number;
  firstFailure?: string;
}

const ORDER: OperationName[] = ['echo', 'alerts', 'device', 'isolate'];

/**
 * Throughput, latency and bot CPU per turn of each operation at each concurrency. Each cell: the
 * users' turns are prepared, warmed up, then run concurrently between two CPU readings of the bot's
 * process, in rounds (TurnCostSettings.rounds).
 */
export async function measureTurnCost(
  twin: Twin, bots: Record<Operation['bot'], BotProcess>, users: readonly BenchUser[], settings: TurnCostSettings,
): Promise<TurnCostCell[]> {
  const catalog = operations(twin);
  const cells: TurnCostCell[] = [];
  for (const concurrency of settings.concurrency) {
    const cohort = users.slice(0, concurrency);
    if (cohort.length < concurrency) throw new Error(`only ${users.length} users for ${concurrency} concurrent users`);
    const turnsPerUser = Math.max(settings.minTurnsPerUser, Math.ceil(settings.minTurns / concurrency));
    const warmupPerUser = Math.max(settings.warmupTurnsPerUser, Math.ceil(settings.minWarmupTurns / concurrency));
    const rounds = new Map<OperationName, MeasuredCell[]>(ORDER.map((name) => [name, []]));
    for (let round = 0; round < settings.rounds; round++) {
      for (const name of rotated(ORDER, round)) {
        rounds.get(name)!.push(await measureCell(twin, bots[catalog[name].bot], catalog[name], cohort, turnsPerUser, round === 0 ? warmupPerUser : 0));
      }
    }
    const echo = combined(rounds.get('echo')!);
    cells.push(echo);
    for (const name of ORDER.slice(1)) {
      const cell = combined(rounds.get(name)!);
      cells.push({ ...cell, cpuRatioToEcho: cell.cpuMsPerTurn / echo.cpuMsPerTurn });
    }
  }
  return cells;
}

function rotated<T>(items: readonly T[], by: number): T[] {
  return items.map((_, index) => items[(index + by) % items.length]);
}

/** One cell of several rounds: per-turn figures over all their turns, latencies of all their turns. */
function combined(rounds: readonly MeasuredCell[]): TurnCostCell {
  const turns = rounds.reduce((sum, round) => sum + round.turns, 0);
  const perTurn = (value: (round: MeasuredCell) => number) => rounds.reduce((sum, round) => sum + value(round) * round.turns, 0) / Math.max(1, turns);
  const latencies = rounds.flatMap((round) => round.latenciesMs);
  const { latenciesMs: _latencies, elapsedMs: _elapsed, ...first } = rounds[0];
  const firstFailure = rounds.find((round) => round.firstFailure)?.firstFailure;
  return {
    ...first,
    turns,
    failures: rounds.reduce((sum, round) => sum + round.failures, 0),
    throughputPerSecond: turns / (rounds.reduce((sum, round) => sum + round.elapsedMs, 0) / 1000),
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    cpuMsPerTurn: perTurn((round) => round.cpuMsPerTurn),
    systemMsPerTurn: perTurn((round) => round.systemMsPerTurn),
    defenderRequestsPerTurn: perTurn((round) => round.defenderRequestsPerTurn),
    defenderErrors: rounds.reduce((sum, round) => sum + round.defenderErrors, 0),
    entraTokenRequests: rounds.reduce((sum, round) => sum + round.entraTokenRequests, 0),
    ...(firstFailure ? { firstFailure } : {}),
  };
}

/** A cell as measured, with what combining rounds needs. */
export interface MeasuredCell extends TurnCostCell {
  latenciesMs: number[];
  elapsedMs: number;
}

/** One cell: `operation` by every user of `users` at once on `bot`, warmed up, between two CPU readings. */
export async function measureCell(
  twin: Twin, bot: BotProcess, operation: Operation, users: readonly BenchUser[], turnsPerUser: number, warmupTurns: number,
): Promise<MeasuredCell> {
  twin.teams.setBotEndpoint(bot.endpoint);
  const plan = (count: number) => Promise.all(users.map(async (user, index) => ({ worker: user, items: await operation.prepare(user, index, count) })));
  const warmup = await runConcurrently(await plan(warmupTurns), operation.turn);
  if (warmup.failures.length > 0) throw new Error(`${operation.name} warm-up failed: ${warmup.failures[0]}`);
  await operation.settle();
  const work = await plan(turnsPerUser);

  const defenderBefore = twin.defender.requests.length;
  const tokensBefore = twin.entra.tokenRequests.length;
  const cpuBefore = await bot.cpuSplitMs();
  const result = await runConcurrently(work, operation.turn);
  await operation.settle();
  const cpuAfter = await bot.cpuSplitMs();
  const defender = twin.defender.requests.slice(defenderBefore);

  return {
    operation: operation.name,
    label: operation.label,
    users: users.length,
    turns: result.turns,
    failures: result.failures.length,
    throughputPerSecond: result.turns / (result.elapsedMs / 1000),
    p50Ms: percentile(result.latenciesMs, 50),
    p99Ms: percentile(result.latenciesMs, 99),
    cpuMsPerTurn: (cpuAfter.totalMs - cpuBefore.totalMs) / Math.max(1, result.turns),
    systemMsPerTurn: (cpuAfter.systemMs - cpuBefore.systemMs) / Math.max(1, result.turns),
    defenderRequestsPerTurn: defender.length / Math.max(1, result.turns),
    defenderErrors: defender.filter((request) => request.status >= 400).length,
    entraTokenRequests: twin.entra.tokenRequests.length - tokensBefore,
    ...(result.failures[0] ? { firstFailure: result.failures[0] } : {}),
    latenciesMs: result.latenciesMs,
    elapsedMs: result.elapsedMs,
  };
}
