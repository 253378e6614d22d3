/**
 * What an on-call engineer sees: the Prometheus endpoint on its own loopback port, scraped after
 * real turns, a notification burst, a Defender 429 storm and a failed sign-in on the twin; traces
 * of turns and notifications through the Defender, Entra and Teams calls; and nothing in any label
 * or attribute that names a person or a device, or carries a token.
 */
import type { AddressInfo } from 'node:net';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-node';
import { SEEDED, SEEDED_USERS } from '../src/twin/directory';
import type { Conversation } from '../src/twin/teams';
import { type RunningTelemetry, startTelemetry } from '../src/telemetry/start';
import { botMessages, eventually, startBotWithTwin, type BotWithTwin } from './support/bot-harness';
import { scrape, total, type Sample } from './support/prometheus';

const { alice, bob, carol } = SEEDED_USERS;
const BURST = 8;
let telemetry: RunningTelemetry;
let env: BotWithTwin;
let metricsUrl: string;
let channel: Conversation;
const spans = new InMemorySpanExporter();

beforeAll(async () => {
  telemetry = (await startTelemetry({ enabled: true, prometheus: { host: '127.0.0.1', port: 0 } }, { spanExporter: spans }))!;
  metricsUrl = telemetry.metricsUrl!;
  env = await startBotWithTwin();
  // Defender's own per-minute quota is not what these tests look at; injected 429s are.
  env.twin.defender.rateLimits.enabled = false;
  const team = env.twin.teams.driver.createTeam({ name: 'SOC', members: [alice, bob] });
  await env.twin.teams.driver.install(team);
  channel = team.channels[0];
});
afterEach(() => {
  env.twin.defender.faults.clear();
  env.twin.entra.faults.clear();
});
afterAll(async () => {
  await env?.close();
  await telemetry?.shutdown();
});

async function say(user: string, conversation: Conversation, text: string): Promise<string> {
  const before = botMessages(env.twin, conversation).length;
  await env.twin.teams.driver.say(user, conversation, text);
  await env.twin.teams.driver.settled();
  return eventually(() => {
    const messages = botMessages(env.twin, conversation);
    if (messages.length <= before) throw new Error('no answer yet');
    return JSON.stringify(messages[messages.length - 1]);
  });
}

/** How much the samples named `name` (with `labels`) grew between two scrapes. */
function moved(before: Sample[], after: Sample[], name: string, labels: Record<string, string> = {}): number {
  return total(after, name, labels) - total(before, name, labels);
}

async function around(work: () => Promise<unknown>): Promise<(name: string, labels?: Record<string, string>) => number> {
  const before = await scrape(metricsUrl);
  await work();
  const after = await scrape(metricsUrl);
  return (name, labels) => moved(before, after, name, labels);
}

function spansOfTrace(traceId: string): ReadableSpan[] {
  return spans.getFinishedSpans().filter((span) => span.spanContext().traceId === traceId);
}

