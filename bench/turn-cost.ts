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
 * users' turns are prepared, warmed up, then run concurrently between two CPU readings of the bot's process.
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
    let echoCpu: number | undefined;
    for (const name of ORDER) {
      const cell = await measureCell(twin, bots[catalog[name].bot], catalog[name], cohort, turnsPerUser, warmupPerUser);
      if (name === 'echo') echoCpu = cell.cpuMsPerTurn;
      else if (echoCpu) cell.cpuRatioToEcho = cell.cpuMsPerTurn / echoCpu;
      cells.push(cell);
    }
  }
  return cells;
}

/** One cell: `operation` by every user of `users` at once on `bot`, warmed up, between two CPU readings. */
export async function measureCell(
  twin: Twin, bot: BotProcess, operation: Operation, users: readonly BenchUser[], turnsPerUser: number, warmupTurns: number,
): Promise<TurnCostCell> {
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
  };
}
