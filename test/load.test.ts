/**
 * Load: 200 simulated analysts (added to the twin directory, each in their own chat with the bot)
 * use the real bot for 60 s with a mix of commands and card clicks, paced like people (a think time
 * between actions). Every turn must succeed (HTTP 200 and a real answer, no error card); the
 * latency percentiles are printed.
 *
 * Defender's per-app quota (100 calls a minute per endpoint) is switched off in the twin: 200 people
 * would exhaust it in seconds, and this test measures the bot, not the quota (Defender's 429 handling
 * is covered by test/reliability-defender.test.ts). Teams' rate limits stay on.
 */
import { SEEDED } from '../src/twin/directory';
import type { Conversation } from '../src/twin/teams';
import { botMessages, cardText, eventually, startBotWithTwin, type BotWithTwin } from './support/bot-harness';

const USERS = 200;
const DURATION_MS = 60_000;
/** Each user waits this long (uniformly) between actions: about 12 turns a second for 200 users. */
const THINK_MS = { min: 10_000, max: 22_000 };
const FAILURE_TEXT = /Something went wrong|Defender is busy|Defender had an internal error|did not answer|Could not reach|could not be read|Sign in/i;

interface Analyst {
  oid: string;
  chat: Conversation;
  alertListId?: string;
  deviceCardId?: string;
}

interface Turn {
  kind: string;
  ms: number;
  ok: boolean;
  detail?: string;
}

let env: BotWithTwin;
const analysts: Analyst[] = [];

beforeAll(async () => {
  env = await startBotWithTwin();
  env.twin.defender.rateLimits.enabled = false;
  for (let index = 0; index < USERS; index++) {
    const oid = `10ad0000-0000-4000-8000-${String(index).padStart(12, '0')}`;
    env.twin.directory.addUser({
      oid, upn: `analyst${index}@contoso.onmicrosoft.com`, displayName: `Analyst ${index}`, tenantId: SEEDED.tenantId,
      consented: true, defenderRole: 'viewer', deviceGroups: 'all',
    });
    const chat = env.twin.teams.driver.personalChat(oid);
    await env.twin.teams.driver.install(chat);
    analysts.push({ oid, chat });
  }
  // Everyone signs in once (SSO exchange + on-behalf-of), ten at a time, before the measured minute.
  for (let start = 0; start < USERS; start += 10) {
    await Promise.all(analysts.slice(start, start + 10).map(async (analyst) => {
      await env.twin.teams.driver.say(analyst.oid, analyst.chat, 'alerts');
      analyst.alertListId = await eventually(() => {
        const last = botMessages(env.twin, analyst.chat).at(-1);
        if (!last || !cardText(last.cards[0]).includes('Open')) throw new Error('not signed in yet');
        return last.id;
      }, 15_000);
    }));
  }
}, 120_000);
afterAll(() => env?.close());

