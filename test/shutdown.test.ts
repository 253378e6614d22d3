/**
 * The real entry point (`src/index.ts`) as an admin runs it, pointed at the twin by URL through its
 * settings: SIGTERM in the middle of a burst of notifications exits cleanly within 10 s, and what
 * was not sent yet is delivered, exactly once, after the restart.
 */
import type { ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SEEDED_USERS } from '../src/twin/directory';
import { startTwin, type Twin } from '../src/twin';
import type { Conversation } from '../src/twin/teams';
import { botMessages, cardText, eventually, sayAndSignIn } from './support/bot-harness';
import { startEntryPoint, waitUntilServing } from './support/entry-point';

jest.setTimeout(120_000);

const BURST = 24;
let twin: Twin;
let channel: Conversation;
let dataDir: string;
const cardSigningSecret = crypto.randomBytes(32).toString('base64url');

beforeAll(async () => {
  twin = await startTwin();
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'chatops-shutdown-'));
});
afterAll(async () => {
  await twin.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

function startBot(port: number): ChildProcess {
  return startEntryPoint(twin, port, {
    CARD_SIGNING_SECRET: cardSigningSecret,
    SQLITE_PATH: path.join(dataDir, 'chatops.db'),
    DATABASE_URL: '',
    NOTIFY_INTERVAL_SECONDS: '5',
  }).child;
}

function postedBurstCards(): string[] {
  return botMessages(twin, channel).map((message) => cardText(message.cards[0])).filter((text) => text.includes('Burst alert #'));
}

it('SIGTERM during a burst exits within 10 s, and the rest is delivered once after the restart', async () => {
  const port = 39000 + Math.floor(Math.random() * 1000);
  twin.teams.setBotEndpoint(`http://127.0.0.1:${port}/api/messages`);
  let bot = startBot(port);
  await waitUntilServing(port);

  const team = twin.teams.driver.createTeam({ name: 'SOC', members: [SEEDED_USERS.alice] });
  await twin.teams.driver.install(team);
  channel = team.channels[0];
  await sayAndSignIn(twin, SEEDED_USERS.alice, channel, 'subscribe informational');
  await eventually(() => {
    if (!botMessages(twin, channel).some((message) => /Subscribed/.test(cardText(message.cards[0])))) throw new Error('not subscribed yet');
  }, 15_000);

  const machine = twin.defender.data.machines[0];
  for (let index = 1; index <= BURST; index += 1) twin.defender.addAlert({ machineId: machine.id, severity: 'High', title: `Burst alert #${index}` });
  await eventually(() => {
    if (postedBurstCards().length < 3) throw new Error('the burst has not started yet');
  }, 30_000);

  const stoppedAt = Date.now();
  bot.kill('SIGTERM');
  const exitCode = await new Promise<number | null>((resolve) => bot.once('exit', (code) => resolve(code)));
  expect(Date.now() - stoppedAt).toBeLessThan(10_000);
  expect(exitCode).toBe(0);
  const beforeRestart = postedBurstCards().length;
  expect(beforeRestart).toBeLessThan(BURST);

  bot = startBot(port);
  try {
    await waitUntilServing(port);
    const delivered = await eventually(() => {
      const cards = postedBurstCards();
      if (cards.length < BURST) throw new Error(`${cards.length} of ${BURST} delivered`);
      return cards;
    }, 60_000);
    const titles = delivered.map((text) => /Burst alert #\d+/.exec(text)![0]);
    expect(new Set(titles).size).toBe(BURST);
    expect(titles).toHaveLength(BURST);
  } finally {
    bot.kill('SIGTERM');
    await new Promise((resolve) => bot.once('exit', resolve));
  }
});
