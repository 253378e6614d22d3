import net from 'node:net';

/**
 * Custom indicators the bot submits as the user (`POST /api/indicators`, Ti.ReadWrite;
 * learn.microsoft.com/defender-endpoint/api/post-ti-indicator). Certificates are not offered: a
 * thumbprint cannot be told from a SHA-1 by its shape.
 */
export type IndicatorType = 'FileSha1' | 'FileSha256' | 'FileMd5' | 'IpAddress' | 'DomainName' | 'Url';

/** What the indicator does when seen (indicators-overview: Block execution, Warn, Audit). */
export const INDICATOR_ACTIONS = ['Block', 'Warn', 'Audit'] as const;
export type IndicatorAction = (typeof INDICATOR_ACTIONS)[number];

/** Longest expiry the bot asks Defender for (Defender documents none). */
export const MAX_INDICATOR_HOURS = 365 * 24;

/** What one submission sends: `generateAlert` is always true (Defender requires it for Audit). */
export interface IndicatorSubmission {
  indicatorValue: string;
  indicatorType: IndicatorType;
  action: IndicatorAction;
  title: string;
  description: string;
  expirationTime: string;
  severity: 'Informational' | 'Low' | 'Medium' | 'High';
}

/** The indicator as Defender answers (ti-indicator). */
export interface Indicator {
  id: string;
  indicatorValue: string;
  indicatorType: string;
  action: string;
  title: string;
  expirationTime: string | null;
}

/** Settings > Endpoints > Indicators in the Microsoft Defender portal: where an indicator is changed or deleted. */
export const INDICATORS_PORTAL_URL = 'https://security.microsoft.com/securitysettings/endpoints/custom_ti_indicators';

const DOMAIN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;
const MAX_URL_LENGTH = 2048;

/**
 * The indicator a typed or evidence value stands for, normalised as Defender wants it: a hash by
 * its length, an IP address (no CIDR; IPv6 written with all 8 segments, indicators-overview), an
 * http(s) URL, or a domain name. Undefined for anything else.
 */
export function indicatorOf(text: string): { type: IndicatorType; value: string } | undefined {
  const value = text.trim();
  if (/^[0-9a-f]{40}$/i.test(value)) return { type: 'FileSha1', value: value.toLowerCase() };
  if (/^[0-9a-f]{64}$/i.test(value)) return { type: 'FileSha256', value: value.toLowerCase() };
  if (/^[0-9a-f]{32}$/i.test(value)) return { type: 'FileMd5', value: value.toLowerCase() };
  const ip = net.isIP(value);
  if (ip === 4) return { type: 'IpAddress', value };
  if (ip === 6) return { type: 'IpAddress', value: fullIpv6(value) };
  if (/^https?:\/\//i.test(value) && value.length <= MAX_URL_LENGTH && URL.canParse(value)) return { type: 'Url', value };
  if (DOMAIN.test(value)) return { type: 'DomainName', value: value.toLowerCase() };
  return undefined;
}

/** `2001:db8::1` → `2001:db8:0:0:0:0:0:1`. */
function fullIpv6(address: string): string {
  const [head, tail] = address.includes('::') ? address.split('::') : [address, undefined];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const middle = tail === undefined ? [] : Array(8 - left.length - right.length).fill('0');
  return [...left, ...middle, ...right].map((part) => part.toLowerCase()).join(':');
}
