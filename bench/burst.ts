import { performance } from 'node:perf_hooks';
import type { AlertSeverity } from '../src/defender/model';
import type { PollResult } from '../src/notify/poller';
import type { Twin } from '../src/twin';
import { DEFAULT_POLL_PAGE_SIZE } from '../src/notify/poller';
import { SEVERITY_RANK } from '../src/notify/subscriptions';
import type { Conversation } from '../src/twin/teams';
import { waitUntil } from './load';
import type { BotProcess } from './spawn-bot';
import type { BenchUser } from './users';

export interface BurstSettings {
  channels: number;
  /**
   * What each channel subscribes to: High (the burst: every alert gets its own card) or Low
   * (the storm: past the digest threshold, the alerts below High go into one digest per channel).
   */
  subscription: 'High' | 'Low';
  /** New High alerts: each goes to every channel. */
  highAlerts: number;
  /** New alerts below High, Medium, Low and Informational in turn: shown where the subscription covers them. */
  otherAlerts: number;
}

/**
 * Teams' limits for one bot (reference teams-bot.md §4.1): per thread 7/1 s, 8/2 s, 60/30 s,
 * 1,800/h; per app and tenant 30/s. A burst of a few hundred cards per channel is bound by 60/30 s
 * (1,800/h is not reached), so the allowed rate is 2/s per channel, capped by the tenant's 30/s.
 */
export const TEAMS_LIMITS = { perThreadPerSecond: 60 / 30, perTenantPerSecond: 30 } as const;

export interface BurstResult {
  alertsRaised: number;
  channels: number;
  /** Alerts each channel's subscription covers, summed over the channels: a card each, or a place in a digest. */
  cardsExpected: number;
  cardsDelivered: number;
  /** Cards a channel received more than once (must be 0). */
  duplicates: number;
  /** Every post Teams took in the channels: alert cards and storm digest cards. */
  cardsPosted: number;
  /** Storm digest cards posted, and the alerts they count (both 0 while every alert gets its own card, e.g. all High). */
  digestCards: number;
  alertsInDigests: number;
  /** From the poll's start until every alert was visible in every channel: in its own card or counted in a digest. */
  secondsUntilVisible: number;
  /** From the poll's start until the last card was accepted by Teams. */
  seconds: number;
  achievedPerSecond: number;
  allowedPerSecond: number;
  ratioToAllowed: number;
  throttled429: number;
  /** Rate-limit windows of the Teams twin and of the notifier's pacing, as run: 1 is real time. */
  timeScale: number;
  poll: { alerts: number; enqueued: number; defenderRequests: number; pages: number; entraTokenRequests: number };
}

export async function measureBurst(twin: Twin, bot: BotProcess, user: BenchUser, settings: BurstSettings): Promise<BurstResult> {
  const { driver } = twin.teams;
  twin.teams.setBotEndpoint(bot.endpoint);
  const channelNames = Array.from({ length: settings.channels - 1 }, (_, index) => `Burst ${index + 2}`);
  const team = driver.createTeam({ name: 'Bench burst', members: [user.oid], channels: channelNames });
  await driver.install(team);
  for (const channel of team.channels) {
    const said = await driver.say(user.oid, channel, `subscribe ${settings.subscription.toLowerCase()}`);
    if (said.status !== 200) throw new Error(`subscribe answered ${said.status}`);
  }
  await bot.request<PollResult | undefined>('poll'); // the first poll sets the watermark: alerts from now on

  twin.teams.rateLimits.reset();
  twin.teams.rateLimits.enabled = true;
  twin.defender.rateLimits.reset();
  twin.defender.rateLimits.enabled = true;
  const raised = raiseAlerts(twin, settings);

  const callsBefore = twin.teams.calls.length;
  const defenderBefore = twin.defender.requests.length;
  const tokensBefore = twin.entra.tokenRequests.length;
  const floor = SEVERITY_RANK[settings.subscription];
  const cardsExpected = raised.filter((severity) => SEVERITY_RANK[severity] >= floor).length * team.channels.length;
  const startedAt = performance.now();
  await bot.request('startSender');
  const poll = await bot.request<PollResult | undefined>('poll');
  if (!poll) throw new Error('the bot did not poll (it holds no poller lease)');
  const pollRequests = twin.defender.requests.slice(defenderBefore).length;
  const pollTokens = twin.entra.tokenRequests.length - tokensBefore;
  const posts = () => postsTo(twin, team.channels, callsBefore);
  const allowedPerSecond = Math.min(TEAMS_LIMITS.perThreadPerSecond * team.channels.length, TEAMS_LIMITS.perTenantPerSecond);
  await waitUntil(() => visibleAlerts(twin, team.channels).total >= cardsExpected, 'every alert visible', (cardsExpected / allowedPerSecond) * 3_000 + 60_000, 10);
  const seconds = (performance.now() - startedAt) / 1000;

  const delivered = posts();
  const visible = visibleAlerts(twin, team.channels);
  const calls = twin.teams.calls.slice(callsBefore);
  // Later bursts raise alerts of their own: these channels stop taking them.
  for (const channel of team.channels) await driver.say(user.oid, channel, 'unsubscribe');
  return {
    alertsRaised: settings.highAlerts + settings.otherAlerts,
    channels: team.channels.length,
    cardsExpected,
    cardsDelivered: delivered.length,
    duplicates: duplicatesAmong(twin, team.channels),
    cardsPosted: delivered.length,
    digestCards: visible.digestCards,
    alertsInDigests: visible.inDigests,
    secondsUntilVisible: seconds,
    seconds,
    achievedPerSecond: delivered.length / seconds,
    allowedPerSecond,
    ratioToAllowed: delivered.length / seconds / allowedPerSecond,
    throttled429: calls.filter((call) => call.status === 429).length,
    timeScale: 1,
    poll: {
      alerts: poll.alerts,
      enqueued: poll.enqueued,
      defenderRequests: pollRequests,
      // Watermark paging: each next page starts again with the last alert read (`lastUpdateTime ge`), so it
      // brings one alert fewer that is new (more when several share that last timestamp); a full last page
      // takes one more (short) page to end.
      pages: poll.alerts < DEFAULT_POLL_PAGE_SIZE ? 1 : Math.floor((poll.alerts - DEFAULT_POLL_PAGE_SIZE) / (DEFAULT_POLL_PAGE_SIZE - 1)) + 2,
      entraTokenRequests: pollTokens,
    },
  };
}

