import type { BenchResults } from './benchmark';
import { rssBytesPer10kSubscriptions } from './footprint';

export interface GoalCheck {
  goal: string;
  measured: string;
  met: boolean;
  /** How far off, when missed. */
  missedBy?: string;
}

const ratio = (value: number) => `${value.toFixed(2)}×`;
const MiB = 1024 ** 2;

/** At most `limit`: the check, with how far over when missed. */
function atMost(goal: string, value: number, limit: number, show: (value: number) => string): GoalCheck {
  return {
    goal, measured: show(value), met: value <= limit,
    ...(value > limit ? { missedBy: `${show(value - limit)} over (${((value / limit - 1) * 100).toFixed(0)} % above the goal)` } : {}),
  };
}

/** The CPU ratio to the echo bot allowed for each operation, by concurrent users. */
const CPU_RATIO_GOALS: Record<number, number> = { 1: 1.5, 50: 1.2 };

/** The goals against the measured figures. */
export function checkGoals(results: BenchResults): GoalCheck[] {
  const checks: GoalCheck[] = [];
  for (const cell of results.turnCost) {
    const limit = CPU_RATIO_GOALS[cell.users];
    if (cell.cpuRatioToEcho === undefined || limit === undefined) continue;
    checks.push(atMost(`${cell.label} CPU per turn ≤ ${limit}× the echo bot's (${cell.users} user${cell.users > 1 ? 's' : ''})`, cell.cpuRatioToEcho, limit, ratio));
  }
  const { product } = results.footprint;
  checks.push(atMost('compiled bot: start-up to ready ≤ 1 s', product.startup.spawnToReadyMs, 1000, (value) => `${value.toFixed(0)} ms`));
  checks.push(atMost('compiled bot: idle RSS ≤ 120 MiB', product.idle.rssBytes / MiB, 120, (value) => `${value.toFixed(1)} MiB`));
  checks.push(atMost('RSS grows by ≤ 20 MiB per 10,000 subscriptions', rssBytesPer10kSubscriptions(product) / MiB, 20, (value) => `${value.toFixed(1)} MiB`));
  const failed = failedTurns(results);
  checks.push({
    goal: 'no turn failed (driver errors and bot-side turn errors)',
    measured: `${failed.seenByUsers} failed, ${failed.loggedByBots} logged by the bots`,
    met: failed.seenByUsers === 0 && failed.loggedByBots === 0,
  });
  for (const command of results.callsPerTurn.commands) {
    if (!command.goal) continue;
    const { maxDefenderRequests, maxOboRequests } = command.goal;
    const met = command.defenderRequests <= maxDefenderRequests && command.oboRequests <= maxOboRequests;
    checks.push({
      goal: `${command.command}: ≤ ${maxDefenderRequests} Defender request(s), ${maxOboRequests} OBO`,
      measured: `${command.defenderRequests} Defender, ${command.oboRequests} OBO`,
      met,
      ...(met ? {} : { missedBy: `${Math.max(0, command.defenderRequests - maxDefenderRequests)} Defender and ${Math.max(0, command.oboRequests - maxOboRequests)} OBO request(s) too many` }),
    });
  }
  const { obo } = results;
  checks.push({
    goal: '1 OBO request per user per token lifetime (whole run)',
    measured: `${obo.requests} OBO for ${obo.signIns} sign-ins`,
    met: obo.requests <= obo.signIns,
    ...(obo.requests > obo.signIns ? { missedBy: `${obo.requests - obo.signIns} extra` } : {}),
  });
  const measuredTokens = results.turnCost.reduce((sum, cell) => sum + cell.entraTokenRequests, 0);
  checks.push({
    goal: 'no token request for commands of signed-in users (all measured turns)',
    measured: `${measuredTokens}`,
    met: measuredTokens === 0,
    ...(measuredTokens > 0 ? { missedBy: `${measuredTokens} request(s)` } : {}),
  });
  for (const variant of results.telemetry.variants.filter((v) => v.telemetry !== 'off')) {
    const overhead = variant.cpuRatioToOff - 1;
    checks.push({
      goal: `telemetry (${variant.telemetry}): \`alerts\` CPU per turn ≤ 1.05× without telemetry`,
      measured: ratio(variant.cpuRatioToOff),
      met: overhead <= 0.05,
      ...(overhead > 0.05 ? { missedBy: `${((overhead - 0.05) * 100).toFixed(1)} points over` } : {}),
    });
  }
  const { burst } = results;
  checks.push({
    goal: 'burst: achieved rate ≥ 0.9 × the allowed rate',
    measured: ratio(burst.ratioToAllowed),
    met: burst.ratioToAllowed >= 0.9,
    ...(burst.ratioToAllowed < 0.9 ? { missedBy: `${((0.9 - burst.ratioToAllowed) * 100).toFixed(0)} points below` } : {}),
  });
  checks.push({
    goal: 'burst: no 429 from Teams',
    measured: `${burst.throttled429}`,
    met: burst.throttled429 === 0,
    ...(burst.throttled429 > 0 ? { missedBy: `${burst.throttled429} × 429` } : {}),
  });
  checks.push({
    goal: 'burst: every card delivered once',
    measured: `${burst.cardsDelivered} of ${burst.cardsExpected}, ${burst.duplicates} duplicate(s)`,
    met: burst.cardsDelivered === burst.cardsExpected && burst.duplicates === 0,
  });
  const { storm } = results;
  checks.push({
    goal: 'storm: every alert visible, in its own card or one digest per channel, no card twice',
    measured: `${storm.alertsInDigests} of ${storm.cardsExpected} in ${storm.digestCards} digest(s) for ${storm.channels} channel(s), ${storm.duplicates} duplicate(s)`,
    met: storm.digestCards === storm.channels && storm.duplicates === 0,
  });
  checks.push({
    goal: 'storm: no 429 from Teams',
    measured: `${storm.throttled429}`,
    met: storm.throttled429 === 0,
    ...(storm.throttled429 > 0 ? { missedBy: `${storm.throttled429} × 429` } : {}),
  });
  const { replicas } = results;
  checks.push({
    goal: 'replicas: 1 OBO request per user across both replicas',
    measured: `${replicas.oboRequests} OBO for ${replicas.users} users`,
    met: replicas.oboRequests <= replicas.users,
    ...(replicas.oboRequests > replicas.users ? { missedBy: `${replicas.oboRequests - replicas.users} extra` } : {}),
  });
  const { viewers } = results;
  checks.push({
    goal: `viewers of a response card in a ${viewers.members}-member channel: ≤ 1 Defender read per card change`,
    measured: `${viewers.viewerDefenderRequests} reads for ${viewers.cardChanges} changes (${viewers.perCardChange.toFixed(2)} per change)`,
    met: viewers.perCardChange <= 1,
    ...(viewers.perCardChange > 1 ? { missedBy: `${(viewers.perCardChange - 1).toFixed(2)} reads per change too many` } : {}),
  });
  checks.push({
    goal: 'poll: Defender requests = 1 + one per extra page',
    measured: `${burst.poll.defenderRequests} for ${burst.poll.alerts} alerts (${burst.poll.pages} page(s))`,
    met: burst.poll.defenderRequests === burst.poll.pages,
    ...(burst.poll.defenderRequests !== burst.poll.pages ? { missedBy: `${burst.poll.defenderRequests - burst.poll.pages} extra` } : {}),
  });
  return checks;
}

/** Turns that failed as the simulated users saw them, and turn errors the bots logged (which a user may not see). */
export function failedTurns(results: BenchResults): { seenByUsers: number; loggedByBots: number } {
  const cells = [...results.turnCost, ...results.replicas.cells];
  return {
    seenByUsers: cells.reduce((sum, cell) => sum + cell.failures, 0),
    loggedByBots: results.botLogs.filter((line) => line.startsWith('turn failed')).length,
  };
}
