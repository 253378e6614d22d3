import net from 'node:net';

/** The only channel whose activities reach the bot (the Azure Bot's Web Chat and Direct Line channels are on by default). */
export const TEAMS_CHANNEL_ID = 'msteams';

export interface InboundActivity {
  channelId?: unknown;
  serviceUrl?: unknown;
}

/**
 * Why an activity must not reach the bot, or undefined when it may: it is not from Teams, or (local
 * mode, where nothing is authenticated) it names a `serviceUrl` off this machine, which the bot would
 * otherwise post its answers to.
 */
export function inboundRefusal(activity: InboundActivity, serviceUrls: 'any' | 'loopback'): string | undefined {
  if (activity.channelId !== TEAMS_CHANNEL_ID) return 'only Microsoft Teams (msteams) activities are accepted';
  if (serviceUrls === 'loopback' && !isLoopbackUrl(activity.serviceUrl)) return 'local mode answers only a serviceUrl on this machine';
  return undefined;
}

function isLoopbackUrl(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  let host: string;
  try {
    const url = new URL(value);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
    host = url.hostname.replace(/^\[|\]$/g, '');
  } catch {
    return false;
  }
  if (host === 'localhost') return true;
  if (net.isIPv4(host)) return host.startsWith('127.');
  return net.isIPv6(host) && (host === '::1' || /^::ffff:127\./i.test(host));
}