describe('the metrics endpoint', () => {
  it('listens on loopback, apart from the bot, and serves only GET /metrics', async () => {
    expect(metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    expect(new URL(metricsUrl).port).not.toBe(String((env.app.server.address() as AddressInfo).port));
    expect((await fetch(metricsUrl.replace('/metrics', '/api/messages'), { method: 'POST' })).status).toBe(404);
    const response = await fetch(metricsUrl);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/text\/plain/);
  });

  it('scripted turns: counted by kind and outcome with their latency, and the Defender, Entra and Teams requests they made', async () => {
    const chat = env.twin.teams.driver.personalChat(alice);
    const growth = await around(async () => {
      await env.twin.teams.driver.install(chat);
      await say(alice, chat, 'alerts');
      await say(alice, chat, 'help');
    });
    expect(growth('chatops_turns_total', { kind: 'message', outcome: 'ok' })).toBe(2);
    expect(growth('chatops_turn_duration_count', { kind: 'message', outcome: 'ok' })).toBe(2);
    expect(growth('chatops_turn_duration_sum', { kind: 'message', outcome: 'ok' })).toBeGreaterThan(0);
    expect(growth('chatops_turns_total', { kind: 'invoke signin/tokenExchange', outcome: 'ok' })).toBeGreaterThanOrEqual(1);
    expect(growth('chatops_outbound_requests_total', { service: 'defender', operation: 'GET /api/alerts', status_class: '2xx' })).toBe(1);
    expect(growth('chatops_outbound_requests_total', { service: 'entra', operation: 'POST /{id}/oauth2/v2.0/token', status_class: '2xx' })).toBeGreaterThanOrEqual(1);
    expect(growth('chatops_outbound_requests_total', { service: 'teams', status_class: '2xx' })).toBeGreaterThanOrEqual(2);
    expect(growth('chatops_entra_token_requests_total', { grant: 'on_behalf_of', outcome: 'ok', aadsts: 'none' })).toBe(1);
    expect(growth('chatops_store_operations_total', { outcome: 'ok' })).toBeGreaterThan(0);
    const now = await scrape(metricsUrl);
    expect(total(now, 'chatops_store_available')).toBe(1);
    expect(total(now, 'chatops_notify_digest_mode')).toBe(0);
  });

  it('a Defender 429 storm: throttled responses and retries counted per operation, the turn still answered', async () => {
    const chat = env.twin.teams.driver.personalChat(alice);
    env.twin.defender.faults.inject('alerts.list', { kind: 'throttle', retryAfterSeconds: 1 }, 2);
    const growth = await around(() => say(alice, chat, 'alerts high'));
    expect(env.twin.defender.requests.slice(-3).map((request) => request.status)).toEqual([429, 429, 200]);
    expect(growth('chatops_outbound_throttled_total', { service: 'defender', operation: 'GET /api/alerts' })).toBe(2);
    expect(growth('chatops_outbound_requests_total', { service: 'defender', operation: 'GET /api/alerts', status_class: '4xx' })).toBe(2);
    expect(growth('chatops_outbound_retries_total', { service: 'defender', operation: 'GET /api/alerts' })).toBe(2);
    expect(growth('chatops_turns_total', { kind: 'message', outcome: 'ok' })).toBe(1);
  }, 20_000);

  it('a failed sign-in: the on-behalf-of request counted with its outcome and AADSTS code', async () => {
    env.twin.directory.updateUser(bob, { consented: false });
    const chat = env.twin.teams.driver.personalChat(bob);
    const growth = await around(async () => {
      await env.twin.teams.driver.install(chat);
      await say(bob, chat, 'alerts');
    });
    expect(growth('chatops_entra_token_requests_total', { grant: 'on_behalf_of', outcome: 'invalid_grant', aadsts: '65001' })).toBeGreaterThanOrEqual(1);
    expect(growth('chatops_outbound_requests_total', { service: 'entra', operation: 'POST /{id}/oauth2/v2.0/token', status_class: '4xx' })).toBeGreaterThanOrEqual(1);
    expect(growth('chatops_entra_token_requests_total', { outcome: 'ok' })).toBe(0);
  });

  it(`a notification burst of ${BURST} alerts: cards shown, their lag from Defender, the outbox drained, the leases held`, async () => {
    await say(alice, channel, 'subscribe low');
    await env.app.notifier.poller.pollOnce(); // sets the watermark
    const machine = env.twin.defender.data.machines[0];
    for (let index = 0; index < BURST; index++) env.twin.defender.addAlert({ machineId: machine.id, severity: 'High', title: `Burst ${index}` });
    env.twin.clock.advance(1000);
    await env.app.notifier.poller.pollOnce();
    const queued = await scrape(metricsUrl);
    expect(total(queued, 'chatops_outbox_depth')).toBe(BURST);

    const growth = await around(async () => {
      while (await env.app.notifier.sender.drainOnce() > 0) { /* until the outbox is empty */ }
    });
    expect(growth('chatops_notifications_shown_total', { kind: 'post' })).toBe(BURST);
    expect(growth('chatops_notification_lag_count', { kind: 'post' })).toBe(BURST);
    expect(growth('chatops_notification_lag_sum', { kind: 'post' })).toBeGreaterThan(0);
    expect(growth('chatops_outbound_requests_total', { service: 'teams', operation: 'POST /v3/conversations/{id}/activities', status_class: '2xx' })).toBe(BURST);
    const drained = await scrape(metricsUrl);
    expect(total(drained, 'chatops_outbox_depth')).toBe(0);
    expect(total(drained, 'chatops_leases_held', { lease: 'notifier-poller' })).toBe(1);
    expect(total(drained, 'chatops_leases_held', { lease: 'notifier-sender' })).toBe(1);
    expect(total(drained, 'chatops_notify_polls_total', { outcome: 'ok' })).toBeGreaterThanOrEqual(2);
    expect(total(drained, 'chatops_notify_last_poll')).toBeGreaterThan(Date.now() / 1000 - 60);
  });

  it('a response action followed to its end: counted by status while it runs, its age when final', async () => {
    const chat = env.twin.teams.driver.personalChat(alice);
    const device = env.twin.defender.data.machines.find((m) => m.healthStatus === 'Active' && /^Windows1[01]$/.test(m.osPlatform)
      && !env.twin.defender.data.actions.some((action) => action.machineId === m.id))!;
    const before = await scrape(metricsUrl);
    await say(alice, chat, `isolate ${device.computerDnsName} telemetry test`);
    const confirm = botMessages(env.twin, chat).filter((m) => m.cards.length > 0).pop()!;
    await env.twin.teams.driver.click(alice, confirm.id, 'isolate.confirm', { comment: 'telemetry test', isolationType: 'Full' });
    const running = await eventually(async () => {
      const samples = await scrape(metricsUrl);
      if (total(samples, 'chatops_actions_followed') < 1) throw new Error('not followed yet');
      return samples;
    });
    expect(total(running, 'chatops_actions_followed', { status: 'Pending' }) + total(running, 'chatops_actions_followed', { status: 'InProgress' })).toBe(1);
    env.twin.clock.advance(20_000);
    const finished = await eventually(async () => {
      const samples = await scrape(metricsUrl);
      if (moved(before, samples, 'chatops_actions_final_age_count') < 1) throw new Error('not final yet');
      return samples;
    });
    expect(moved(before, finished, 'chatops_actions_final_age_count', { status: 'Succeeded' })).toBe(1);
    expect(total(finished, 'chatops_actions_followed')).toBe(0);
  });
});

