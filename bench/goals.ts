import type { BenchResults } from './benchmark';

export interface GoalCheck {
  goal: string;
  measured: string;
  met: boolean;
  /** How far off, when missed. */
  missedBy?: string;
}

const ratio = (value: number) => `${value.toFixed(2)}×`;

/** The goals against the measured figures. */
export function checkGoals(results: BenchResults): GoalCheck[] {
  const checks: GoalCheck[] = [];
  for (const cell of results.turnCost.filter((c) => c.operation === 'alerts')) {
    const value = cell.cpuRatioToEcho ?? Number.NaN;
    checks.push({
      goal: `\`alerts\` CPU per turn ≤ 1.5× the echo bot's (${cell.users} user${cell.users > 1 ? 's' : ''})`,
      measured: ratio(value),
      met: value <= 1.5,
      ...(value > 1.5 ? { missedBy: `${ratio(value - 1.5)} over (${((value / 1.5 - 1) * 100).toFixed(0)} % above the goal)` } : {}),
    });
  }
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
