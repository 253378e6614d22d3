/**
 * A subscription's routing beyond severity and device group: machine tags (VIP, OT, …) and
 * detection sources (EDR, Antivirus, …). An empty list means "any". Tags are Defender's machine
 * tags (`machineTags`); sources are the alert's `detectionSource`, typed as Defender names them
 * (https://learn.microsoft.com/defender-endpoint/api/alerts) or by the short names below.
 */
import type { Alert } from '../defender/model';

export interface RoutingFilter {
  tags?: string[];
  sources?: string[];
}

/** Short names an analyst types → Defender's `detectionSource` values. */
const SOURCE_ALIASES: Record<string, string> = {
  edr: 'WindowsDefenderAtp', av: 'WindowsDefenderAv', antivirus: 'WindowsDefenderAv', smartscreen: 'WindowsDefenderSmartScreen',
  ti: 'CustomerTI', indicators: 'CustomerTI', office: 'OfficeATP', mdo: 'OfficeATP', air: 'AutomatedInvestigation',
  custom: 'CustomDetection', experts: 'ThreatExperts', thirdparty: 'ThirdPartySensors', xdr: 'MTP',
};

/** `EDR` → `WindowsDefenderAtp`; any other word is taken as a Defender value, as typed. */
export function detectionSourceName(text: string): string {
  return SOURCE_ALIASES[text.trim().toLowerCase()] ?? text.trim();
}

/** Whether the alert passes the filter's tags and sources; `machineTags` are its device's tags (unknown: none). */
export function passesRouting(alert: Alert, filter: RoutingFilter, machineTags: readonly string[] = []): boolean {
  const lower = (values: readonly string[]) => values.map((value) => value.toLowerCase());
  if (filter.tags?.length) {
    const present = new Set(lower(machineTags));
    if (!lower(filter.tags).some((tag) => present.has(tag))) return false;
  }
  if (filter.sources?.length && !lower(filter.sources).includes(alert.detectionSource?.toLowerCase() ?? '')) return false;
  return true;
}

/** Whether any of these subscriptions needs the devices' tags to decide. */
export function needsMachineTags(filters: readonly RoutingFilter[]): boolean {
  return filters.some((filter) => Boolean(filter.tags?.length));
}