function pick<T>(items: readonly T[]): T {
  return items[Math.floor(Math.random() * items.length)];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One typed command: the answer is posted within the turn, so it is in the chat when the HTTP answer comes. */
async function command(analyst: Analyst, text: string, mustContain?: string): Promise<{ ok: boolean; messageId?: string; detail?: string }> {
  const before = botMessages(env.twin, analyst.chat).length;
  const said = await env.twin.teams.driver.say(analyst.oid, analyst.chat, text);
  const replies = botMessages(env.twin, analyst.chat).slice(before);
  const answer = replies.map((m) => cardText(m.cards[0]) || m.text || '').join('\n');
  const ok = said.status === 200 && replies.length > 0 && !FAILURE_TEXT.test(answer) && (!mustContain || answer.includes(mustContain));
  return { ok, messageId: replies.at(-1)?.id, detail: ok ? undefined : `${text}: HTTP ${said.status}, "${answer.slice(0, 200)}"` };
}

async function click(analyst: Analyst, messageId: string, verb: string): Promise<{ ok: boolean; detail?: string }> {
  const clicked = await env.twin.teams.driver.click(analyst.oid, messageId, verb);
  const body = clicked.body as { statusCode?: number; value?: unknown } | undefined;
  const text = typeof body?.value === 'string' ? body.value : cardText(body?.value);
  const ok = clicked.status === 200 && body?.statusCode === 200 && !FAILURE_TEXT.test(text);
  return { ok, detail: ok ? undefined : `click ${verb}: HTTP ${clicked.status}, ${JSON.stringify(body).slice(0, 200)}` };
}

/** What an analyst does next: mostly reading alerts and devices, some clicks on cards they got. */
async function act(analyst: Analyst): Promise<Turn & { started: number }> {
  const { machines, alerts } = env.twin.defender.data;
  const roll = Math.random();
  const started = performance.now();
  const done = (kind: string, outcome: { ok: boolean; detail?: string }) => ({ kind, started, ms: performance.now() - started, ...outcome });
  if (roll < 0.15 && analyst.alertListId) return done('click alert.open', await click(analyst, analyst.alertListId, 'alert.open'));
  if (roll < 0.25 && analyst.deviceCardId) return done('click device.refresh', await click(analyst, analyst.deviceCardId, 'device.refresh'));
  if (roll < 0.5) {
    const outcome = await command(analyst, pick(['alerts', 'alerts high', 'alerts medium new']), 'Open');
    if (outcome.ok) analyst.alertListId = outcome.messageId;
    return done('alerts', outcome);
  }
  if (roll < 0.7) {
    const machine = pick(machines);
    const outcome = await command(analyst, `device ${machine.computerDnsName}`, machine.computerDnsName);
    if (outcome.ok) analyst.deviceCardId = outcome.messageId;
    return done('device', outcome);
  }
  if (roll < 0.85) {
    const alert = pick(alerts);
    return done('alert', await command(analyst, `alert ${alert.id}`, alert.title));
  }
  if (roll < 0.95) return done('actions', await command(analyst, `actions ${pick(machines).computerDnsName}`));
  return done('help', await command(analyst, 'help', 'alerts'));
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

it(`${USERS} users for ${DURATION_MS / 1000} s of mixed commands and clicks: zero failed turns`, async () => {
  const turns: Turn[] = [];
  const end = performance.now() + DURATION_MS;
  const think = () => THINK_MS.min + Math.random() * (THINK_MS.max - THINK_MS.min);

  await Promise.all(analysts.map(async (analyst) => {
    await sleep(Math.random() * THINK_MS.max); // people do not all start at once
    while (performance.now() < end) {
      try {
        turns.push(await act(analyst));
      } catch (error) {
        turns.push({ kind: 'error', ms: 0, ok: false, detail: error instanceof Error ? error.message : String(error) });
      }
      await sleep(Math.min(think(), Math.max(0, end - performance.now())));
    }
  }));

  const latencies = turns.map((turn) => turn.ms).sort((a, b) => a - b);
  const failed = turns.filter((turn) => !turn.ok);
  const byKind = Object.entries(turns.reduce<Record<string, number>>((counts, turn) => ({ ...counts, [turn.kind]: (counts[turn.kind] ?? 0) + 1 }), {}));
  console.log([
    `load: ${USERS} users, ${DURATION_MS / 1000} s: ${turns.length} turns (${(turns.length / (DURATION_MS / 1000)).toFixed(1)}/s), ${failed.length} failed`,
    `latency ms: p50 ${percentile(latencies, 50).toFixed(0)}, p95 ${percentile(latencies, 95).toFixed(0)}, p99 ${percentile(latencies, 99).toFixed(0)}, max ${latencies.at(-1)!.toFixed(0)}`,
    `mix: ${byKind.map(([kind, count]) => `${kind} ${count}`).join(', ')}`,
  ].join('\n'));

  expect(failed.map((turn) => turn.detail)).toEqual([]);
  expect(turns.length).toBeGreaterThan(USERS * 2);
  expect(percentile(latencies, 99)).toBeLessThan(15_000); // Teams' answer window
}, DURATION_MS + 60_000);
