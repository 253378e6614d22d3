import crypto from 'node:crypto';
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { type BotApp, type BotAppOptions, createBotApp } from '../../src/app';
import { type ApprovalPolicy, type BotConfig, DEFAULT_APPROVAL_POLICY } from '../../src/config';
import { twinBotConfig } from '../../src/local-mode';
import { createLogger } from '../../src/logging';
import { SqliteStore } from '../../src/store/sqlite-store';
import type { Store } from '../../src/store/store';
import type { Machine } from '../../src/defender/model';
import { startTwin, type Twin, type TwinOptions } from '../../src/twin';
import { SEEDED, SEEDED_USERS } from '../../src/twin/directory';
import { SIGN_IN_VERB } from '../../src/bot/sign-in';
import type { AppPackage, ClickResult, Conversation, SayResult, TranscriptEntry } from '../../src/twin/teams';
import { eventually } from './eventually';

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
 * listening on loopback, wired to a fresh twin the way production is wired to Microsoft; on an
 * in-memory SQLite store unless given one (closed with the rest).
 */
export async function startBotWithTwin(
  overrides: Partial<BotConfig> = {}, options: { store?: Store } & TwinOptions & ReplicaOptions = {},
): Promise<BotWithTwin> {
  const { store: givenStore, turnBudgetMs, connectorIdleSocketMs, ...twinOptions } = options;
  const twin = await startTwin(twinOptions);
  const store = givenStore ?? await SqliteStore.open(':memory:');
  const replica = await startReplica(twin, store, overrides, { turnBudgetMs, connectorIdleSocketMs });
  return {
    twin, app: replica.app, store, logs: replica.logs,
    close: async () => {
      await replica.close();
      await store.close();
      await twin.close();
    },
  };
}

/**
 * What an admin does in a real tenant, on the twin: the bot's public address (a host other than
 * the twin's 127.0.0.1, so a sign-in URL on Entra's host is not mistaken for the bot's), the
 * redirect URI `<public URL>/auth/end` on the Entra app, and the Teams app package (validDomains).
 */
export function deployOnTwin(twin: Twin, config: BotConfig, publicUrl: string): void {
  config.publicUrl = publicUrl;
  const app = twin.directory.apps.get(SEEDED.botAppId)!;
  app.redirectUris = [...(app.redirectUris ?? []), `${publicUrl}/auth/end`];
  twin.teams.driver.appPackage = appPackageFor(publicUrl);
}

export interface Replica {
  app: BotApp;
  store: Store;
  endpoint: string;
  logs: string[];
  /** Stops the bot (graceful close); the store and the twin stay. */
  close(): Promise<void>;
}

const APPROVAL_OFF: ApprovalPolicy = { ...DEFAULT_APPROVAL_POLICY, actions: [] };

export type ReplicaOptions = Pick<BotAppOptions, 'turnBudgetMs' | 'connectorIdleSocketMs' | 'reminderCheckMs'>;

/** Replicas of one deployment share its secrets (card signing, token cache key), as an admin configures them. */
const deploymentSecrets = new WeakMap<Twin, Pick<BotConfig, 'cardSigningSecret' | 'tokenCacheKey'>>();

function secretsOf(twin: Twin): Pick<BotConfig, 'cardSigningSecret' | 'tokenCacheKey'> {
  let secrets = deploymentSecrets.get(twin);
  if (!secrets) {
    const { cardSigningSecret, tokenCacheKey } = twinBotConfig(twin);
    secrets = { cardSigningSecret, tokenCacheKey };
    deploymentSecrets.set(twin, secrets);
  }
  return secrets;
}

/** One more bot on the same twin and store (a restart, or a second replica); Teams posts to the newest. */
export async function startReplica(twin: Twin, store: Store, overrides: Partial<BotConfig> = {}, options: ReplicaOptions = {}): Promise<Replica> {
  const logs: string[] = [];
  const logger = createLogger('info', { write: (line: string) => void logs.push(line) });
  // The two-person rule is off unless a test turns it on: the seed gives random devices a High device value.
  const config = twinBotConfig(twin, { actionPollIntervalMs: 50, approval: APPROVAL_OFF, ...secretsOf(twin), ...overrides });
  const app = createBotApp(config, store, { ...options, logger, now: () => twin.clock.now() });
  await new Promise<void>((resolve) => app.server.listen(0, '127.0.0.1', resolve));
  const { port } = app.server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}/api/messages`;
  twin.teams.setBotEndpoint(endpoint);
  deployOnTwin(twin, config, `http://localhost:${port}`);
  return { app, store, endpoint, logs, close: () => app.close() };
}

/**
 * Several replicas of the product bot on one twin, each with its own store connection (from
 * `openStore`, e.g. PostgreSQL on one schema) and the same secrets, as a scaled-out deployment
 * runs them. The Teams twin posts to whichever replica `twin.teams.setBotEndpoint` names.
 */
export async function startReplicas(twin: Twin, count: number, openStore: () => Promise<Store>): Promise<{ replicas: Replica[]; close(): Promise<void> }> {
  const replicas: Replica[] = [];
  // The same secrets on every replica, as a deployment gives them (twinBotConfig makes fresh ones per call).
  const secrets = { cardSigningSecret: crypto.randomBytes(32).toString('base64url'), tokenCacheKey: crypto.randomBytes(32) };
  for (let index = 0; index < count; index += 1) replicas.push(await startReplica(twin, await openStore(), secrets));
  return {
    replicas,
    close: async () => {
      for (const replica of replicas) {
        await replica.app.close();
        await replica.store.close();
      }
    },
  };
}

