import type { AddressInfo } from 'node:net';
import { type BotApp, type BotAppOptions, createBotApp } from '../../src/app';
import type { BotConfig } from '../../src/config';
import { twinBotConfig } from '../../src/local-mode';
import { createLogger } from '../../src/logging';
import { SqliteStore } from '../../src/store/sqlite-store';
import type { Store } from '../../src/store/store';
import type { Machine } from '../../src/defender/model';
import { startTwin, type Twin } from '../../src/twin';
import type { Conversation, TranscriptEntry } from '../../src/twin/teams';

export interface BotWithTwin {
  twin: Twin;
  app: BotApp;
  store: Store;
  /** Every line the bot logged (JSON), for log assertions and the secrets scan. */
  logs: string[];
  close(): Promise<void>;
}

/**
 * The product bot (the real composition root, real botbuilder and msal-node, inbound auth on)
 * listening on loopback, wired to a fresh twin the way production is wired to Microsoft.
 */
export async function startBotWithTwin(overrides: Partial<BotConfig> = {}, options: ReplicaOptions = {}): Promise<BotWithTwin> {
  const twin = await startTwin();
  const store = await SqliteStore.open(':memory:');
  const replica = await startReplica(twin, store, overrides, options);
  return {
    twin, app: replica.app, store, logs: replica.logs,
    close: async () => {
      await replica.close();
      await store.close();
      await twin.close();
    },
  };
}

export interface Replica {
  app: BotApp;
  logs: string[];
  /** Stops the bot (graceful close); the store and the twin stay. */
  close(): Promise<void>;
}

/** One more bot process on the same twin and store (a restart, or a second replica); Teams posts to the newest. */
export type ReplicaOptions = Pick<BotAppOptions, 'turnBudgetMs'>;

export async function startReplica(twin: Twin, store: Store, overrides: Partial<BotConfig> = {}, options: ReplicaOptions = {}): Promise<Replica> {
  const logs: string[] = [];
  const logger = createLogger('info', { write: (line: string) => void logs.push(line) });
  const app = createBotApp(twinBotConfig(twin, { actionPollIntervalMs: 50, ...overrides }), store, { ...options, logger, now: () => twin.clock.now() });
  await new Promise<void>((resolve) => app.server.listen(0, '127.0.0.1', resolve));
  const { port } = app.server.address() as AddressInfo;
  twin.teams.setBotEndpoint(`http://127.0.0.1:${port}/api/messages`);
  return { app, logs, close: () => app.close() };
}

export { eventually } from './eventually';

/** Every text of a card (TextBlock texts, FactSet titles and values, button titles), for "the card shows X". */
export function cardText(card: unknown): string {
  const parts: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      for (const [key, value] of Object.entries(node)) {
        if ((key === 'text' || key === 'title' || key === 'value' || key === 'label' || key === 'placeholder') && typeof value === 'string') parts.push(value);
        else if (key !== 'data') walk(value);
      }
    }
  };
  walk(card);
  return parts.join('\n');
}

/** The verbs of the Action.Execute buttons on a card. */
export function verbsOf(card: unknown): string[] {
  const verbs: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      const record = node as Record<string, unknown>;
      if (record.type === 'Action.Execute' && typeof record.verb === 'string' && !('refresh' in record)) verbs.push(record.verb);
      for (const [key, value] of Object.entries(record)) if (key !== 'refresh') walk(value);
    }
  };
  walk(card);
  return verbs;
}

/** The bot's messages in a conversation, newest last. */
export function botMessages(twin: Twin, conversation: Conversation): TranscriptEntry[] {
  return twin.teams.driver.transcript(conversation).filter((entry) => entry.from === 'bot');
}

export function lastBotCard(twin: Twin, conversation: Conversation): { id: string; card: unknown; entry: TranscriptEntry } {
  const messages = botMessages(twin, conversation).filter((entry) => entry.cards.length > 0);
  const entry = messages[messages.length - 1];
  if (!entry) throw new Error('the bot posted no card');
  return { id: entry.id, card: entry.cards[0], entry };
}

/** The data of the Action.Execute button (or refresh action) with `verb` on a card, as the bot signed it. */
export function buttonData(card: unknown, verb: string): Record<string, unknown> {
  let found: Record<string, unknown> | undefined;
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      const record = node as Record<string, unknown>;
      if (record.type === 'Action.Execute' && record.verb === verb) found = record.data as Record<string, unknown>;
      Object.values(record).forEach(walk);
    }
  };
  walk(card);
  if (!found) throw new Error(`no ${verb} button`);
  return found;
}

/** An online Windows 11 workstation (Bob's device group) with no response actions yet, not in `exclude`. */
export function freshWorkstation(twin: Twin, exclude: readonly string[] = []): Machine {
  const { machines, actions } = twin.defender.data;
  const machine = machines.find((m) => m.rbacGroupName === 'Workstations' && m.healthStatus === 'Active'
    && m.osPlatform === 'Windows11' && !exclude.includes(m.id) && !actions.some((a) => a.machineId === m.id));
  if (!machine) throw new Error('the seed has no fresh workstation left');
  return machine;
}
