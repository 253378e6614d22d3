import type { BotConfig } from '../src/config';
import { twinBotConfig } from '../src/local-mode';
import { startTwin, type Twin } from '../src/twin';
import { type BurstResult, type BurstSettings, measureBurst } from './burst';
import { type CallsPerTurn, measureCallsPerTurn } from './calls-per-turn';
import { type BotFootprint, type FootprintSettings, measureProductFootprint, type ProductFootprint, startMeasured } from './footprint';
import { describeMachine, type MachineDescription } from './machine';
import { measureReplicas, type ReplicaResult, type ReplicaSettings } from './replicas';
import type { BotProcess } from './spawn-bot';
import { measureTelemetryCost, type TelemetryCost, type TelemetryCostSettings } from './telemetry-cost';
import { measureTurnCost, type TurnCostCell, type TurnCostSettings } from './turn-cost';
import { measureTurnWork, type TurnWorkFigure, type TurnWorkSettings } from './turn-work';
import { addBenchMachines, isolatableMachines } from './operations';
import { addBenchUsers, installForUsers, signIn } from './users';
import { measureViewerCost, type ViewerCost } from './viewers';

/** Members of the channel whose viewers' cost is measured: Teams refreshes automatically in chats and channels of up to 60. */
const VIEWER_CHANNEL_MEMBERS = 60;

export interface BenchSettings {
  mode: 'full' | 'quick';
  turnCost: TurnCostSettings;
  turnWork: TurnWorkSettings;
  telemetry: TelemetryCostSettings;
  callRepetitions: number;
  burst: BurstSettings;
  /** A storm of mostly lower alerts to channels subscribed to `low`: bypass cards and one digest per channel. */
  storm: BurstSettings;
  footprint: FootprintSettings;
  replicas: ReplicaSettings;
}

export const FULL: BenchSettings = {
  mode: 'full',
  turnCost: { concurrency: [1, 10, 50], minTurns: 200, minTurnsPerUser: 4, minWarmupTurns: 300, warmupTurnsPerUser: 6, rounds: 3 },
  turnWork: { batches: 9, repetitionsPerBatch: 300 },
  telemetry: { users: 10, rounds: 6, turnsPerUser: 10, warmupTurnsPerUser: 2, scrapes: 20 },
  callRepetitions: 3,
  burst: { channels: 5, subscription: 'High', highAlerts: 200, otherAlerts: 800 },
  storm: { channels: 2, subscription: 'Low', highAlerts: 50, otherAlerts: 950 },
  footprint: { subscriptionLevels: [10, 1_000, 10_000], pollAlerts: [10, 1_000, 10_000], matchingAlerts: 100, idleMs: 30_000 },
  replicas: { users: 50, turnsPerUser: 10 },
};

/** Every figure of the full run, from a few turns: a smoke test that the benchmark works, not a measurement. */
export const QUICK: BenchSettings = {
  mode: 'quick',
  turnCost: { concurrency: [1, 10, 50], minTurns: 5, minTurnsPerUser: 1, minWarmupTurns: 1, warmupTurnsPerUser: 1, rounds: 2 },
  turnWork: { batches: 2, repetitionsPerBatch: 5 },
  telemetry: { users: 2, rounds: 1, turnsPerUser: 1, warmupTurnsPerUser: 1, scrapes: 2 },
  callRepetitions: 1,
  burst: { channels: 5, subscription: 'High', highAlerts: 2, otherAlerts: 8 },
  storm: { channels: 1, subscription: 'Low', highAlerts: 2, otherAlerts: 28 },
  footprint: { subscriptionLevels: [2, 5, 10], pollAlerts: [1, 5, 10], matchingAlerts: 5, idleMs: 100 },
  replicas: { users: 4, turnsPerUser: 2 },
};

export interface BenchResults {
  mode: BenchSettings['mode'];
  machine: MachineDescription;
  settings: BenchSettings;
  footprint: { product: ProductFootprint; echo: BotFootprint };
  callsPerTurn: CallsPerTurn;
  turnCost: TurnCostCell[];
  /** Card rendering and parsing of Defender's answers, timed alone in the benchmark's process. */
  turnWork: TurnWorkFigure[];
  /** The CPU cost of telemetry on a turn, start-up and memory with it. */
  telemetry: TelemetryCost;
  burst: BurstResult;
  storm: BurstResult;
  replicas: ReplicaResult;
  /** Defender requests caused by the viewers of a response card in a 60-member channel, and by its follow-up. */
  viewers: ViewerCost;
  /** On-behalf-of requests during the whole run, and the sign-ins (user × bot process) that needed one. */
  obo: { requests: number; signIns: number };
  /** What the bot processes logged (turn failures, notifier problems); empty in a clean run. */
  botLogs: string[];
  durationSeconds: number;
}

/**
 * The whole benchmark against one twin (loopback, no injected latency or faults): footprint of a
 * fresh bot, then calls per command, turn cost of the bot and of the echo baseline, and the burst.
 */
