/**
 * A poll of more than one page while alerts change in Defender between two page reads (issue 17):
 * an alert that changes moves to the end of `lastUpdateTime asc`, and every alert after its old
 * place moves one place forward. Each alert raised must still reach the channel within that poll.
 */
import type { Alert } from '../src/defender/model';
import type { Notifier } from '../src/notify/notifier';
import { SEEDED_USERS } from '../src/twin/directory';
import { toDefenderTimestamp } from '../src/twin/defender/seed';
import type { RecordedDefenderRequest } from '../src/twin/defender/server';
import type { Conversation } from '../src/twin/teams';
import { eventually, NotifyEnv, temporarySqlitePath } from './support/notify-harness';

const { alice } = SEEDED_USERS;
const PAGE_SIZE = 5;
/** The alerts' changes are put after the watermark, at set instants (`at(seconds)`), so that each poll reads exactly them. */
const BASE = Date.now() + 60_000;
const at = (seconds: number, ticks = 0) => toDefenderTimestamp(BASE + seconds * 1000, ticks);
let env: NotifyEnv;
let notifier: Notifier;
let channel: Conversation;

beforeAll(async () => {
  env = await NotifyEnv.start({ store: { sqlite: temporarySqlitePath() } });
  ({ channels: [channel] } = await env.teamWithChannels('SOC', [alice], []));
  expect(await env.subscribe(alice, channel, 'informational')).toBe('subscribed');
  notifier = await env.replica({
    replicaId: 'replica-1', sharedStore: true,
    settings: { poller: { pollIntervalMs: 3_600_000, pageSize: PAGE_SIZE, overlapMs: 0 }, sender: { idleMs: 50 } },
  });
  await notifier.poller.pollOnce(); // sets the watermark: alerts from now on
  notifier.sender.start();
});
afterAll(() => env.close());
afterEach(() => {
  env.defender.afterAnswer = undefined;
});

/** New alerts whose last change is at the given instants. */
function alertsChangedAt(times: string[]): Alert[] {
  const raised = env.raiseAlerts(times.length, [{ group: 'Servers', severity: 'High' }, { group: 'Workstations', severity: 'Low' }]);
  return raised.map((alert, index) => env.defender.updateAlert(alert.id, { lastUpdateTime: times[index] }));
}

/** Once, after the `nth` alert listing (1-based) is answered: `change` runs before the client reads that page. */
function afterListing(nth: number, change: () => void): void {
  let listings = 0;
  env.defender.afterAnswer = (request: RecordedDefenderRequest) => {
    if (request.endpoint === 'alerts.list' && ++listings === nth) change();
  };
}

const postedIds = () => env.notificationCards(channel).map((card) => card.alertId);
const listings = (since: number) => env.defender.requests.slice(since).filter((request) => request.endpoint === 'alerts.list')
  .map((request) => new URL(request.path, 'https://x').searchParams);

describe('a poll of several pages while an alert changes between two page reads', () => {
  it('posts every alert once, paging from the last alert read (lastUpdateTime ge) instead of $skip', async () => {
    const alerts = alertsChangedAt(Array.from({ length: 12 }, (_, index) => at(index)));
    const before = env.defender.requests.length;
    afterListing(1, () => env.defender.updateAlert(alerts[2].id, { status: 'InProgress', lastUpdateTime: at(20) }));

    const poll = await notifier.poller.pollOnce();
    await eventually(async () => expect(await env.store.pendingOutbox()).toBe(0));
    const posted = postedIds();
    expect(alerts.map((alert) => posted.filter((id) => id === alert.id).length)).toEqual(alerts.map(() => 1));
    expect(poll?.alerts).toBe(13); // the alert that changed is read again, at its new time

    const pages = listings(before);
    expect(pages.map((query) => query.get('$filter'))).toEqual([
      expect.stringMatching(/^lastUpdateTime gt /),
      `lastUpdateTime ge ${at(4)}`,
      `lastUpdateTime ge ${at(8)}`,
      `lastUpdateTime ge ${at(20)}`,
    ]);
    expect(pages.every((query) => query.get('$top') === String(PAGE_SIZE) && !query.has('$skip'))).toBe(true);
  });

  it('posts every alert once when more alerts than a page share one timestamp and one of them changes', async () => {
    const tied = at(100, 1234);
    const alerts = alertsChangedAt(Array.from({ length: 2 * PAGE_SIZE + 1 }, () => tied));
    const before = env.defender.requests.length;
    // After the first read of the tied alerts by `eq` and `$skip`: one of those it read changes.
    afterListing(2, () => env.defender.updateAlert(alerts[1].id, { assignedTo: 'alice@contoso.onmicrosoft.com', lastUpdateTime: at(110) }));

    const poll = await notifier.poller.pollOnce();
    await eventually(async () => expect(await env.store.pendingOutbox()).toBe(0));
    const posted = postedIds();
    expect(alerts.map((alert) => posted.filter((id) => id === alert.id).length)).toEqual(alerts.map(() => 1));
    expect(poll?.alerts).toBe(alerts.length + 1); // the alert that changed is read again, at its new time

    const filters = listings(before).map((query) => [query.get('$filter'), query.get('$skip'), query.get('$count')]);
    expect(filters).toEqual([
      [expect.stringMatching(/^lastUpdateTime gt /), null, null],
      [`lastUpdateTime eq ${tied}`, null, 'true'],
      [`lastUpdateTime eq ${tied}`, String(PAGE_SIZE), 'true'], // one of the first five left: step back by one
      [`lastUpdateTime eq ${tied}`, String(PAGE_SIZE - 1), 'true'],
      [`lastUpdateTime eq ${tied}`, String(2 * PAGE_SIZE - 1), 'true'],
      [`lastUpdateTime gt ${tied}`, null, null],
    ]);
  });
});
