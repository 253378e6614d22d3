/**
 * A notifier replica in its own process, for crash tests: built from product parts against the twin
 * (URLs in NOTIFY_ENDPOINTS) and a SQLite file (NOTIFY_SQLITE), storm digests as in NOTIFY_DIGEST (JSON; none
 * by default); logs to stdout. Run with
 * `node --import tsx test/support/notify-child.ts` and NODE_EXTRA_CA_CERTS set.
 */
import { DEFAULT_SEND_RATE_LIMITS, scaleRateLimits } from '../../src/notify/pacer';
import { SqliteStore } from '../../src/store/sqlite-store';
import type { DigestSettings } from '../../src/notify/storm-digest';
import { buildNotifier, type TwinEndpoints } from './notify-harness';

async function main(): Promise<void> {
  const required = (name: string) => {
    const value = process.env[name];
    if (!value) throw new Error(`${name} is not set`);
    return value;
  };
  const endpoints = JSON.parse(required('NOTIFY_ENDPOINTS')) as TwinEndpoints;
  const timeScale = Number(required('NOTIFY_TIME_SCALE'));
  const store = await SqliteStore.open(required('NOTIFY_SQLITE'));
  const notifier = buildNotifier(endpoints, {
    store,
    replicaId: required('NOTIFY_REPLICA'),
    cardSecret: required('NOTIFY_CARD_SECRET'),
    log: (line) => console.log(line),
    settings: {
      poller: {
        pollIntervalMs: 200, leaseTtlMs: 1_000, pageSize: 100,
        ...(process.env.NOTIFY_DIGEST ? { digest: JSON.parse(process.env.NOTIFY_DIGEST) as DigestSettings } : {}),
      },
      sender: {
        idleMs: 20, leaseTtlMs: 1_000, claimBatch: 20, claimLeaseMs: 2_000, maxWaitMs: 500,
        rateLimits: scaleRateLimits(DEFAULT_SEND_RATE_LIMITS, timeScale),
      },
    },
  });
  notifier.start();
  console.log('notifier started');
  process.on('SIGTERM', () => {
    void notifier.stop().then(() => store.close()).then(() => process.exit(0));
  });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
