/**
 * What an on-call engineer sees: the Prometheus endpoint on its own loopback port, scraped after
 * real turns, a notification burst, a Defender 429 storm and a failed sign-in on the twin; traces
 * of turns and notifications through the Defender, Entra and Teams calls; and nothing in any label
 * or attribute that names a person, a device or carries a token.
 */
import type { AddressInfo } from 'node:net';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-node';
import { SEEDED_USERS } from '../src/twin/directory';
import type { Conversation } from '../src/twin/teams';
import { type RunningTelemetry, startTelemetry } from '../src/telemetry/start';
import { botMessages, eventually, startBotWithTwin, type BotWithTwin } from './support/bot-harness';
import { scrape, total, type Sample } from './support/prometheus';

const { alice } = SEEDED_USERS;
let telemetry: RunningTelemetry;
let env: BotWithTwin;
let metricsUrl: string;
const spans = new InMemorySpanExporter();

beforeAll(async () => {
  telemetry = (await startTelemetry({ enabled: true, prometheus: { host: '127.0.0.1', port: 0 } }, { spanExporter: spans }))!;
  metricsUrl = telemetry.metricsUrl!;
  env = await startBotWithTwin();
  env.twin.defender.rateLimits.enabled = false;
});
afterEach(() => {
  env.twin.defender.faults.clear();
  env.twin.entra.faults.clear();
});
afterAll(async () => {
  await env?.close();
  await telemetry?.shutdown();
});

async function say(user: string, conversation: Conversation, text: string): Promise<void> {
  const before = botMessages(env.twin, conversation).length;
  await env.twin.teams.driver.say(user, conversation, text);
  await env.twin.teams.driver.settled();
  await eventually(() => {
    if (botMessages(env.twin, conversation).length <= before) throw new Error('no answer yet');
  });
}

const moved = (before: Sample[], after: Sample[], name: string, labels: Record<string, string> = {}) => total(after, name, labels) - total(before, name, labels);

describe('the metrics endpoint', () => {
  it('listens on loopback, apart from the bot, and serves only GET /metrics', async () => {
    expect(metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    expect(new URL(metricsUrl).port).not.toBe(String((env.app.server.address() as AddressInfo).port));
    expect((await fetch(metricsUrl.replace('/metrics', '/api/messages'))).status).toBe(404);
    const response = await fetch(metricsUrl);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/text\/plain/);
  });

  it('scripted turns: counted by kind and outcome with latency, Defender and Entra requests by operation', async () => {
    const before = await scrape(metricsUrl);
    const chat = env.twin.teams.driver.personalChat(alice);
    await env.twin.teams.driver.install(chat);
    await say(alice, chat, 'alerts');
    await say(alice, chat, 'help');
    const after = await scrape(metricsUrl);
    console.log(after.filter((s) => s.value > 0).map((s) => `${s.name}${JSON.stringify(s.labels)} ${s.value}`).join('\n'));
    expect(moved(before, after, 'chatops_turns_total', { kind: 'message', outcome: 'ok' })).toBeGreaterThanOrEqual(2);
  });
});
