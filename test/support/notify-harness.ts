import crypto from 'node:crypto';
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ActivityHandler, type Attachment, type CloudAdapter, TurnContext } from 'botbuilder';
import { Client } from 'pg';
import type restify from 'restify';
import { createCloudAdapter } from '../../src/bot/adapter';
import { Buttons } from '../../src/bot/buttons';
import { ActionSigner } from '../../src/bot/signed-actions';
import { digestCard } from '../../src/bot/digest-cards';
import { DEFAULT_DIGEST_SETTINGS, type Digest, type DigestSettings } from '../../src/notify/storm-digest';
import { buttonTitles, createViews } from '../../src/cards/views';
import { DefenderClient, type RequestInfo } from '../../src/defender/client';
import type { Alert, DeviceGroup } from '../../src/defender/model';
import { createMsalClient } from '../../src/identity/msal-client';
import { appTokenSource } from '../../src/notify/app-token';
import { createNotifier, type Notifier, type NotifierSettings } from '../../src/notify/notifier';
import type { CardTarget } from '../../src/notify/outbox-sender';
import { parseSeverity, SubscriptionRegistry } from '../../src/notify/subscriptions';
import { TeamsConnectorSender } from '../../src/notify/teams-sender';
import { createLogger } from '../../src/logging';
import { eventually as waitFor } from './eventually';
import { createServer } from '../../src/server';
import { PostgresStore } from '../../src/store/postgres-store';
import { SqliteStore } from '../../src/store/sqlite-store';
import type { Store } from '../../src/store/store';
import { TwinClock } from '../../src/twin/clock';
import { DefenderTwin } from '../../src/twin/defender/server';
import { DEFENDER_API, SEEDED, seedDirectory } from '../../src/twin/directory';
import { EntraTwin } from '../../src/twin/entra';
import { type Conversation, TeamsTwin } from '../../src/twin/teams';

/** The scale-out tests' PostgreSQL: TEST_DATABASE_URL, else DATABASE_URL (as the README and `.ci/run` say), else the local one. */
export const POSTGRES_URL = process.env.TEST_DATABASE_URL?.trim() || process.env.DATABASE_URL?.trim() || 'postgresql://postgres@127.0.0.1:5432/test';

/** Where the twin lives, for a notifier in another process. */
export interface TwinEndpoints {
  entraAuthority: string;
  entraKnownAuthority: string;
  defenderUrl: string;
}

/**
 * The twin (Entra, Teams, Defender), a minimal bot endpoint that records installs and removals and
 * takes `subscribe …` the way the product bot does (through SubscriptionRegistry), and a factory
 * for notifier replicas built from the product parts: DefenderClient with the app's own token
 * (msal client credentials against the Entra twin), botbuilder's CloudAdapter and TeamsConnectorSender.
 */
export class NotifyEnv {
  readonly logs: string[] = [];
  readonly cardSecret = crypto.randomBytes(32).toString('base64url');
  private readonly replicas: Notifier[] = [];
  private readonly stores: Store[] = [];

  private constructor(
    readonly clock: TwinClock,
    readonly entra: EntraTwin,
    readonly teams: TeamsTwin,
    readonly defender: DefenderTwin,
    readonly store: Store,
    private readonly server: restify.Server,
    private readonly openReplicaStore: () => Promise<Store>,
    /** The bot endpoint the Teams twin posts to. */
    readonly botEndpoint: string,
  ) {}

