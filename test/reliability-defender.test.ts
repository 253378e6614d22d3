/**
 * Defender misbehaving, seen through the real bot end to end: for every endpoint group the
 * commands and card buttons use, each fault the Defender twin can inject. The user always gets a
 * clear message card within Teams' answer window (~15 s), reads are retried a bounded number of
 * times and wait out Retry-After, and a confirmed isolate reaches Defender exactly once whatever
 * happens, after which the device card still works.
 *
 * The bot's Defender client gives up a read after 3 attempts within its budget and an attempt after
 * its time-out (src/app.ts); LATENCY_MS is longer than that time-out.
 */
import type { Machine } from '../src/defender/model';
import { SEEDED_USERS } from '../src/twin/directory';
import type { Fault } from '../src/twin/defender/faults';
import type { RecordedDefenderRequest } from '../src/twin/defender/server';
import type { Conversation } from '../src/twin/teams';
import { botMessages, cardText, eventually, startBotWithTwin, verbsOf, buttonData, type BotWithTwin } from './support/bot-harness';

const { alice } = SEEDED_USERS;
const TEAMS_ANSWER_WINDOW_MS = 15_000;
const MAX_READ_ATTEMPTS = 3;
const RETRY_AFTER_SECONDS = 1;
const LATENCY_MS = 7_000;
/** Node timers may fire a millisecond early; the twin and the bot read the same clock. */
const TIMER_SLACK_MS = 5;

const FAULTS: [name: string, fault: Fault, message: RegExp][] = [
  ['429 with Retry-After', { kind: 'throttle', retryAfterSeconds: RETRY_AFTER_SECONDS }, /Defender is busy, try again in \d+ s/],
  ['500', { kind: 'serverError', status: 500 }, /internal error \(HTTP 500\)/],
  ['503', { kind: 'serverError', status: 503 }, /internal error \(HTTP 503\)/],
  ['an answer slower than the client time-out', { kind: 'latency', ms: LATENCY_MS }, /did not answer within \d+ s/],
  ['a reset connection', { kind: 'resetConnection' }, /Could not reach Defender/],
  ['malformed JSON', { kind: 'malformedJson' }, /could not be read/],
  ['an empty body', { kind: 'emptyBody' }, /could not be read/],
];

let env: BotWithTwin;
let chat: Conversation;
/** A device the read tests look at, and the devices the isolate tests used. */
let listedDevice: Machine;
const takenDevices = new Set<string>();

beforeAll(async () => {
  env = await startBotWithTwin();
  // Defender's real per-minute quota is not what these tests look at; injected 429s are.
  env.twin.defender.rateLimits.enabled = false;
  chat = env.twin.teams.driver.personalChat(alice);
  await env.twin.teams.driver.install(chat);
  listedDevice = freshDevice();
  await command('help');
  await command('alerts'); // signs Alice in
});
afterEach(() => env.twin.defender.faults.clear());
afterAll(() => env?.close());

interface Reply {
  ms: number;
  status: number;
  text: string;
  messageId?: string;
  card?: unknown;
}

/** Alice types `text`; what the bot answered within the turn (the activity's HTTP answer waits for it). */
async function command(text: string): Promise<Reply> {
  const before = botMessages(env.twin, chat).length;
  const started = performance.now();
  const said = await env.twin.teams.driver.say(alice, chat, text);
  const ms = performance.now() - started;
  await env.twin.teams.driver.settled();
  const replies = botMessages(env.twin, chat).slice(before);
  const last = replies.at(-1);
  return { ms, status: said.status, text: replies.map((m) => cardText(m.cards[0]) || m.text || '').join('\n'), messageId: last?.id, card: last?.cards[0] };
}

