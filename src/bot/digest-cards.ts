import type { Attachment } from 'botbuilder';
import { fill, stringsForLocale } from '../cards/strings';
import { utcTime, viewContext } from '../cards/format';
import { ALERT_LIST_MAX, type DigestEntry } from '../cards/views';
import type { Digest } from '../notify/storm-digest';
import type { Buttons } from './buttons';
import type { Views } from './views';

/** The digest's alerts, newest first. */
function entriesOf(digest: Digest): DigestEntry[] {
  return Object.entries(digest.alerts)
    .map(([id, alert]) => ({ id, ...alert }))
    .sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt) || a.id.localeCompare(b.id));
}

/** A storm digest as its conversation sees it: counts, the newest with Open, and a button listing the rest. */
export function digestCard(views: Views, buttons: Buttons, digest: Digest, locale: string): Attachment {
  return views.digest(locale, {
    entries: entriesOf(digest),
    startedAt: digest.startedAt,
    endedAt: digest.endedAt,
    bypassSeverity: digest.bypassSeverity,
    open: (entry) => buttons.openAlert(entry.id),
    showAll: buttons.digestAlerts(digest.id, 1),
  });
}

/**
 * One page of a digest's alerts as an alert list (Open on each, Next page while there are more):
 * every alert of a storm stays one click from a card. It shows what the digest card already showed
 * the conversation; Open reads the alert as the clicker.
 */
export function digestPageCard(views: Views, buttons: Buttons, digest: Digest, page: number, locale: string): Attachment {
  const entries = entriesOf(digest);
  const pages = Math.max(1, Math.ceil(entries.length / ALERT_LIST_MAX));
  const current = Math.min(Math.max(1, page), pages);
  const shown = entries.slice((current - 1) * ALERT_LIST_MAX, current * ALERT_LIST_MAX)
    .map((entry) => ({ ...entry, computerDnsName: entry.device, alertCreationTime: entry.createdAt }));
  const filter = fill(stringsForLocale(locale).digest.listFilter, {
    start: utcTime(digest.startedAt, viewContext(locale, new Date())), page: current, pages,
  });
  return views.alertList(locale, shown, filter, (entry) => buttons.openAlert(entry.id), current < pages ? [buttons.digestAlerts(digest.id, current + 1)] : []);
}