/** The app package's validDomains as `npm run package` fills them from the manifest template. */
export function appPackageFor(publicUrl: string): AppPackage {
  const template = fs.readFileSync(path.resolve(__dirname, '..', '..', 'manifest', 'manifest.template.json'), 'utf8');
  const filled = template.replace(/\$\{\{\s*([A-Z0-9_]+)\s*\}\}/g, (_placeholder, name: string) =>
    (name === 'BOT_DOMAIN' ? new URL(publicUrl).hostname : 'placeholder'));
  return { validDomains: (JSON.parse(filled) as { validDomains: string[] }).validDomains };
}

export { eventually };

/** A team with the bot installed, its members, and one channel per name after General; returns the channels. */
export async function installedTeam(env: BotWithTwin, members: string[], channels: string[] = []): Promise<Conversation[]> {
  const team = env.twin.teams.driver.createTeam({ name: 'SOC', members, channels });
  await env.twin.teams.driver.install(team);
  return team.channels;
}

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

/** A bot message that is the channel sign-in card for `userOid` (its Sign in button is theirs). */
export function isSignInCardFor(entry: TranscriptEntry, userOid?: string): boolean {
  return entry.cards.some((card) => {
    if (!verbsOf(card).includes(SIGN_IN_VERB)) return false;
    const data = buttonData(card, SIGN_IN_VERB) as { p?: { oid?: string } };
    return userOid === undefined || data.p?.oid === userOid;
  });
}

/**
 * A user types `text`. In a channel Teams cannot sign anyone in silently, so a user without a token
 * gets a card with a Sign in button (Action.Execute SSO): the user presses it, as a person would.
 * Elsewhere the silent OAuthCard exchange runs on its own. Returns the message and the click, if any.
 */
/** Says `text` as the user (signed in the Teams way) and returns the bot's answer: its card's text, else the message's. */
export async function askBot(twin: Twin, userOid: string, conversation: Conversation, text: string): Promise<string> {
  const before = botMessages(twin, conversation).length;
  await sayAndSignIn(twin, userOid, conversation, text);
  return eventually(() => {
    const messages = botMessages(twin, conversation);
    if (messages.length <= before) throw new Error('no answer yet');
    return cardText(messages[messages.length - 1].cards[0]) || (messages[messages.length - 1].text ?? '');
  });
}

export async function sayAndSignIn(
  twin: Twin, userOid: string, conversation: Conversation, text: string, options: { inThread?: string } = {},
): Promise<SayResult & { signIn?: ClickResult }> {
  const before = botMessages(twin, conversation).length;
  const said = await twin.teams.driver.say(userOid, conversation, text, options);
  await twin.teams.driver.settled();
  const signInCard = botMessages(twin, conversation).slice(before).find((entry) => isSignInCardFor(entry, userOid));
  if (!signInCard) return said;
  const signIn = await twin.teams.driver.click(userOid, signInCard.id, SIGN_IN_VERB);
  return { ...said, signIn };
}

/** An online Windows 11 workstation (Bob's device group) with no response actions yet, not in `exclude`. */
export function freshWorkstation(twin: Twin, exclude: readonly string[] = []): Machine {
  const { machines, actions } = twin.defender.data;
  const machine = machines.find((m) => m.rbacGroupName === 'Workstations' && m.healthStatus === 'Active'
    && m.osPlatform === 'Windows11' && !exclude.includes(m.id) && !actions.some((a) => a.machineId === m.id));
  if (!machine) throw new Error('the seed has no fresh workstation left');
  return machine;
}

/**
 * `user` says `text` (signing in on the way, as sayAndSignIn) and the bot's new card comes back, with
 * its text; with `expected`, the first new card whose text contains it.
 */
export async function askForCard(
  twin: Twin, user: string, conversation: Conversation, text: string, expected = '',
): Promise<{ id: string; card: unknown; text: string }> {
  const before = botMessages(twin, conversation).length;
  await sayAndSignIn(twin, user, conversation, text);
  return eventually(() => {
    const messages = botMessages(twin, conversation);
    const last = lastBotCard(twin, conversation);
    if (messages.length <= before || messages[messages.length - 1].id !== last.id) throw new Error('no new card yet');
    const shown = cardText(last.card);
    if (!shown.includes(expected)) throw new Error(`no card with "${expected}" yet: ${shown}`);
    return { ...last, text: shown };
  });
}

/** A bot on a fresh twin and its SOC channel for a test file: started before the file's tests, closed after them. */
export function botInSocChannel(overrides: Partial<BotConfig> = {}): { env: BotWithTwin; channel: Conversation } {
  const started = {} as { env: BotWithTwin; channel: Conversation };
  beforeAll(async () => {
    started.env = await startBotWithTwin(overrides);
    started.channel = await socChannel(started.env);
  });
  afterAll(() => started.env.close());
  return started;
}

/** A team "SOC" of Alice, Bob and Carol with the bot installed: its General channel. */
export async function socChannel(env: BotWithTwin): Promise<Conversation> {
  const { alice, bob, carol } = SEEDED_USERS;
  const [general] = await installedTeam(env, [alice, bob, carol]);
  return general;
}
