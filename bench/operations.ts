import crypto from 'node:crypto';
import { DEFAULT_APPROVAL_POLICY } from '../src/config';
import type { Machine } from '../src/defender/model';
import { criticalReasons } from '../src/bot/responses/policies/two-person-approval';
import { toDefenderTimestamp } from '../src/twin/defender/timestamps';
import { supports, isOffline, isOnboarded } from '../src/twin/defender/os-support';
import type { Twin } from '../src/twin';
import type { BotKind } from './ipc';
import { waitUntil } from './load';
import type { BenchUser } from './users';

export type OperationName = 'echo' | 'alerts' | 'device' | 'isolate';

/** One kind of turn the benchmark measures. */
export interface Operation {
  name: OperationName;
  label: string;
  bot: BotKind;
  /** What each of the user's next `count` turns works on (unmeasured set-up, e.g. the confirmation cards to click). */
  prepare(user: BenchUser, userIndex: number, count: number): Promise<string[]>;
  turn(user: BenchUser, item: string): Promise<void>;
  /** Waits for the work the measured turns set off that belongs to their cost (the action's follow-up). */
  settle(): Promise<void>;
}

const ISOLATE_COMMENT = 'bench: isolate';

/**
 * Online, onboarded devices that support full isolation, have no isolation history and need no
 * second person (the two-person rule would hold the confirm): what the users look up and isolate.
 */
export function isolatableMachines(twin: Twin): Machine[] {
  const { actions } = twin.defender.data;
  return twin.defender.data.machines.filter((machine) => isolatableKind(machine)
    && !actions.some((action) => action.machineId === machine.id && (action.type === 'Isolate' || action.type === 'Unisolate')));
}

function isolatableKind(machine: Machine): boolean {
  return isOnboarded(machine) && !isOffline(machine) && supports(machine, 'fullIsolation') && criticalReasons(DEFAULT_APPROVAL_POLICY, machine).length === 0;
}

/**
 * `count` copies of an isolatable device, with no history: concurrent users each isolate their
 * own device (a second isolate of one device is refused by the bot, rightly).
 */
export function addBenchMachines(twin: Twin, prefix: string, count: number): Machine[] {
  const { machines } = twin.defender.data;
  const template = machines.find(isolatableKind);
  if (!template) throw new Error('the twin has no isolatable device to copy');
  return Array.from({ length: count }, (_, index) => {
    const name = `bench-${prefix}-${String(index).padStart(3, '0')}`;
    const machine = { ...template, id: crypto.createHash('sha1').update(name).digest('hex'), computerDnsName: `${name}.contoso.local`, ipAddresses: [] };
    machines.push(machine);
    return machine;
  });
}

/**
 * Someone releases the device in the portal, in no time: the bot offers and accepts Isolate only
 * for a device that is not isolated, so each measured isolate needs a released device.
 */
export function releaseInTwin(twin: Twin, machine: Machine): void {
  const { actions } = twin.defender.data;
  const last = actions.filter((action) => action.machineId === machine.id && (action.type === 'Isolate' || action.type === 'Unisolate')).at(-1);
  if (!last || last.type === 'Unisolate') return;
  const at = toDefenderTimestamp(Math.max(twin.clock.now(), Date.parse(last.lastUpdateDateTimeUtc) + 1));
  actions.push({
    ...last, id: crypto.randomUUID(), type: 'Unisolate', scope: null, status: 'Succeeded', requestorComment: 'bench: released in the portal',
    creationDateTimeUtc: at, lastUpdateDateTimeUtc: at,
  });
}

export function operations(twin: Twin): Record<OperationName, Operation> {
  const { driver } = twin.teams;
  const machines = isolatableMachines(twin);
  const machineFor = (userIndex: number) => machines[userIndex % machines.length];
  const say = async (user: BenchUser, text: string) => {
    const said = await driver.say(user.oid, user.chat, text);
    if (said.status !== 200) throw new Error(`"${text}" answered ${said.status}`);
  };
  const repeat = (count: number, item: string) => Array.from({ length: count }, () => item);
  const clicked: string[] = [];
  const machineOfCard = new Map<string, Machine>();

  return {
    echo: {
      name: 'echo', label: 'echo bot (baseline)', bot: 'echo',
      prepare: async (_user, _index, count) => repeat(count, 'hello bench'),
      turn: say,
      settle: async () => undefined,
    },
    alerts: {
      name: 'alerts', label: '`alerts`', bot: 'product',
      prepare: async (_user, _index, count) => repeat(count, 'alerts'),
      turn: say,
      settle: async () => undefined,
    },
    device: {
      name: 'device', label: '`device <name>`', bot: 'product',
      prepare: async (_user, index, count) => repeat(count, `device ${machineFor(index).computerDnsName.split('.')[0]}`),
      turn: say,
      settle: async () => undefined,
    },
    isolate: {
      name: 'isolate', label: 'isolate click (confirm)', bot: 'product',
      // `isolate <device> <comment>` posts the confirmation card; the measured turn is the click on Confirm.
      prepare: async (user, index, count) => {
        const ids: string[] = [];
        releaseInTwin(twin, machineFor(index));
        for (let turn = 0; turn < count; turn++) {
          await say(user, `isolate ${machineFor(index).computerDnsName} ${ISOLATE_COMMENT}`);
          const card = driver.transcript(user.chat).filter((entry) => entry.from === 'bot' && entry.cards.length > 0).at(-1);
          if (!card) throw new Error('the bot posted no confirmation card');
          ids.push(card.id);
          machineOfCard.set(card.id, machineFor(index));
        }
        return ids;
      },
      turn: async (user, messageId) => {
        const machine = machineOfCard.get(messageId);
        if (machine) releaseInTwin(twin, machine);
        const click = await driver.click(user.oid, messageId, 'isolate.confirm', { comment: ISOLATE_COMMENT, isolationType: 'Full' });
        const outcome = click.body as { statusCode?: number } | undefined;
        if (click.status !== 200 || outcome?.statusCode !== 200) throw new Error(`Confirm answered ${click.status} / ${outcome?.statusCode}`);
        clicked.push(messageId);
      },
      // The click updates the card (Pending); the bot's action tracker then reads the action once
      // (the twin finishes actions at once in the benchmark) and updates the card again.
      settle: async () => {
        const ids = new Set(clicked.splice(0));
        const updates = () => twin.teams.calls.filter((call) => call.method === 'PUT' && call.status === 200
          && ids.has(decodeURIComponent(call.path.split('/').at(-1) ?? ''))).length;
        await waitUntil(() => updates() >= 2 * ids.size, 'the action follow-up card updates');
      },
    },
  };
}
