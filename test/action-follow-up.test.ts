/**
 * Durable follow-up of response actions: the bot records each action it submits in the store, and
 * whichever replica holds the follow-up lease reads its status with the app's own read-only token,
 * updates the card for everyone and writes the audit line's outcome, across a restart and a second
 * replica. The reads back off, so an action pending for hours costs a handful of requests per hour.
 */
import { SEEDED, SEEDED_USERS } from '../src/twin/directory';
import { WELL_KNOWN_DEVICES } from '../src/twin/defender/seed';
import { toDefenderTimestamp } from '../src/twin/defender/timestamps';
import type { Machine } from '../src/defender/model';
import { SqliteStore } from '../src/store/sqlite-store';
import type { Store } from '../src/store/store';
import { startTwin, type Twin } from '../src/twin';
import type { Conversation } from '../src/twin/teams';
import { cardText, eventually, lastBotCard, type Replica, sayAndSignIn, startReplica, verbsOf, freshWorkstation } from './support/bot-harness';

const { bob, carol } = SEEDED_USERS;
let twin: Twin;
let store: Store;
let channel: Conversation;
const replicas: Replica[] = [];

beforeAll(async () => {
  twin = await startTwin();
  store = await SqliteStore.open(':memory:');
  replicas.push(await startReplica(twin, store));
  const team = twin.teams.driver.createTeam({ name: 'SOC', members: [bob, carol] });
  await twin.teams.driver.install(team);
  channel = team.channels[0];
});
afterAll(async () => {
  for (const replica of replicas) await replica.close();
  await store.close();
  await twin.close();
});


/** Bob opens the device and confirms Isolate; returns the message whose card follows the action, and the action id. */
async function isolateFromCard(machine: Machine, comment: string): Promise<{ messageId: string; actionId: string }> {
  await sayAndSignIn(twin, bob, channel, `device ${machine.computerDnsName}`);
  const { id } = await eventually(() => {
    const last = lastBotCard(twin, channel);
    if (!cardText(last.card).includes(machine.computerDnsName)) throw new Error('no device card yet');
    return last;
  });
  await twin.teams.driver.click(bob, id, 'isolate.ask');
  await twin.teams.driver.click(bob, id, 'isolate.confirm', { comment, isolationType: 'Full' });
  const action = twin.defender.data.actions.find((a) => a.machineId === machine.id && a.type === 'Isolate' && a.requestorComment === comment);
  if (!action) throw new Error('no isolate reached Defender');
  return { messageId: id, actionId: action.id };
}

function shownCard(messageId: string) {
  return twin.teams.driver.transcript(channel).find((m) => m.id === messageId)!;
}

async function cardReaches(messageId: string, status: RegExp): Promise<void> {
  await eventually(() => {
    if (!status.test(cardText(shownCard(messageId).cards[0]))) throw new Error(`card not ${status} yet`);
  });
}

/** Status reads of one action: `GET /machineactions?$filter=(id eq '…')` as the bot app. */
function followUpReads(actionId: string) {
  return twin.defender.requests.filter((r) => r.endpoint === 'machineActions.list' && decodeURIComponent(r.path).includes(`id eq '${actionId}'`));
}

async function finalAuditLines(actionId: string) {
  return (await store.listAudit({ limit: 200 })).filter((entry) => entry.defenderActionId === actionId && entry.result !== 'requested');
}

describe('follow-up across restarts and replicas', () => {
  it('a bot restarted while the action is Pending still moves the card to Succeeded and writes the audit line, as the app', async () => {
    const machine = freshWorkstation(twin);
    const { messageId, actionId } = await isolateFromCard(machine, 'Restart during isolation');
    expect(cardText(shownCard(messageId).cards[0])).toMatch(/Pending/);
    await replicas.shift()!.close();

    twin.clock.advance(20_000);
    replicas.push(await startReplica(twin, store));
    await cardReaches(messageId, /Succeeded/);
    expect(verbsOf(shownCard(messageId).cards[0])).toEqual(['release.ask']);
    await eventually(async () => expect(await finalAuditLines(actionId)).toEqual([
      expect.objectContaining({ result: 'Succeeded', upn: 'bob@contoso.onmicrosoft.com', action: 'Isolate', comment: 'Restart during isolation' }),
    ]));
    // Every status read was the app's own (no user token is held for follow-up).
    const reads = followUpReads(actionId);
    expect(reads.length).toBeGreaterThan(0);
    expect(reads.every((r) => r.appId === SEEDED.botAppId && r.upn === undefined && r.status === 200)).toBe(true);
  });

  it('a second replica carries on when the first stops during a Pending action; the audit line is written once', async () => {
    const second = await startReplica(twin, store);
    const machine = freshWorkstation(twin);
    const { messageId, actionId } = await isolateFromCard(machine, 'Second replica takes over');
    replicas.push(second);
    await replicas.shift()!.close();
    twin.clock.advance(20_000);
    await cardReaches(messageId, /Succeeded/);
    await eventually(async () => expect(await finalAuditLines(actionId)).toHaveLength(1));
    await second.app.tracker.followOnce();
    expect(await finalAuditLines(actionId)).toHaveLength(1);
  });
});

describe('follow-up cost and long-pending actions', () => {
  beforeAll(async () => {
    // Production's first wait (ACTION_POLL_SECONDS=10); the twin's clock drives the due times.
    while (replicas.length > 0) await replicas.shift()!.close();
    replicas.push(await startReplica(twin, store, { actionPollIntervalMs: 10_000 }));
  });

  it('backs off (10 s, 30 s, 2 min, then every 10 min): an hour of an offline device costs a handful of reads', async () => {
    const offline = twin.defender.data.machines.find((m) => m.computerDnsName === WELL_KNOWN_DEVICES.offline)!;
    const { actionId } = await isolateFromCard(offline, 'Offline laptop');
    const tracker = replicas[0].app.tracker;
    // Simulated minutes pass in 10-second steps; each step is a chance to read.
    for (let second = 0; second < 50 * 60; second += 10) {
      twin.clock.advance(10_000);
      await tracker.followOnce();
    }
    const reads = followUpReads(actionId).length;
    // 10 s, 40 s, 2 min 40 s, then every 10 minutes: 7 reads in 50 minutes (a fixed 10 s would be 300).
    expect(reads).toBeGreaterThanOrEqual(5);
    expect(reads).toBeLessThanOrEqual(8);
  });

  it('an action Pending for more than an hour says so on the card for everyone', async () => {
    const offline = twin.defender.data.machines.find((m) => m.computerDnsName === WELL_KNOWN_DEVICES.offline)!;
    const pending = twin.defender.data.actions.find((a) => a.machineId === offline.id && a.status === 'Pending')!;
    const messageId = twin.teams.driver.transcript(channel).find((m) => m.cards.length && cardText(m.cards[0]).includes('Offline laptop'))!.id;
    expect(cardText(shownCard(messageId).cards[0])).not.toMatch(/more than an hour/);
    // The action was requested an hour and a minute ago (the twin's clock stays within the tokens' lifetime).
    pending.creationDateTimeUtc = toDefenderTimestamp(twin.clock.now() - 61 * 60_000);
    twin.clock.advance(10 * 60_000);
    await replicas[0].app.tracker.followOnce();
    await cardReaches(messageId, /Pending for more than an hour/);
    expect(verbsOf(shownCard(messageId).cards[0])).toEqual(['action.cancel']);
  });
});
