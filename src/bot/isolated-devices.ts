import type { Attachment } from 'botbuilder';
import type { IsolatedDevice } from '../cards/views';
import type { DefenderClient } from '../defender/client';
import { isolationStateFrom } from '../defender/isolation';
import type { MachineAction } from '../defender/model';
import { type Acting, tokenSource } from './acting';
import type { IsolationLedger } from './isolation-ledger';
import type { Screens } from './screens';
import type { Views } from './views';

/** Isolation actions read for `isolated`: one request (a `$top` answer has no next page), enough for a large tenant's recent history. */
export const ISOLATION_HISTORY_READ = 1000;

/**
 * `isolated`: the devices isolated now, as the asking user sees them. Defender has no such list
 * (reference §8), so it is read from the isolation actions of every device the user can see (one
 * request, as the user) and reconciled with the bot's ledger: an isolation in force that the bot
 * requested shows who asked, who approved and the reminder; any other (the portal, the API,
 * automation) is marked as made outside the bot.
 */
export class IsolatedDevices {
  constructor(private readonly deps: { defender: DefenderClient; ledger: IsolationLedger; screens: Screens; views: Views }) {}

  async list(acting: Acting): Promise<Attachment> {
    const history = await this.deps.defender.isolationHistory(tokenSource(acting), ISOLATION_HISTORY_READ);
    const byDevice = new Map<string, MachineAction[]>();
    for (const action of history) byDevice.set(action.machineId, [...(byDevice.get(action.machineId) ?? []), action]);
    const ledger = new Map((await this.deps.ledger.entries()).map((doc) => [doc.key, doc.value]));
    const buttons = this.deps.screens.buttons(acting);
    const items: (IsolatedDevice & { sinceMs: number })[] = [];
    for (const [machineId, actions] of byDevice) {
      const { isolated, scope, last } = isolationStateFrom(actions);
      if (!isolated || !last) continue;
      const entry = ledger.get(machineId);
      const ours = entry?.actionId.toLowerCase() === last.id.toLowerCase() ? entry : undefined;
      items.push({
        device: last.computerDnsName,
        scope,
        since: last.lastUpdateDateTimeUtc,
        sinceMs: Date.parse(last.lastUpdateDateTimeUtc),
        by: ours?.requester.upn ?? last.requestor,
        ...(ours ? {
          ledger: {
            approvedBy: ours.approver?.upn,
            remindAt: ours.remindAt === null ? null : new Date(ours.remindAt).toISOString(),
            reminded: ours.reminder !== 'waiting',
          },
        } : {}),
        open: buttons.openDevice(machineId),
      });
    }
    items.sort((a, b) => b.sinceMs - a.sinceMs);
    const limit = history.length >= ISOLATION_HISTORY_READ ? ISOLATION_HISTORY_READ : undefined;
    return this.deps.views.isolated(acting.locale, items, limit);
  }
}