/** Alice clicks `verb` on a message; the invoke's answer (a card, or a message posted below it). */
async function click(messageId: string, verb: string, inputs: Record<string, unknown> = {}): Promise<Reply> {
  const before = botMessages(env.twin, chat).length;
  const started = performance.now();
  const clicked = await env.twin.teams.driver.click(alice, messageId, verb, inputs);
  const ms = performance.now() - started;
  const body = clicked.body as { statusCode: number; type: string; value: unknown };
  const posted = botMessages(env.twin, chat).slice(before).map((m) => cardText(m.cards[0]) || m.text || '');
  const text = body.type === 'application/vnd.microsoft.card.adaptive' ? cardText(body.value) : [String(body.value), ...posted].join('\n');
  return { ms, status: clicked.status === 200 ? body.statusCode : clicked.status, text, card: body.value };
}

/** A device Alice (admin) can isolate that no action has touched yet. */
function freshDevice(): Machine {
  const { machines, actions } = env.twin.defender.data;
  const used = new Set(actions.map((action) => action.machineId));
  const machine = machines.find((m) => m.healthStatus === 'Active' && /^Windows1[01]$/.test(m.osPlatform)
    && !used.has(m.id) && !takenDevices.has(m.id));
  if (!machine) throw new Error('the seed has no fresh device left');
  takenDevices.add(machine.id);
  return machine;
}

/** A new card of the bot in Alice's chat (each click test clicks a card Alice has not clicked yet). */
async function cardOf(text: string, mustContain: string): Promise<string> {
  const reply = await command(text);
  if (!reply.messageId || !reply.text.includes(mustContain)) throw new Error(`no card for "${text}"`);
  return reply.messageId;
}

function requestsSince(index: number, endpoint: string): RecordedDefenderRequest[] {
  return env.twin.defender.requests.slice(index).filter((request) => request.endpoint === endpoint);
}

/** A clear message for a person: the expected explanation, no stack trace, no internals. */
function expectClearMessage(reply: Reply, message: RegExp): void {
  expect(reply.status).toBe(200);
  expect(reply.ms).toBeLessThan(TEAMS_ANSWER_WINDOW_MS);
  expect(reply.text).toMatch(message);
  expect(reply.text).not.toMatch(/\n\s+at \S|TypeError|ReferenceError|\bundefined\b|\[object Object\]|Something went wrong/);
}

function expectBoundedRetries(requests: RecordedDefenderRequest[], fault: Fault): void {
  expect(requests.length).toBeGreaterThanOrEqual(1);
  expect(requests.length).toBeLessThanOrEqual(MAX_READ_ATTEMPTS);
  if (fault.kind !== 'throttle') return;
  expect(requests.length).toBeGreaterThan(1); // a 1 s Retry-After fits the budget: it was retried
  for (let index = 1; index < requests.length; index++) {
    const waited = requests[index].receivedAtMs - requests[index - 1].receivedAtMs;
    expect(waited).toBeGreaterThanOrEqual(fault.retryAfterSeconds * 1000 - TIMER_SLACK_MS);
  }
}

interface ReadGroup {
  name: string;
  endpoint: string;
  /** Done before the fault is armed: the card to click, if the group is reached by a click. */
  prepare?(): Promise<string>;
  act(messageId?: string): Promise<Reply>;
}

const READ_GROUPS: ReadGroup[] = [
  { name: 'alerts list (`alerts`)', endpoint: 'alerts.list', act: () => command('alerts high') },
  {
    name: 'alert by id (Open on the alert list)', endpoint: 'alerts.get',
    prepare: () => cardOf('alerts', 'Open'), act: (id) => click(id!, 'alert.open'),
  },
  { name: 'machines search (`device <name>`)', endpoint: 'machines.list', act: () => command(`device ${listedDevice.computerDnsName}`) },
  {
    name: 'machine by id (the device card refresh)', endpoint: 'machines.get',
    prepare: () => cardOf(`device ${listedDevice.computerDnsName}`, listedDevice.computerDnsName), act: (id) => click(id!, 'device.refresh'),
  },
  { name: 'machine actions list (`actions <device>`)', endpoint: 'machineActions.list', act: () => command(`actions ${listedDevice.computerDnsName}`) },
];