  static async start(options: { store: StoreChoice; rateLimitTimeScale?: number }): Promise<NotifyEnv> {
    const clock = new TwinClock();
    const entra = await EntraTwin.start({ directory: seedDirectory(), clock });
    const teams = await TeamsTwin.start({ entra, clock, botAppId: SEEDED.botAppId, rateLimitTimeScale: options.rateLimitTimeScale });
    const defender = await DefenderTwin.start({ entra, clock });
    const openReplicaStore = () => openStore(options.store);
    const store = await openReplicaStore();
    const registry = new SubscriptionRegistry(store, () => undefined);
    const { server } = createServer({
      adapter: adapterFor(entra, teams), bot: new SubscribingBot(registry, (oid) => deviceGroupsOf(entra, defender, oid)),
      logger: createLogger('silent'), readiness: async () => ({ ready: true, checks: {} }),
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const botEndpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/messages`;
    teams.setBotEndpoint(botEndpoint);
    return new NotifyEnv(clock, entra, teams, defender, store, server, openReplicaStore, botEndpoint);
  }

  get endpoints(): TwinEndpoints {
    return {
      entraAuthority: this.entra.authority(SEEDED.tenantId),
      entraKnownAuthority: this.entra.knownAuthority,
      defenderUrl: this.defender.baseUrl,
    };
  }

  get registry(): SubscriptionRegistry {
    return new SubscriptionRegistry(this.store, (line) => this.logs.push(line));
  }

  /** A notifier replica (not started) with its own store connection (unless shared), adapter and msal client. */
  async replica(options: { replicaId: string; settings?: NotifierSettings; onDefenderRequest?: (info: RequestInfo) => void; sharedStore?: boolean }): Promise<Replica> {
    const store = options.sharedStore ? this.store : await this.openReplicaStore();
    if (!options.sharedStore) this.stores.push(store);
    const notifier = buildNotifier(this.endpoints, {
      store, replicaId: options.replicaId, settings: options.settings, cardSecret: this.cardSecret,
      log: (line) => this.logs.push(`[${options.replicaId}] ${line}`), onDefenderRequest: options.onDefenderRequest,
    });
    this.replicas.push(notifier);
    return Object.assign(notifier, { store });
  }

  /** A team with the bot installed (through the install event) and one channel per name after General. */
  async teamWithChannels(name: string, members: string[], channels: string[]): Promise<{ team: ReturnType<TeamsTwin['driver']['createTeam']>; channels: Conversation[] }> {
    const team = this.teams.driver.createTeam({ name, members, channels });
    await this.teams.driver.install(team);
    return { team, channels: team.channels };
  }

  /** A user types `subscribe …` in a channel; the bot's answer text is returned. */
  async subscribe(userOid: string, channel: Conversation, args: string): Promise<string> {
    const said = await this.teams.driver.say(userOid, channel, `subscribe ${args}`);
    if (said.status !== 200) throw new Error(`subscribe answered ${said.status}`);
    return this.lastBotText(channel);
  }

  lastBotText(conversation: Conversation): string {
    const texts = this.teams.driver.transcript(conversation).filter((entry) => entry.from === 'bot' && entry.text);
    return texts.at(-1)?.text ?? '';
  }

  /** The notification cards the bot posted in a conversation (its text replies left out). */
  notificationCards(conversation: Conversation) {
    return this.teams.driver.transcript(conversation)
      .filter((entry) => entry.from === 'bot' && entry.cards.length > 0 && !isDigestCard(entry.cards[0]))
      .map((entry) => ({ ...entry, alertId: alertIdOf(entry.cards[0]) }));
  }

  /** Raises `count` new alerts on devices of the given groups (round robin) with the given severities (round robin). */
  raiseAlerts(count: number, shapes: { group: string; severity: Alert['severity'] }[]): Alert[] {
    const byGroup = new Map<string, string[]>();
    for (const machine of this.defender.data.machines) {
      if (machine.rbacGroupName) byGroup.set(machine.rbacGroupName, [...(byGroup.get(machine.rbacGroupName) ?? []), machine.id]);
    }
    return Array.from({ length: count }, (_, index) => {
      const shape = shapes[index % shapes.length];
      const machines = byGroup.get(shape.group);
      if (!machines?.length) throw new Error(`the Defender twin has no device in group ${shape.group}`);
      return this.defender.addAlert({ machineId: machines[index % machines.length], severity: shape.severity });
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.replicas.map((replica) => replica.stop().catch(() => undefined)));
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const store of this.stores) await store.close().catch(() => undefined);
    await this.store.close();
    await Promise.all([this.teams.close(), this.defender.close()]);
    await this.entra.close();
  }
}

export type Replica = Notifier & { store: Store };

export type StoreChoice = { sqlite: string } | { postgresSchema: string };

export async function openStore(choice: StoreChoice): Promise<Store> {
  return 'sqlite' in choice ? SqliteStore.open(choice.sqlite) : PostgresStore.open(POSTGRES_URL, { schema: choice.postgresSchema });
}

export function temporarySqlitePath(): string {
  return path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'notify-')), 'bot.sqlite');
}

/** A fresh schema name per test file (the server is shared and outlives the tests). */
export function uniqueSchema(prefix: string): string {
  return `${prefix}_${crypto.randomBytes(4).toString('hex')}`;
}

export async function dropSchema(schema: string): Promise<void> {
  const client = new Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await client.end();
  }
}

/** The delivery tests count a card per alert: their replicas digest nothing unless a test asks for digests. */
const NO_DIGESTS: DigestSettings = { ...DEFAULT_DIGEST_SETTINGS, afterCards: 0 };

/** A notifier replica from product parts, pointed at the twin by URL (also used by the child process). */
export function buildNotifier(endpoints: TwinEndpoints, options: {
  store: Store; replicaId: string; settings?: NotifierSettings; cardSecret: string; log: (line: string) => void;
  onDefenderRequest?: (info: RequestInfo) => void;
}): Notifier {
  const msal = createMsalClient({
    clientId: SEEDED.botAppId, clientSecret: SEEDED.botAppSecret, authority: endpoints.entraAuthority,
    knownAuthorities: [endpoints.entraKnownAuthority],
  });
  const adapter = createCloudAdapter({
    MicrosoftAppId: SEEDED.botAppId, MicrosoftAppPassword: SEEDED.botAppSecret, MicrosoftAppTenantId: SEEDED.tenantId,
    ToChannelFromBotLoginUrl: endpoints.entraAuthority,
  }, msal);
  return createNotifier({
    store: options.store,
    defender: new DefenderClient({ baseUrl: endpoints.defenderUrl, onRequest: options.onDefenderRequest }),
    appToken: appTokenSource(msal, DEFENDER_API.identifierUris[0]),
    connector: new TeamsConnectorSender(adapter, SEEDED.botAppId),
    renderAlertCard: alertCardRenderer(options.cardSecret),
    renderDigestCard: digestCardRenderer(options.cardSecret),
    replicaId: options.replicaId,
    log: options.log,
  }, { ...options.settings, poller: { digest: NO_DIGESTS, ...options.settings?.poller } });
}

/**
 * The alert card with the bot's signed "Isolate or release…" button and its (manual) refresh, as the
 * composition root renders notification cards (the notifier itself never imports the bot).
 */
export function alertCardRenderer(secret: string): (alert: Alert, target: CardTarget) => Attachment {
  const views = createViews();
  const signer = new ActionSigner(secret);
  return (alert, target) => {
    const buttons = new Buttons(signer, target.conversationId, buttonTitles(target.locale));
    return views.alert(target.locale, alert, undefined, [buttons.respond(alert.id)], buttons.alertRefresh(alert.id, []));
  };
}

/** The storm digest card, as the composition root renders it. */
export function digestCardRenderer(secret: string): (digest: Digest, target: CardTarget) => Attachment {
  const views = createViews();
  const signer = new ActionSigner(secret);
  return (digest, target) => digestCard(views, new Buttons(signer, target.conversationId, buttonTitles(target.locale), target.locale), digest, target.locale);
}

/** A storm digest's card (its heading counts the alerts in it). */
export function isDigestCard(card: unknown): boolean {
  return /"(Alert storm|Larmstorm)/.test(JSON.stringify(card));
}

/** The storm digest cards the bot posted in a conversation, as they show now. */
export function digestCards(env: NotifyEnv, conversation: Conversation) {
  return env.teams.driver.transcript(conversation).filter((entry) => entry.from === 'bot' && entry.cards.length > 0 && isDigestCard(entry.cards[0]));
}

/** The alert a posted card is about (its buttons carry the alert id). */
export function alertIdOf(card: unknown): string | undefined {
  let found: string | undefined;
  const walk = (node: unknown): void => {
    if (found || !node || typeof node !== 'object') return;
    if (Array.isArray(node)) return node.forEach(walk);
    for (const [key, value] of Object.entries(node)) {
      if (key === 'alertId' && typeof value === 'string') found = value;
      else walk(value);
    }
  };
  walk(card);
  return found;
}

/** Waits (polling) until `check` passes; the notifier's work takes longer than a turn. */
export function eventually<T>(check: () => T | Promise<T>, timeoutMs = 10_000): Promise<T> {
  return waitFor(check, timeoutMs, 50);
}

/** The device groups of the twin's tenant that a directory user's Defender scope includes. */
function deviceGroupsOf(entra: EntraTwin, defender: DefenderTwin, oid: string): DeviceGroup[] {
  const scope = entra.directory.requireUser(oid).deviceGroups;
  const groups = new Map<number, string>();
  for (const machine of defender.data.machines) if (machine.rbacGroupName) groups.set(machine.rbacGroupId, machine.rbacGroupName);
  return [...groups].map(([id, name]) => ({ id, name }))
    .filter((group) => scope === 'all' || scope.some((name) => name.toLowerCase() === group.name.toLowerCase()));
}

function adapterFor(entra: EntraTwin, teams: TeamsTwin): CloudAdapter {
  return createCloudAdapter({
    MicrosoftAppId: SEEDED.botAppId, MicrosoftAppPassword: SEEDED.botAppSecret, MicrosoftAppTenantId: SEEDED.tenantId,
    ToBotFromChannelOpenIdMetadataUrl: teams.openIdMetadataUrl, ToBotFromChannelTokenIssuer: teams.issuer,
    ToChannelFromBotLoginUrl: entra.authority(SEEDED.tenantId),
  });
}

/**
 * Stands in for the product bot's notification commands until they are wired: records installs and
 * removals, and answers `subscribe <severity> [group <name>]` and `subscriptions`.
 */
class SubscribingBot extends ActivityHandler {
  /** `scopeOf(oid)`: the device groups the user can see, as the product learns them from Defender with their token. */
  constructor(registry: SubscriptionRegistry, scopeOf: (oid: string) => DeviceGroup[]) {
    super();
    this.onInstallationUpdateAdd(async (context, next) => {
      await registry.recordInstall(context.activity);
      await next();
    });
    this.onInstallationUpdateRemove(async (context, next) => {
      await registry.recordRemoval(context.activity);
      await next();
    });
    this.onMessage(async (context, next) => {
      const text = TurnContext.removeRecipientMention(context.activity).trim();
      const subscribe = /^subscribe (\w+)(?: group (.+))?$/i.exec(text);
      if (subscribe) {
        const minSeverity = parseSeverity(subscribe[1]);
        if (!minSeverity) throw new Error(`not a severity: ${subscribe[1]}`);
        const { from } = context.activity;
        const scope = scopeOf(from.aadObjectId ?? '').filter((group) => !subscribe[2] || group.name.toLowerCase() === subscribe[2].toLowerCase());
        await registry.subscribe(context.activity, { minSeverity, deviceGroups: subscribe[2] ? [subscribe[2]] : [] }, { oid: from.aadObjectId ?? '', upn: from.name }, scope);
        await context.sendActivity('subscribed');
      } else if (text === 'subscriptions') {
        const list = await registry.listSubscriptions(context.activity.conversation.id);
        await context.sendActivity(list.map((s) => `${s.minSeverity} ${s.deviceGroup ?? 'all'}${s.disabled ? ` DISABLED: ${s.disabled.reason}` : ''}`).join('\n') || 'none');
      }
      await next();
    });
  }
}
