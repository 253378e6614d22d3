/**
 * Several bot replicas on one PostgreSQL database (a real server, a fresh schema): one polls at a
 * time and another takes over when it dies; the replicas share one outbox without double posts.
 * The Teams twin's rate-limit windows are scaled down in time by 10x (rateLimitTimeScale 0.1), and
 * the notifier's pacing windows by the same factor.
 */
import type { RequestInfo } from '../src/defender/client';
import { SENDER_LEASE } from '../src/notify/outbox-sender';
import { DEFAULT_SEND_RATE_LIMITS, scaleRateLimits } from '../src/notify/pacer';
import { SEEDED_USERS } from '../src/twin/directory';
import type { Conversation } from '../src/twin/teams';
import { dropSchema, eventually, NotifyEnv, type Replica, uniqueSchema } from './support/notify-harness';

const TIME_SCALE = 0.1;
const LEASE_TTL_MS = 1_500;
const schema = uniqueSchema('notify_scale');
let env: NotifyEnv;
let channels: Conversation[];

beforeAll(async () => {
  env = await NotifyEnv.start({ store: { postgresSchema: schema }, rateLimitTimeScale: TIME_SCALE });
  ({ channels } = await env.teamWithChannels('SOC', [SEEDED_USERS.alice], ['Servers']));
  await env.subscribe(SEEDED_USERS.alice, channels[0], 'high');
  await env.subscribe(SEEDED_USERS.alice, channels[1], 'informational group Servers');
});
afterAll(async () => {
  await env.close();
  await dropSchema(schema);
});

const settings = {
  poller: { pollIntervalMs: 200, leaseTtlMs: LEASE_TTL_MS },
  sender: { idleMs: 20, leaseTtlMs: LEASE_TTL_MS, claimBatch: 10, maxWaitMs: 500, rateLimits: scaleRateLimits(DEFAULT_SEND_RATE_LIMITS, TIME_SCALE) },
};

describe('the poller lease', () => {
  it('lets one replica poll at a time; another takes over within one lease period after it dies', async () => {
    const polls = new Map<string, number[]>([['a', []], ['b', []]]);
    const record = (id: string) => (info: RequestInfo) => { if (info.path === '/api/alerts') polls.get(id)!.push(Date.now()); };
    const a = await env.replica({ replicaId: 'a', settings, onDefenderRequest: record('a') });
    a.poller.start();
    await eventually(() => expect(polls.get('a')!.length).toBeGreaterThan(0));
    const b = await env.replica({ replicaId: 'b', settings, onDefenderRequest: record('b') });
    b.poller.start();
    await new Promise((resolve) => setTimeout(resolve, 2 * LEASE_TTL_MS));
    expect(polls.get('a')!.length).toBeGreaterThan(3);
    expect(polls.get('b')).toEqual([]);

    // Replica a dies: its database connections are gone, it renews nothing, releases nothing.
    await a.store.close();
    const diedAt = Date.now();
    await eventually(() => expect(polls.get('b')!.length).toBeGreaterThan(0), 3 * LEASE_TTL_MS);
    // The lease expires at most one lease period after a's last renewal; b asks every third of one.
    expect(polls.get('b')![0] - diedAt).toBeLessThanOrEqual(LEASE_TTL_MS + LEASE_TTL_MS / 3 + 300);
    const aAfterDeath = polls.get('a')!.filter((time) => time > diedAt);
    expect(aAfterDeath).toEqual([]);
    await Promise.all([a.stop(), b.stop()]);
  });
});

describe('the outbox shared by replicas', () => {
  it('posts every card exactly once while replicas start and stop', async () => {
    const replicas: Replica[] = await Promise.all(['c', 'd'].map((replicaId) => env.replica({ replicaId, settings })));
    for (const replica of replicas) replica.start();
    const raised = env.raiseAlerts(40, [{ group: 'Servers', severity: 'High' }, { group: 'Servers', severity: 'Low' }, { group: 'Finance', severity: 'High' }]);
    const expected = {
      general: raised.filter((alert) => alert.severity === 'High').map((alert) => alert.id).sort(),
      servers: raised.filter((alert) => alert.rbacGroupName === 'Servers').map((alert) => alert.id).sort(),
    };
    const total = expected.general.length + expected.servers.length;
    const posted = () => channels.reduce((sum, channel) => sum + env.notificationCards(channel).length, 0);

    // Midway, the replica that is sending stops; the other one carries on with what is left.
    await eventually(() => expect(posted()).toBeGreaterThan(total / 4), 15_000);
    const [c, d] = replicas;
    // Asking for the lease as c answers whether c holds it (a renewal), or takes it if it was free.
    const cSends = await c.store.acquireLease(SENDER_LEASE, 'c', LEASE_TTL_MS);
    await (cSends ? c : d).stop();
    await eventually(async () => expect(await env.store.pendingOutbox()).toBe(0), 20_000);
    await eventually(() => expect(posted()).toBe(total));

    expect(env.notificationCards(channels[0]).map((card) => card.alertId).sort()).toEqual(expected.general);
    expect(env.notificationCards(channels[1]).map((card) => card.alertId).sort()).toEqual(expected.servers);
    await Promise.all(replicas.map((replica) => replica.stop()));
  });
});
