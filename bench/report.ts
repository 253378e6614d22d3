import fs from 'node:fs';
import path from 'node:path';
import type { BenchResults } from './benchmark';
import type { BurstResult } from './burst';
import { checkGoals } from './goals';
import { followUpSchedule } from './viewers';
import type { MemoryFigures } from './ipc';
import { AFTER_START_MS, matchingMicrosPerSubscriptionAlert, rssBytesPer10kSubscriptions } from './footprint';

/** Findings from CPU profiles, kept as prose beside the bench (they are not recomputed by a run). */
const PROFILE_FINDINGS = path.join(__dirname, 'profile-findings.md');

const ms = (value: number) => (value >= 100 ? value.toFixed(0) : value.toFixed(1));
const mib = (bytes: number) => (bytes / 1024 ** 2).toFixed(1);
const row = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;
const table = (header: string[], rows: (string | number)[][]) =>
  [row(header), row(header.map(() => '---')), ...rows.map(row)].join('\n');

/** The Markdown report: machine, method, the four groups of figures and the goals. */
export function renderReport(results: BenchResults): string {
  const { machine, burst, storm, footprint } = results;
  const schedule = followUpSchedule();
  const quick = results.mode === 'quick'
    ? '\n> **Quick (smoke) run**: a few turns per figure; the numbers prove the benchmark works, they measure nothing.\n'
    : '';
  return `# Benchmark results
${quick}
Run \`npm run bench\` (add \`-- --quick\` for a smoke run). Written by \`bench/run.ts\`; raw figures in \`bench/results.json\`.

| Machine | |
| --- | --- |
| CPUs (\`nproc\`) | ${machine.cpus} |
| CPU model | ${machine.cpuModel} |
| Memory | ${machine.memoryGiB} GiB |
| Node | ${machine.node} |
| OS | ${machine.platform} |
| Date | ${machine.date} |
| Run time | ${results.durationSeconds.toFixed(0)} s |

## How it was measured

- The bot under test is the product (\`createBotApp\`: restify + CloudAdapter with inbound JWT validation on,
  msal-node, SQLite in a file of its own) **as production runs it**: bundled with \`npm run build\`'s options
  (\`scripts/bundle.ts\`: one file of the bot and its libraries), each bot in **its own child process**
  (\`bench/product-process.ts\`, \`bench/echo-process.ts\`, bundled alike, run by plain \`node\`).
  The echo baseline (\`bench/echo-bot.ts\`) is a bare botbuilder \`ActivityHandler\` on the same \`createServer\`
  (restify, request logging) and botbuilder's own \`CloudAdapter\` with the product's Bot Framework settings: it
  validates the same signed activities and replies through the connector. The product's adapter
  (\`createCloudAdapter\`) reuses its connector clients across turns, which botbuilder's does not (Where a turn's CPU goes).
- The twins (Entra, Teams, Defender) and the load generator (the Teams twin's driver playing the users) run in the
  parent process, over loopback HTTPS, with **no injected latency and no faults**. Defender's and Teams' rate limits
  are **off** for the turn-cost and footprint parts (they would throttle the synthetic load) and **on, at real time
  scale**, for the burst. Machine actions finish at once on the Defender twin.
- **CPU per turn** = the bot process's \`process.cpuUsage()\` (user + system, read over IPC) after a batch minus before,
  divided by the turns in it. Each cell is warmed up first (at least ${results.settings.turnCost.minWarmupTurns} turns, ${results.settings.turnCost.warmupTurnsPerUser} per user, unmeasured:
  the product has far more code than the echo bot for V8 to optimize), then measured in ${results.settings.turnCost.rounds} round(s) of at least
  ${results.settings.turnCost.minTurns} turns, each round in another order of the operations, so that the machine's drift falls on every
  operation alike; a cell's figures are over all its rounds. Users are consented
  responders signed in beforehand (SSO + OBO); each has their own personal chat and sends the next command when the
  previous one is answered. Latency is the driver's round trip: the activity posted to the bot until the bot's HTTP
  answer, by which time the bot's reply is in the conversation (its connector call happens within the turn).
- The **isolate click** is the Confirm click on a confirmation card (\`isolate <device> <comment>\`, prepared
  unmeasured): Defender isolate request, card update for the conversation, invoke answer. Its CPU includes the action
  tracker's follow-up (one action read and one more card update, waited for before the second CPU reading).
- **Calls per turn** are counted by the twins (Defender requests made with the user's token; every Entra token request).
- On ${machine.cpus} CPUs the parent (TLS, JWT signing, Defender twin) and the bot share the cores: throughput and
  latency are of the whole loop on this machine, CPU per turn is the bot's alone.

## Turn cost

${table(
    ['Operation', 'Users', 'Turns', 'Throughput (turns/s)', 'p50 (ms)', 'p99 (ms)', 'Bot CPU per turn (ms)', 'of which system (ms)', 'CPU ratio to echo', 'Defender req./turn', 'Failures'],
    results.turnCost.map((cell) => [
      cell.label, cell.users, cell.turns, cell.throughputPerSecond.toFixed(0), ms(cell.p50Ms), ms(cell.p99Ms), cell.cpuMsPerTurn.toFixed(2), cell.systemMsPerTurn.toFixed(2),
      cell.cpuRatioToEcho === undefined ? '1 (baseline)' : `**${cell.cpuRatioToEcho.toFixed(2)}×**`,
      cell.defenderRequestsPerTurn.toFixed(2), cell.failures,
    ]),
  )}

## A turn's own work, measured alone

Rendering the cards the measured turns send and parsing the Defender answers they read, on the twin's data, timed
in the benchmark's process (tsx): the fastest of ${results.settings.turnWork.batches} batches of ${results.settings.turnWork.repetitionsPerBatch}. On a shared machine a turn's CPU varies by
more than these; alone they show what a change to them gains.

${table(['Work', 'ms each'], results.turnWork.map((figure) => [figure.work, figure.msEach.toFixed(3)]))}

${fs.readFileSync(PROFILE_FINDINGS, 'utf8').trim()}

## Telemetry

Three more product bots, the same but for telemetry: **off**, **metrics** (the default: OpenTelemetry metrics with the
Prometheus endpoint on loopback; no spans are made without a trace exporter) and **traces** (metrics, and every span
exported to an exporter that drops it, through the batching span processor that production's Azure Monitor exporter
sits behind: its cost without the network). Each of ${results.telemetry.rounds} round(s) runs one \`alerts\` cell of ${results.telemetry.users} concurrent users on each bot, in a rotating
order, so that the machine's drift falls on each alike; the ratio is from the same run.

${table(
    ['Telemetry', 'Turns', 'Bot CPU per turn (ms)', 'CPU ratio to off', 'Start-up to ready (ms)', 'of which module load (ms)', 'RSS idle (MiB)', 'Heap idle (MiB)'],
    results.telemetry.variants.map((variant) => [
      variant.telemetry, variant.turns, variant.cpuMsPerTurn.toFixed(2), `**${variant.cpuRatioToOff.toFixed(3)}×**`,
      ...startupCells(variant.footprint.startup).slice(0, 2), ...memoryCells(variant.footprint.idle),
    ]),
  )}

A scrape of the metrics endpoint costs the bot ${results.telemetry.scrape.cpuMs.toFixed(2)} ms of CPU and answers ${(results.telemetry.scrape.bytes / 1024).toFixed(1)} KiB.

## Calls per turn

${table(
    ['Command', 'Defender requests', 'Entra token requests', 'of which OBO', 'Repetitions (max shown)', 'Goal'],
    results.callsPerTurn.commands.map((command) => [
      command.command, command.defenderRequests, command.entraTokenRequests, command.oboRequests, command.repetitions,
      command.goal ? `≤ ${command.goal.maxDefenderRequests} Defender, ${command.goal.maxOboRequests} OBO` : '—',
    ]),
  )}

Whole run: ${results.obo.requests} on-behalf-of requests for ${results.obo.signIns} sign-ins (user × bot process);
${results.turnCost.reduce((sum, cell) => sum + cell.entraTokenRequests, 0)} token requests of any kind during the ${results.turnCost.reduce((sum, cell) => sum + cell.turns, 0)} measured turns.

## Notification burst

${burst.alertsRaised} new alerts (${results.settings.burst.highAlerts} High, the rest below) for ${burst.channels} channels subscribed to \`high\`:
${burst.cardsExpected} cards. The Teams twin enforces Teams' limits **at real time scale** (time scale ${burst.timeScale}); the
notifier paces with its own default limits. Allowed rate = min(60 per 30 s per channel × ${burst.channels}, 30/s per tenant) = **${burst.allowedPerSecond}/s**.

${burstTable(burst)}

## Alert storm (digest)

${storm.alertsRaised} new alerts (${results.settings.storm.highAlerts} High, the rest Medium, Low and Informational in turn) for
${storm.channels} channel(s) subscribed to \`low\`: ${storm.cardsExpected} alerts to show. Past the digest threshold the alerts below
High go into one digest card per channel, kept up to date; High alerts still get a card each. Same limits as the burst.

${burstTable(storm)}

## Viewers and follow-up

A device card in a channel of ${results.viewers.members} members who all keep it open: the Teams twin's clients refresh
cards automatically as Teams does (on view once the card is a minute old, and after each update; only for the users
in \`refresh.userIds\`, or for everyone when it is absent). The requester isolates the device from the card; every
member looks at it again a minute later.

| Figure | Value |
| --- | --- |
| Card changes (post and updates) | ${results.viewers.cardChanges} |
| Card views by members' clients | ${results.viewers.cardViews} |
| Automatic refreshes sent | ${results.viewers.automaticRefreshes} |
| Defender requests caused by viewers (refreshes, as users) | ${results.viewers.viewerDefenderRequests} |
| **Per card change** | **${results.viewers.perCardChange.toFixed(2)}** |
| Per card view | ${results.viewers.perCardView.toFixed(3)} |
| Follow-up status reads of the action (app token; it finished at once) | ${results.viewers.followUpRequests} |

Follow-up of an action that stays Pending (an offline device), from the back-off schedule (10 s, 30 s, 2 min, then
every 10 min; due actions are read together, up to 25 per request, so these are upper bounds per action):
${schedule.firstHour} reads in the first hour, ${schedule.perHourAfterwards} per hour afterwards, ${schedule.threeDays} over Defender's 3 days of retries,
against ${schedule.budgetPerHour} requests per hour for the machine actions API (a fixed 10 s interval: 360 per hour per action).

## Footprint

${table(
    ['Bot', 'Start-up to ready (ms)', 'of which module load (ms)', 'composition + listen (ms)', 'RSS after start (MiB)', 'RSS idle (MiB)', 'Heap idle (MiB)'],
    [
      ['product', ...startupCells(footprint.product.startup), mib(footprint.product.afterStart.rssBytes), ...memoryCells(footprint.product.idle)],
      ['echo (baseline)', ...startupCells(footprint.echo.startup), mib(footprint.echo.afterStart.rssBytes), ...memoryCells(footprint.echo.idle)],
    ],
  )}

Start-up is from spawning \`node\` on the bundled bot until the server listens (the product with its build's code cache:
Where a turn's CPU goes). Memory is read after a full GC
(\`--expose-gc\`): ${(Math.min(AFTER_START_MS, results.settings.footprint.idleMs) / 1000).toFixed(1)} s after start-up, and idle after
${(results.settings.footprint.idleMs / 1000).toFixed(0)} s without traffic. In between, V8's memory reducer gives back the young
generation that loading the modules grew (up to 32 MiB, committed and empty).

## Scale

Subscriptions are made through chat (teams of five channels, the app installed in each, \`subscribe high\` in every
channel by a signed-in user). At each level: the bot's CPU for one poll of ${footprint.product.matchingAlerts} new Medium alerts
that every subscription looks at and none takes (the cost of matching), and memory, read like the idle figure (${(results.settings.footprint.idleMs / 1000).toFixed(0)} s
without traffic, then a full GC: the burst of subscribe turns grew the young generation, which V8 gives back only then).

${table(
    ['Subscriptions', 'RSS (MiB)', 'Heap (MiB)', `Matching poll CPU (ms, ${footprint.product.matchingAlerts} alerts)`],
    footprint.product.levels.map((level) => [level.subscriptions, ...memoryCells(level.memory), ms(level.matchingPollCpuMs)]),
  )}

Slopes (least squares): RSS **${mib(rssBytesPer10kSubscriptions(footprint.product))} MiB per 10,000 subscriptions** (over the levels
after the first: a process's first burst of turns raises its RSS once, allocator arenas and JIT code, here
${mib((footprint.product.levels[1]?.memory.rssBytes ?? 0) - footprint.product.idle.rssBytes)} MiB from idle to the second level); matching **${(matchingMicrosPerSubscriptionAlert(footprint.product)).toFixed(2)} µs of CPU per
subscription and alert** (over all levels).

Poll cost, at ${footprint.product.levels[0]?.subscriptions ?? 0} subscriptions: the poll that reads this many new alerts, and the next one, which reads
them again unchanged (each poll reads again what changed in the 2 minutes before its watermark, for alerts that reach the API late).
With the default interval of 60 s an alert is read in about three polls: a steady rate of N changed alerts per interval costs about
one poll of N new alerts and two reads of N unchanged ones.

${table(
    ['Changed alerts', 'Alerts read', 'Bot CPU (ms)', 'CPU per alert (ms)', 'Defender requests', 'Read again: CPU (ms)', 'per alert (ms)', 'Per interval, steady (ms)'],
    footprint.product.polls.map((poll) => [
      poll.alerts, poll.read, ms(poll.cpuMs), (poll.cpuMs / poll.read).toFixed(3), poll.defenderRequests,
      ms(poll.again.cpuMs), (poll.again.cpuMs / poll.again.read).toFixed(3), ms(poll.cpuMs + 2 * poll.again.cpuMs),
    ]),
  )}

Replicas: ${results.replicas.users} users sending \`alerts\` through a round-robin HTTP balancer on loopback to one, then two
compiled bots sharing one PostgreSQL schema and the twin (on ${machine.cpus} cores, with the twins and the load in the parent).

${table(
    ['Replicas', 'Turns', 'Throughput (turns/s)', 'Bot CPU per turn, all replicas (ms)', 'Twins and load per turn (ms)', 'PostgreSQL per turn (ms)', 'Cores busy', 'Failures'],
    results.replicas.cells.map((cell) => [
      cell.replicas, cell.turns, cell.throughputPerSecond.toFixed(0), cell.cpuMsPerTurn.toFixed(2), cell.parentCpuMsPerTurn.toFixed(2),
      cell.postgresCpuMsPerTurn?.toFixed(2) ?? '—', `${cell.coresBusy.toFixed(2)} of ${machine.cpus}`, cell.failures,
    ]),
  )}

Where the time goes: a turn costs the machine the bots' CPU, the twins' and the simulated users' (the benchmark's process: TLS on
both ends of every call, the Teams twin signing each activity's JWT, the Defender and Entra twins) and PostgreSQL's. When the
cores are busy, a second replica has no core of its own to run on: the ratio is that of this machine, not of the bot.

Two replicas against one: **${results.replicas.throughputRatio.toFixed(2)}×** the throughput. ${results.replicas.oboRequests} on-behalf-of
requests in this part for ${results.replicas.users} users (one per user when every replica shares the token cache).

## Goals

${table(['Goal', 'Measured', 'Met'], checkGoals(results).map((check) => [
    check.goal, check.measured, check.met ? 'yes' : `**no**${check.missedBy ? `: ${check.missedBy}` : ''}`,
  ]))}
${results.botLogs.length > 0 ? `\nThe bots logged ${results.botLogs.length} line(s); the first: \`${results.botLogs[0].slice(0, 200)}\`\n` : ''}`;
}

function startupCells(startup: BenchResults['footprint']['echo']['startup']): string[] {
  return [ms(startup.spawnToReadyMs), ms(startup.moduleLoadMs), ms(startup.compositionMs)];
}

function memoryCells(memory: MemoryFigures): string[] {
  return [mib(memory.rssBytes), mib(memory.heapUsedBytes)];
}

/** A burst's figures as a Markdown table. */
function burstTable(burst: BurstResult): string {
  return `| Figure | Value |
| --- | --- |
| Time until all delivered (from the poll) | ${burst.seconds.toFixed(1)} s |
| Cards delivered / alerts to show / duplicate cards | ${burst.cardsDelivered} / ${burst.cardsExpected} / ${burst.duplicates} |
| Cards posted (alert and digest cards) / digest cards / alerts in digests | ${burst.cardsPosted} / ${burst.digestCards} / ${burst.alertsInDigests} |
| Time until every alert was visible (own card or digest) | ${burst.secondsUntilVisible.toFixed(1)} s |
| Achieved rate | ${burst.achievedPerSecond.toFixed(2)} cards/s |
| Allowed rate | ${burst.allowedPerSecond} cards/s |
| **Ratio to the allowed rate** | **${burst.ratioToAllowed.toFixed(2)}** |
| 429s received | ${burst.throttled429} |
| Defender requests for the poll (${burst.poll.alerts} alerts, ${burst.poll.pages} page(s)) | ${burst.poll.defenderRequests} |
| Entra token requests for the poll | ${burst.poll.entraTokenRequests} |`;
}
