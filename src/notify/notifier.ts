import crypto from 'node:crypto';
import os from 'node:os';
import type { AccessTokenSource, DefenderClient } from '../defender/client';
import type { Store } from '../store/store';
import type { ConnectorSender } from './connector';
import { OutboxSender, type OutboxSenderSettings, type RenderAlertCard } from './outbox-sender';
import type { SendPacer } from './pacer';
import { AlertPoller, type AlertPollerSettings } from './poller';
import { SubscriptionRegistry } from './subscriptions';

export interface NotifierDeps {
  store: Store;
  defender: DefenderClient;
  /** The app's own token for Defender (see appTokenSource); never a user's. */
  appToken: AccessTokenSource;
  connector: ConnectorSender;
  renderAlertCard: RenderAlertCard;
  /** The replica's pacer for everything it posts (replies too): see SendPacer. */
  pacer?: SendPacer;
  /** Names this replica in leases and outbox claims; unique per process. */
  replicaId?: string;
  log: (line: string) => void;
}

export interface NotifierSettings {
  poller?: Partial<AlertPollerSettings>;
  sender?: Partial<OutboxSenderSettings>;
}

export interface Notifier {
  subscriptions: SubscriptionRegistry;
  poller: AlertPoller;
  sender: OutboxSender;
  start(): void;
  stop(): Promise<void>;
}

/** Subscriptions, the alert poller and the outbox sender of one replica, sharing the store. */
export function createNotifier(deps: NotifierDeps, settings: NotifierSettings = {}): Notifier {
  const replicaId = deps.replicaId ?? `${os.hostname()}/${process.pid}/${crypto.randomUUID().slice(0, 8)}`;
  const subscriptions = new SubscriptionRegistry(deps.store, deps.log);
  const poller = new AlertPoller({ ...deps, subscriptions, replicaId }, settings.poller);
  const sender = new OutboxSender({ ...deps, subscriptions, replicaId }, settings.sender);
  return {
    subscriptions,
    poller,
    sender,
    start: () => {
      poller.start();
      sender.start();
    },
    stop: async () => {
      await Promise.all([poller.stop(), sender.stop()]);
    },
  };
}