export async function runBenchmark(settings: BenchSettings, progress: (line: string) => void = () => undefined): Promise<BenchResults> {
  const startedAt = Date.now();
  const twin = await startTwin();
  const bots: BotProcess[] = [];
  try {
    prepareTwin(twin);
    addBenchMachines(twin, 'ws', Math.max(0, Math.max(...settings.turnCost.concurrency) + 1 - isolatableMachines(twin).length));
    const config = benchBotConfig(twin);
    const [callsUser] = addBenchUsers(twin, 'solo', 1);

    progress('footprint and scale: a fresh bot, idle, then with growing subscriptions and polls (on a twin of its own)');
    const product = await onOwnTwin((own) => {
      const [footprintUser] = addBenchUsers(own, 'solo', 1);
      return measureProductFootprint(own, benchBotConfig(own), footprintUser, settings.footprint);
    });
    const echo = await startMeasured('echo', config, settings.footprint.idleMs);
    bots.push(echo.bot);
    const productBot = (await startMeasured('product', config, 0)).bot;
    bots.push(productBot);
    twin.teams.setBotEndpoint(productBot.endpoint);

    progress('calls per command');
    await installForUsers(twin, [callsUser]);
    const callsPerTurn = await measureCallsPerTurn(twin, callsUser, settings.callRepetitions);

    const users = addBenchUsers(twin, 'load', Math.max(...settings.turnCost.concurrency));
    await installForUsers(twin, users);
    await signIn(twin, users);
    progress(`turn cost at ${settings.turnCost.concurrency.join(', ')} concurrent users`);
    const turnCost = await measureTurnCost(twin, { product: productBot, echo: echo.bot }, users, settings.turnCost);
    progress('a turn\'s own work alone: card rendering and Defender answers');
    const turnWork = measureTurnWork(twin, settings.turnWork);

    progress(`telemetry: \`alerts\` on bots with telemetry off, metrics, metrics and traces (${settings.telemetry.rounds} rounds)`);
    const telemetry = await measureTelemetryCost(twin, config, users, settings.telemetry, settings.footprint.idleMs);
    twin.teams.setBotEndpoint(productBot.endpoint);

    progress(`notification burst: ${settings.burst.highAlerts * settings.burst.channels} cards to ${settings.burst.channels} channels at Teams' real limits`);
    const burst = await measureBurst(twin, productBot, users[0], settings.burst);
    progress(`alert storm: ${settings.storm.highAlerts + settings.storm.otherAlerts} alerts to ${settings.storm.channels} channels subscribed to \`low\` (digest)`);
    const storm = await measureBurst(twin, productBot, users[0], settings.storm);

    progress(`viewers: a response card in a channel of ${VIEWER_CHANNEL_MEMBERS} members whose clients refresh cards`);
    const unsignedViewers = addBenchUsers(twin, 'viewer', Math.max(0, VIEWER_CHANNEL_MEMBERS - users.length));
    const viewers = await measureViewerCost(twin, users[0], [...users.slice(1), ...unsignedViewers].slice(0, VIEWER_CHANNEL_MEMBERS - 1));
    const oboBeforeReplicas = twin.entra.tokenRequests.filter((request) => request.grantType.endsWith('jwt-bearer')).length;
    progress(`turn throughput with one and two replicas on PostgreSQL, ${settings.replicas.users} users`);
    prepareTwin(twin);
    const replicas = await measureReplicas(twin, config, users, settings.replicas);

    return {
      mode: settings.mode,
      machine: describeMachine(),
      settings,
      footprint: { product, echo: echo.footprint },
      callsPerTurn,
      turnCost,
      turnWork,
      telemetry,
      burst,
      storm,
      viewers,
      replicas,
      obo: {
        requests: oboBeforeReplicas,
        // product bot: the calls user and every load user; the telemetry bots: their users
        signIns: 1 + users.length + telemetry.signIns,
      },
      botLogs: [...productBot.warnings(), ...echo.bot.warnings(), ...replicas.botLogs],
      durationSeconds: (Date.now() - startedAt) / 1000,
    };
  } finally {
    await Promise.all(bots.map((bot) => bot.stop()));
    await twin.close();
  }
}

/** Parts that leave thousands of alerts and conversations behind run against a twin of their own. */
async function onOwnTwin<T>(part: (twin: Twin) => Promise<T>): Promise<T> {
  const twin = await startTwin();
  try {
    prepareTwin(twin);
    return await part(twin);
  } finally {
    await twin.close();
  }
}

/**
 * Zero artificial latency and no faults; machine actions finish at once (so the action tracker's
 * follow-up happens within the measured work); rate limits off except during the burst, where
 * Teams' real limits are what is measured.
 */
function prepareTwin(twin: Twin): void {
  twin.defender.faults.clear();
  twin.defender.actionTiming.pendingMs = 0;
  twin.defender.actionTiming.inProgressMs = 0;
  twin.defender.rateLimits.enabled = false;
  twin.teams.rateLimits.enabled = false;
}

/** Each bot process gets its own SQLite file, as production's default store (spawn-bot.ts). */
function benchBotConfig(twin: Twin): BotConfig {
  return twinBotConfig(twin, { actionPollIntervalMs: 100, storage: { sqlitePath: ':memory:' } });
}