describe.each(READ_GROUPS)('$name', ({ endpoint, prepare, act }) => {
  it.each(FAULTS)('%s: a clear message in time, bounded retries', async (_name, fault, message) => {
    const messageId = await prepare?.();
    env.twin.defender.faults.inject(endpoint, fault);
    const start = env.twin.defender.requests.length;

    const reply = await act(messageId);

    expectClearMessage(reply, message);
    expectBoundedRetries(requestsSince(start, endpoint), fault);
  }, 20_000);

  it('works again once Defender recovers', async () => {
    const messageId = await prepare?.();
    const start = env.twin.defender.requests.length;
    const reply = await act(messageId);
    expect(reply.status).toBe(200);
    expect(reply.text).not.toMatch(/Defender (is busy|had an internal error|did not answer)|Could not reach|could not be read/);
    expect(requestsSince(start, endpoint).every((request) => request.status === 200)).toBe(true);
  });
});

describe('isolate (machines.isolate), never sent twice', () => {
  it.each(FAULTS)('%s: a clear message, exactly one isolate, the same confirmation again sends none, the card still works', async (_name, fault, message) => {
    const machine = freshDevice();
    const messageId = await cardOf(`device ${machine.computerDnsName}`, machine.computerDnsName);
    const ask = await click(messageId, 'isolate.ask');
    const confirmData = buttonData(ask.card, 'isolate.confirm');
    env.twin.defender.faults.inject('machines.isolate', fault);
    const start = env.twin.defender.requests.length;

    const reply = await click(messageId, 'isolate.confirm', { comment: `fault test: ${fault.kind}`, isolationType: 'Full' });

    expectClearMessage(reply, message);
    if (fault.kind !== 'throttle') expect(reply.text).toMatch(/may or may not have been accepted/);
    const isolates = () => requestsSince(start, 'machines.isolate').filter((request) => request.path.includes(machine.id));
    expect(isolates()).toHaveLength(1);
    // A slow request is still handled by the twin after the bot gave up on it.
    if (fault.kind === 'latency') await eventually(() => expect(isolates()[0].status).toBe(201), LATENCY_MS);
    env.twin.defender.faults.clear();

    // Teams re-sending the same confirmation (or a second click on it) does not isolate again.
    const again = await env.twin.teams.driver.invoke(alice, chat, 'adaptiveCard/action', {
      action: { type: 'Action.Execute', verb: 'isolate.confirm', data: { ...confirmData, comment: 'again', isolationType: 'Full' } }, trigger: 'manual',
    }, { replyToId: messageId });
    expect((again.response.body as { statusCode: number }).statusCode).toBe(200);
    expect(isolates()).toHaveLength(1);
    const created = env.twin.defender.data.actions.filter((action) => action.machineId === machine.id && action.type === 'Isolate');
    expect(created.length).toBeLessThanOrEqual(1);

    // A later status click shows the device as Defender has it: isolation under way, or Isolate offered again.
    const status = await click(await cardOf(`device ${machine.computerDnsName}`, machine.computerDnsName), 'device.refresh');
    expect(status.status).toBe(200);
    expect(status.text).toContain(machine.computerDnsName);
    if (created.length === 1) expect(verbsOf(status.card)).not.toContain('isolate.ask');
    else expect(verbsOf(status.card)).toContain('isolate.ask');
  }, 25_000);
});

it('the bot is still up and serving after every fault', async () => {
  const health = await fetch(botUrl('/healthz'));
  expect(health.status).toBe(200);
  const reply = await command('alerts');
  expect(reply.status).toBe(200);
  expect(verbsOf(reply.card)).toContain('alert.open');
});

function botUrl(path: string): string {
  const address = env.app.server.address() as { port: number };
  return `http://127.0.0.1:${address.port}${path}`;
}
