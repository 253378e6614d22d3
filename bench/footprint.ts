import type { BotConfig } from '../src/config';
import type { Twin } from '../src/twin';
import type { Conversation } from '../src/twin/teams';
import type { BotTelemetry, MemoryFigures } from './ipc';
import { runConcurrently } from './load';
import { BotProcess, type StartupFigures } from './spawn-bot';
import { type BenchUser, installForUsers, signIn } from './users';

export interface BotFootprint {
  startup: StartupFigures;
  /** After start-up and a while without traffic, after a full GC. */
  idle: MemoryFigures;
}

export interface ProductFootprint extends BotFootprint {
  subscriptions: number;
  /** After `subscriptions` channels subscribed through chat (`subscribe high`), after a full GC. */
  withSubscriptions: MemoryFigures;
}

const CHANNELS_PER_TEAM = 5;
const SUBSCRIBING_USERS = 10;

/** Starts a bot process and takes its start-up figures and idle memory. */
export async function startMeasured(
  kind: BotProcess['kind'], config: BotConfig, idleMs: number, telemetry: BotTelemetry = 'off',
): Promise<{ bot: BotProcess; footprint: BotFootprint }> {
  const bot = await BotProcess.start(kind, config, telemetry);
  await new Promise((resolve) => setTimeout(resolve, idleMs));
  return { bot, footprint: { startup: bot.startup, idle: await bot.memory() } };
}

/**
 * A fresh product bot: start-up, idle memory, then `subscriptions` channels (teams of five
 * channels, the app installed in each team) subscribed by a signed-in user, and memory again.
 * The Teams twin's rate limits must be off (this is about memory, not pacing).
 */
export async function measureProductFootprint(
  twin: Twin, config: BotConfig, user: BenchUser, subscriptions: number, idleMs: number,
): Promise<ProductFootprint> {
  const { bot, footprint } = await startMeasured('product', config, idleMs);
  try {
    const { driver } = twin.teams;
    twin.teams.setBotEndpoint(bot.endpoint);
    const channels: Conversation[] = [];
    for (let team = 0; channels.length < subscriptions; team++) {
      const names = Array.from({ length: CHANNELS_PER_TEAM - 1 }, (_, index) => `Channel ${index + 2}`);
      const created = driver.createTeam({ name: `Footprint ${team + 1}`, members: [user.oid], channels: names });
      await driver.install(created);
      channels.push(...created.channels.slice(0, subscriptions - channels.length));
    }
    const subscribe = async (channel: Conversation) => {
      const said = await driver.say(user.oid, channel, 'subscribe high');
      if (said.status !== 200) throw new Error(`subscribe answered ${said.status}`);
    };
    // Teams has no silent sign-in for bots in channels: the user signs in through their personal chat.
    await installForUsers(twin, [user]);
    await signIn(twin, [user]);
    await subscribe(channels[0]);
    const workers = Array.from({ length: SUBSCRIBING_USERS }, (_, worker) => ({
      worker, items: channels.slice(1).filter((_, index) => index % SUBSCRIBING_USERS === worker),
    }));
    const result = await runConcurrently(workers, (_worker, channel) => subscribe(channel));
    if (result.failures.length > 0) throw new Error(`subscribing failed: ${result.failures[0]}`);
    const stored = await bot.request<number>('subscriptions');
    if (stored !== subscriptions) throw new Error(`the bot holds ${stored} subscriptions, not ${subscriptions}`);
    return { ...footprint, subscriptions: stored, withSubscriptions: await bot.memory() };
  } finally {
    await bot.stop();
  }
}
