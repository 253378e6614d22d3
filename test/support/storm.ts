/** A storm of alerts to channels subscribed by Alice (en-US and sv-SE), with storm digests on, for the digest tests. */
import type { Alert } from '../../src/defender/model';
import { DEFAULT_SEND_RATE_LIMITS, scaleRateLimits } from '../../src/notify/pacer';
import type { NotifierSettings } from '../../src/notify/notifier';
import type { DigestSettings } from '../../src/notify/storm-digest';
import { SEEDED_USERS } from '../../src/twin/directory';
import type { Conversation } from '../../src/twin/teams';
import { cardText } from './bot-harness';
import { NotifyEnv, type StoreChoice } from './notify-harness';

export const TIME_SCALE = 0.1;
const { alice } = SEEDED_USERS;
export const DIGEST: DigestSettings = { afterCards: 10, windowMs: 4_000, bypassSeverity: 'High' };
/** One High alert in ten; the rest below it, on every device group. */
export const STORM_SHAPES: { group: string; severity: Alert['severity'] }[] = [
  { group: 'Servers', severity: 'High' }, { group: 'Workstations', severity: 'Medium' }, { group: 'Finance', severity: 'Low' },
  { group: 'Servers', severity: 'Informational' }, { group: 'Workstations', severity: 'Low' }, { group: 'Finance', severity: 'Medium' },
  { group: 'Servers', severity: 'Medium' }, { group: 'Workstations', severity: 'Informational' }, { group: 'Finance', severity: 'Low' },
  { group: 'Workstations', severity: 'Medium' },
];

export function digestSettings(digest: DigestSettings = DIGEST): NotifierSettings {
  return {
    poller: { pollIntervalMs: 3_600_000, leaseTtlMs: 1_000, digest },
    sender: { idleMs: 20, leaseTtlMs: 3_000, claimLeaseMs: 5_000, maxWaitMs: 1_000, rateLimits: scaleRateLimits(DEFAULT_SEND_RATE_LIMITS, TIME_SCALE) },
  };
}

/** The number of alerts a digest card says it holds (its heading). */
export function digestCount(card: unknown): number {
  const match = /(\d+) (alerts|larm)/.exec(cardText(card));
  if (!match) throw new Error(`no count in the digest card: ${cardText(card)}`);
  return Number(match[1]);
}

/** The alerts a card's Open buttons open. */
export function openedAlerts(card: unknown): string[] {
  return [...JSON.stringify(card).matchAll(/"verb":"alert\.open","data":\{"p":\{"alertId":"([^"]+)"/g)].map((match) => match[1]);
}

export function throttled(env: NotifyEnv): number {
  return env.teams.calls.filter((call) => call.status === 429).length;
}

export async function stormEnv(store: StoreChoice): Promise<{ env: NotifyEnv; english: Conversation; swedish: Conversation }> {
  const env = await NotifyEnv.start({ store, rateLimitTimeScale: TIME_SCALE });
  const { channels: [english] } = await env.teamWithChannels('SOC', [alice], []);
  const { channels: [swedish] } = await env.teamWithChannels('SOC Stockholm', [alice], []);
  await env.subscribe(alice, english, 'informational');
  env.teams.driver.setLocale(alice, 'sv-SE');
  await env.subscribe(alice, swedish, 'informational');
  env.teams.driver.setLocale(alice, 'en-US');
  return { env, english, swedish };
}
