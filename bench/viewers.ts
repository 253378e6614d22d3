import { followUpDelayMs } from '../src/bot/action-tracker';
import type { Twin } from '../src/twin';
import { waitUntil } from './load';
import { addBenchMachines } from './operations';
import type { BenchUser } from './users';

export interface ViewerCost {
  members: number;
  /** Versions of the action's card: the post and each update. */
  cardChanges: number;
  /** Times a member's client showed the card (each a chance to refresh it). */
  cardViews: number;
  automaticRefreshes: number;
  /** Defender requests made as users other than through their clicks: caused by refreshes. */
  viewerDefenderRequests: number;
  perCardChange: number;
  perCardView: number;
  /** The follow-up's status reads of the action (the app's own token), until it was final. */
  followUpRequests: number;
}

const MINUTE_AND_A_BIT_MS = 61_000;
const HOUR_MS = 60 * 60_000;

/** Status reads the follow-up schedule makes for one action still pending after `ms` (default first wait, 10 s). */
export function followUpReadsWithin(ms: number, firstCheckMs = 10_000): number {
  let reads = 0;
  for (let at = followUpDelayMs(firstCheckMs, 0); at <= ms; at += followUpDelayMs(firstCheckMs, reads)) reads++;
  return reads;
}

/** The follow-up schedule's cost for an action on an offline device (Defender retries it for up to 3 days). */
export function followUpSchedule() {
  return {
    firstHour: followUpReadsWithin(HOUR_MS),
    perHourAfterwards: followUpReadsWithin(25 * HOUR_MS) - followUpReadsWithin(24 * HOUR_MS),
    threeDays: followUpReadsWithin(72 * HOUR_MS),
    /** Defender's limit for the machine actions API (reference §6), shared with every other read of it. */
    budgetPerHour: 1500,
  };
}

/**
 * What viewers cost in a 60-member channel whose members all have it open (the Teams twin's
 * clients refresh cards automatically as Teams does): a requester posts a device card and isolates
 * the device from it; every member looks at the card again a minute later and after each update.
 * Counts Defender requests as users outside the requester's clicks, per card change and per view.
 */
export async function measureViewerCost(twin: Twin, requester: BenchUser, viewers: readonly BenchUser[]): Promise<ViewerCost> {
  const { driver } = twin.teams;
  const members = [requester, ...viewers];
  const team = driver.createTeam({ name: 'Bench SOC', members: members.map((member) => member.oid) });
  await driver.install(team);
  const channel = team.channels[0];
  driver.watch(channel);
  const [machine] = addBenchMachines(twin, 'viewed', 1);

  const start = twin.defender.requests.length;
  const clicks = new Set<number>();
  const asRequester = async (work: () => Promise<unknown>) => {
    const before = twin.defender.requests.length;
    await work();
    for (let index = before; index < twin.defender.requests.length; index++) clicks.add(index);
  };
  let views = 0;
  const everyoneViews = async (messageId: string) => {
    for (const member of members) {
      await driver.view(member.oid, messageId);
      views++;
    }
    await driver.settled();
  };

  await asRequester(() => driver.say(requester.oid, channel, `device ${machine.computerDnsName}`));
  const card = driver.transcript(channel).filter((entry) => entry.from === 'bot' && entry.cards.length > 0).at(-1);
  if (!card) throw new Error('the bot posted no device card');
  const refreshesBefore = driver.refreshes.length;
  twin.clock.advance(MINUTE_AND_A_BIT_MS);
  await everyoneViews(card.id);
  await asRequester(() => driver.click(requester.oid, card.id, 'isolate.ask'));
  await asRequester(() => driver.click(requester.oid, card.id, 'isolate.confirm', { comment: 'bench: viewers', isolationType: 'Full' }));
  const action = twin.defender.data.actions.filter((candidate) => candidate.machineId === machine.id && candidate.type === 'Isolate').at(-1);
  if (!action) throw new Error('the isolate did not reach Defender');
  const version = () => driver.transcript(channel).find((entry) => entry.id === card.id)?.version ?? 0;
  await waitUntil(() => version() >= 3, 'the follow-up to show the final state');
  await driver.settled();
  views += members.length * (version() - 1); // the watching clients saw each update
  twin.clock.advance(MINUTE_AND_A_BIT_MS);
  await everyoneViews(card.id);

  const cardChanges = version();
  const viewerDefenderRequests = twin.defender.requests.slice(start).filter((request, offset) => request.upn && !clicks.has(start + offset)).length;
  return {
    members: members.length,
    cardChanges,
    cardViews: views,
    automaticRefreshes: driver.refreshes.length - refreshesBefore,
    viewerDefenderRequests,
    perCardChange: viewerDefenderRequests / cardChanges,
    perCardView: viewerDefenderRequests / views,
    followUpRequests: twin.defender.requests.slice(start)
      .filter((request) => !request.upn && request.endpoint === 'machineActions.list' && decodeURIComponent(request.path).includes(action.id)).length,
  };
}