/**
 * New alerts on the tenant's devices in a device group, round robin: `highAlerts` High ones, the
 * rest Medium, Low or Informational. A device in no group is in no subscription's scope, so its
 * alerts are rightly never posted.
 */
function raiseAlerts(twin: Twin, settings: BurstSettings): AlertSeverity[] {
  const machines = twin.defender.data.machines.filter((machine) => machine.rbacGroupName !== null);
  const lower: AlertSeverity[] = ['Medium', 'Low', 'Informational'];
  return Array.from({ length: settings.highAlerts + settings.otherAlerts }, (_, index) => {
    const severity = index < settings.highAlerts ? 'High' : lower[index % lower.length];
    twin.defender.addAlert({ machineId: machines[index % machines.length].id, severity });
    return severity;
  });
}

function postsTo(twin: Twin, channels: readonly Conversation[], from: number) {
  const ids = channels.map((channel) => `/v3/conversations/${encodeURIComponent(channel.id)}/activities`);
  return twin.teams.calls.slice(from).filter((call) => call.method === 'POST' && call.status === 201 && ids.some((id) => call.path.endsWith(id)));
}

/** Alerts shown in the channels: a card each, or counted in a storm digest card (its heading: "Alert storm: N alerts …"). */
function visibleAlerts(twin: Twin, channels: readonly Conversation[]): { total: number; digestCards: number; inDigests: number } {
  let cards = 0;
  let digestCards = 0;
  let inDigests = 0;
  for (const channel of channels) {
    cards += new Set(alertIdsPosted(twin, channel)).size;
    for (const entry of twin.teams.driver.transcript(channel)) {
      const count = digestCountOf(entry.cards[0]);
      if (entry.from !== 'bot' || count === undefined) continue;
      digestCards++;
      inDigests += count;
    }
  }
  return { total: cards + inDigests, digestCards, inDigests };
}

/** The alerts a storm digest card counts; undefined for any other card. */
function digestCountOf(card: unknown): number | undefined {
  const count = /"text":"Alert storm(?: over)?: (\d+) alerts/.exec(JSON.stringify(card ?? {}))?.[1];
  return count === undefined ? undefined : Number(count);
}

/** Cards (by alert) posted to the same channel more than once. */
function duplicatesAmong(twin: Twin, channels: readonly Conversation[]): number {
  let duplicates = 0;
  for (const channel of channels) {
    const seen = new Set<string>();
    for (const alertId of alertIdsPosted(twin, channel)) {
      if (seen.has(alertId)) duplicates++;
      seen.add(alertId);
    }
  }
  return duplicates;
}

/** The alert id each notification card in a channel is about (its buttons and refresh carry it). */
function alertIdsPosted(twin: Twin, channel: Conversation): string[] {
  return twin.teams.driver.transcript(channel)
    .filter((entry) => entry.from === 'bot' && entry.cards.length > 0 && digestCountOf(entry.cards[0]) === undefined)
    .map((entry) => /"alertId":"([^"]+)"/.exec(JSON.stringify(entry.cards[0]))?.[1])
    .filter((id): id is string => id !== undefined);
}
