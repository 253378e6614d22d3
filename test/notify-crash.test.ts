/**
 * A notifier process killed with SIGKILL in the middle of a burst of 500 new alerts, then started
 * again, delivers every alert to every matching channel (compared with the cards the Teams twin
 * recorded). The Teams twin's rate-limit windows are scaled down in time by 20x
 * (rateLimitTimeScale 0.05), and the notifier's pacing windows by the same factor.
 *
 * Teams' connector has no idempotency key and no way to read a message back, so a post in flight
 * at the instant of the kill cannot be known to have arrived: the restarted process posts it again
 * and says so in its log. Only such a post may show twice; every other card shows exactly once.
 */
import type { ChildProcess } from 'node:child_process';
import { SEEDED_USERS } from '../src/twin/directory';
import type { Conversation } from '../src/twin/teams';
import { eventually, NotifyEnv, temporarySqlitePath } from './support/notify-harness';
import { startNotifierProcess as startNotifier } from './support/notify-process';

const TIME_SCALE = 0.05;
const sqlitePath = temporarySqlitePath();
let env: NotifyEnv;
let channels: Conversation[];
const children: ChildProcess[] = [];

beforeAll(async () => {
  env = await NotifyEnv.start({ store: { sqlite: sqlitePath }, rateLimitTimeScale: TIME_SCALE });
  ({ channels } = await env.teamWithChannels('SOC', [SEEDED_USERS.alice], ['Servers', 'Workstations']));
  await env.subscribe(SEEDED_USERS.alice, channels[0], 'high');
  await env.subscribe(SEEDED_USERS.alice, channels[1], 'informational group Servers');
  await env.subscribe(SEEDED_USERS.alice, channels[2], 'medium group Workstations');
});
afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await env.close();
});

function startNotifierProcess(replicaId: string): { child: ChildProcess; output: string[] } {
  const started = startNotifier(env, { sqlitePath, replicaId, timeScale: TIME_SCALE });
  children.push(started.child);
  return started;
}

const postedCount = () => channels.reduce((sum, channel) => sum + env.notificationCards(channel).length, 0);

it('delivers every alert once per matching channel across a SIGKILL and a restart', async () => {
  const raised = env.raiseAlerts(500, [
    { group: 'Servers', severity: 'High' }, { group: 'Workstations', severity: 'Medium' },
    { group: 'Finance', severity: 'Low' }, { group: 'Workstations', severity: 'Low' }, { group: 'Servers', severity: 'Informational' },
  ]);
  const expected = [
    raised.filter((alert) => alert.severity === 'High'),
    raised.filter((alert) => alert.rbacGroupName === 'Servers'),
    raised.filter((alert) => alert.rbacGroupName === 'Workstations' && alert.severity === 'Medium'),
  ].map((alerts) => alerts.map((alert) => alert.id).sort());
  const total = expected.reduce((sum, ids) => sum + ids.length, 0);

  const first = startNotifierProcess('first');
  await eventually(() => expect(postedCount()).toBeGreaterThanOrEqual(total / 4), 20_000);
  first.child.kill('SIGKILL');
  await new Promise((resolve) => first.child.once('exit', resolve));
  const atKill = postedCount();
  expect(atKill).toBeLessThan(total);

  const second = startNotifierProcess('second');
  await eventually(() => expect(postedCount()).toBeGreaterThanOrEqual(total), 30_000);
  // Let the restarted process finish what it may still be doing, so a duplicate would show.
  await new Promise((resolve) => setTimeout(resolve, 1_000));

  const inDoubt = second.output
    .map((line) => /the card for alert (\S+) in (\S+) was being sent when a sender stopped/.exec(line))
    .filter((match): match is RegExpExecArray => match !== null)
    .map(([, alertId, conversationId]) => `${alertId}/${conversationId}`);
  expect(inDoubt.length).toBeLessThanOrEqual(channels.length);
  channels.forEach((channel, index) => {
    const posted = env.notificationCards(channel).map((card) => card.alertId!);
    expect([...new Set(posted)].sort()).toEqual(expected[index]);
    const duplicates = posted.filter((id, position) => posted.indexOf(id) !== position);
    for (const id of duplicates) expect(inDoubt).toContain(`${id}/${channel.id}`);
  });
  second.child.kill('SIGTERM');
  await new Promise((resolve) => second.child.once('exit', resolve));
}, 60_000);