describe('traces', () => {
  it('one trace per turn, carrying its correlation id, through the Entra, Defender and Teams calls', async () => {
    spans.reset();
    const chat = env.twin.teams.driver.personalChat(carol);
    await env.twin.teams.driver.install(chat);
    await say(carol, chat, 'alerts');
    const turns = spans.getFinishedSpans().filter((span) => span.name.startsWith('turn '));
    const logged = env.logs.map((line) => JSON.parse(line) as { msg?: string; correlationId?: string }).filter((entry) => entry.msg === 'activity');
    for (const turn of turns) expect(logged.map((entry) => entry.correlationId)).toContain(turn.attributes['chatops.correlation_id']);
    // The message turn asks for sign-in; the sign-in turn exchanges the token and runs the command.
    const turnTraces = turns.map((span) => span.spanContext().traceId);
    for (const call of ['entra POST /{id}/oauth2/v2.0/token', 'defender GET /api/alerts', 'teams POST /v3/conversations/{id}/activities/{id}']) {
      const span = spans.getFinishedSpans().find((candidate) => candidate.name === call);
      expect(span).toBeDefined();
      expect(turnTraces).toContain(span!.spanContext().traceId);
    }
    expect(new Set(turns.map((span) => span.spanContext().traceId)).size).toBe(turns.length);
  });

  it('one trace per notification, through its Teams call; one per poll, through its Defender calls', async () => {
    spans.reset();
    env.twin.defender.addAlert({ machineId: env.twin.defender.data.machines[0].id, severity: 'High', title: 'Traced' });
    env.twin.clock.advance(1000);
    await env.app.notifier.poller.pollOnce();
    await env.app.notifier.sender.drainOnce();
    const notification = spans.getFinishedSpans().find((span) => span.name === 'notification post');
    expect(notification).toBeDefined();
    expect(notification!.attributes['chatops.correlation_id']).toEqual(expect.any(String));
    expect(notification!.parentSpanContext).toBeUndefined();
    const names = spansOfTrace(notification!.spanContext().traceId).map((span) => span.name);
    expect(names).toContain('teams POST /v3/conversations/{id}/activities');
    const poll = spans.getFinishedSpans().find((span) => span.name === 'notify poll');
    expect(spansOfTrace(poll!.spanContext().traceId).map((span) => span.name)).toContain('defender GET /api/alerts');
  });
});

describe('privacy', () => {
  it('no label and no span attribute holds a user id, UPN, name, device, alert, conversation or token', async () => {
    const samples = await scrape(metricsUrl);
    const values = [
      ...samples.flatMap((sample) => Object.values(sample.labels)),
      ...spans.getFinishedSpans().flatMap((span) => [span.name, ...Object.values(span.attributes).map(String)]),
    ];
    expect(values.length).toBeGreaterThan(50);
    const users = Object.values(SEEDED_USERS).map((oid) => env.twin.directory.requireUser(oid));
    const { machines, alerts } = env.twin.defender.data;
    const forbidden = [
      ...users.flatMap((user) => [user.oid, user.upn, user.displayName]),
      ...machines.flatMap((machine) => [machine.id, machine.computerDnsName]),
      ...alerts.map((alert) => alert.id),
      channel.id, env.twin.teams.driver.personalChat(alice).id, SEEDED.tenantId, SEEDED.botAppSecret,
    ].filter((value): value is string => typeof value === 'string' && value.length > 3).map((value) => value.toLowerCase());
    for (const value of values) {
      const lower = value.toLowerCase();
      expect({ value, holds: forbidden.filter((secret) => lower.includes(secret)) }).toEqual({ value, holds: [] });
      expect(value).not.toMatch(/eyJ[A-Za-z0-9_-]{5,}|@|Bearer/);
    }
  });
});
