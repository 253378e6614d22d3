import crypto from 'node:crypto';
import os from 'node:os';
import type { AccessTokenSource, DefenderClient } from '../defender/client';
import type { Store } from '../store/store';
import type { ConnectorSender } from './connector';
import { OutboxSender, type OutboxSenderSettings, type RenderAlertCard, type RenderDigestCard } from './outbox-sender';
import type { SendPacer } from './pacer';
import { AlertPoller, type AlertPollerSettings } from './poller';
import { PostedCards } from './card-updates';
import { DailyJob } from './daily-job';
import { SubscriptionScopes } from './subscription-scope';
import { SubscriptionRegistry } from './subscriptions';

export interface NotifierDeps {
  store: Store;
  defender: DefenderClient;
  /** The app's own token for Defender (see appTokenSource); never a user's. */
  appToken: AccessTokenSource;
  connector: ConnectorSender;
  renderAlertCard: RenderAlertCard;
  renderDigestCard: RenderDigestCard;
  /** The replica's pacer for everything it posts (replies too): see SendPacer. */
  pacer?: SendPacer;
  /** Names this replica in leases and outbox claims; unique per process. */
  replicaId?: string;
  log: (line: string) => void;
}

export interface NotifierSettings {
  poller?: Partial<AlertPollerSettings>;
  /** How often at most a subscriber's device groups are re-checked when the bot sees them. */
  subscriberRecheckMs?: number;
  sender?: Partial<OutboxSenderSettings>;
}

export interface Notifier {
  subscriptions: SubscriptionRegistry;
  /** Which device groups a subscription covers, and its re-checks when rights shrink. */
  scopes: SubscriptionScopes;
  /** Once a day: every subscription's device groups checked with the app's read-only view. */
  scopeRecheck: DailyJob;
  poller: AlertPoller;
  sender: OutboxSender;
  /** The notification cards posted for each alert, updated at once when a user's triage changes it. */
  postedCards: PostedCards;
  start(): void;
  stop(): Promise<void>;
}

/** Subscriptions, the alert poller and the outbox sender of one replica, sharing the store. */
export function createNotifier(deps: NotifierDeps, settings: NotifierSettings = {}): Notifier {
  const replicaId = deps.replicaId ?? `${os.hostname()}/${process.pid}/${crypto.randomUUID().slice(0, 8)}`;
  const subscriptions = new SubscriptionRegistry(deps.store, deps.log);
  const scopes = new SubscriptionScopes({ defender: deps.defender, subscriptions, log: deps.log, recheckIntervalMs: settings.subscriberRecheckMs });
  const scopeRecheck = new DailyJob({
    store: deps.store, name: 'subscription-scopes', replicaId, log: deps.log,
    run: async () => {
      const changed = await scopes.recheckWithAppView(deps.appToken);
      return changed > 0 ? `${changed} subscription(s) narrowed to the device groups that still exist` : undefined;
    },
  });
  const poller = new AlertPoller({ ...deps, subscriptions, replicaId }, settings.poller);
  const sender = new OutboxSender({ ...deps, subscriptions, replicaId }, settings.sender);
  return {
    subscriptions,
    scopes,
    scopeRecheck,
    poller,
    sender,
    postedCards: new PostedCards(deps.store, subscriptions),
    start: () => {
      poller.start();
      sender.start();
      scopeRecheck.start();
    },
    stop: async () => {
      await Promise.all([poller.stop(), sender.stop(), scopeRecheck.stop(), scopes.settle()]);
    },
  };
}
