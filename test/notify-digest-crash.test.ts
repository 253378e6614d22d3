/**
 * A notifier process killed with SIGKILL in the middle of an alert storm, then started again: the
 * storm's digest lives in the store, so the channel keeps one digest card (a second only when the
 * killed process was posting the digest itself, which the restarted one says), and every alert is
 * in its own card or counted in the digest. The child polls pages of 100, so the kill lands between
 * pages of one storm.
 */
import type { ChildProcess } from 'node:child_process';
import { SEEDED_USERS } from '../src/twin/directory';
import type { Conversation } from '../src/twin/teams';
import { digestCards, eventually, NotifyEnv, temporarySqlitePath } from './support/notify-harness';
import { startNotifierProcess } from './support/notify-process';
import { DIGEST, digestCount, STORM_SHAPES, TIME_SCALE, throttled } from './support/storm';

jest.setTimeout(90_000);

const sqlitePath = temporarySqlitePath();
let env: NotifyEnv;
let channel: Conversation;
const children: ChildProcess[] = [];

beforeAll(async () => {
  env = await NotifyEnv.start({ store: { sqlite: sqlitePath }, rateLimitTimeScale: TIME_SCALE });
  ({ channels: [channel] } = await env.teamWithChannels('SOC', [SEEDED_USERS.alice], []));
  await env.subscribe(SEEDED_USERS.alice, channel, 'informational');
});
afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await env.close();
});

function start(replicaId: string) {
  const started = startNotifierProcess(env, {
    sqlitePath, replicaId, timeScale: TIME_SCALE, extraEnv: { NOTIFY_DIGEST: JSON.stringify({ ...DIGEST, windowMs: 10 * 60_000 }) },
  });
  children.push(started.child);
  return started;
}

it('keeps one digest and loses no alert across a SIGKILL mid-storm', async () => {
  const raised = env.raiseAlerts(800, STORM_SHAPES);
  const shown = () => {
    const digests = digestCards(env, channel);
    return new Set(env.notificationCards(channel).map((card) => card.alertId)).size + (digests.at(-1) ? digestCount(digests.at(-1)!.cards[0]) : 0);
  };
  const first = start('first');
  await eventually(() => expect(shown()).toBeGreaterThanOrEqual(200), 30_000);
  first.child.kill('SIGKILL');
  await new Promise((resolve) => first.child.once('exit', resolve));
  expect(shown()).toBeLessThan(raised.length);

  const second = start('second');
  await eventually(() => expect(shown()).toBe(raised.length), 45_000);
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  const digestInDoubt = second.output.some((line) => line.includes('the digest card') && line.includes('was being sent when a sender stopped'));
  expect(digestCards(env, channel).length).toBe(digestInDoubt ? 2 : 1);
  const own = env.notificationCards(channel).map((card) => card.alertId!);
  expect(own).toEqual(expect.arrayContaining(raised.filter((alert) => alert.severity === 'High').map((alert) => alert.id)));
  expect(digestCount(digestCards(env, channel).at(-1)!.cards[0]) + new Set(own).size).toBe(raised.length);
  expect(throttled(env)).toBeLessThanOrEqual(2);
  second.child.kill('SIGTERM');
  await new Promise((resolve) => second.child.once('exit', resolve));
});
