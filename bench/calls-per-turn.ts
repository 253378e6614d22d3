import type { Twin } from '../src/twin';
import { waitUntil } from './load';
import { isolatableMachines } from './operations';
import type { BenchUser } from './users';

export interface CommandCalls {
  command: string;
  /** Most Defender requests the command made as the user, over its repetitions. */
  defenderRequests: number;
  /** Most token requests to Entra (any grant) during one repetition. */
  entraTokenRequests: number;
  /** Most on-behalf-of requests during one repetition. */
  oboRequests: number;
  repetitions: number;
  goal?: { maxDefenderRequests: number; maxOboRequests: number };
}

export interface CallsPerTurn {
  commands: CommandCalls[];
}

const OBO_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const COMMENT = 'bench: calls per turn';

export function isObo(request: { grantType: string }): boolean {
  return request.grantType === OBO_GRANT;
}

/**
 * What each command costs in calls, counted by the twins: Defender requests made with the user's
 * token, and Entra token requests (all grants, and on-behalf-of). `user` must not have used the bot yet:
 * its first command is the sign-in. Nothing else may talk to the twins meanwhile.
 */
export async function measureCallsPerTurn(twin: Twin, user: BenchUser, repetitions: number): Promise<CallsPerTurn> {
  const { driver } = twin.teams;
  const machine = isolatableMachines(twin)[0];
  const alert = twin.defender.data.alerts.find((candidate) => candidate.machineId === machine.id) ?? twin.defender.data.alerts[0];

  const count = async (action: () => Promise<void>) => {
    const defenderBefore = twin.defender.requests.length;
    const tokensBefore = twin.entra.tokenRequests.length;
    await action();
    await driver.settled();
    const tokens = twin.entra.tokenRequests.slice(tokensBefore);
    return {
      defender: twin.defender.requests.slice(defenderBefore).filter((request) => request.upn === user.upn).length,
      tokens: tokens.length,
      obo: tokens.filter(isObo).length,
    };
  };
  const say = (text: string) => async () => {
    const said = await driver.say(user.oid, user.chat, text);
    if (said.status !== 200) throw new Error(`"${text}" answered ${said.status}`);
  };
  const measure = async (command: string, action: () => Promise<void>, times: number, goal?: CommandCalls['goal']): Promise<CommandCalls> => {
    const counts = [];
    for (let time = 0; time < times; time++) counts.push(await count(action));
    return {
      command,
      defenderRequests: Math.max(...counts.map((c) => c.defender)),
      entraTokenRequests: Math.max(...counts.map((c) => c.tokens)),
      oboRequests: Math.max(...counts.map((c) => c.obo)),
      repetitions: times,
      ...(goal ? { goal } : {}),
    };
  };

  const commands: CommandCalls[] = [];
  commands.push(await measure('first command (`alerts`, with sign-in)', say('alerts'), 1, { maxDefenderRequests: 1, maxOboRequests: 1 }));
  commands.push(await measure('`alerts`', say('alerts'), repetitions, { maxDefenderRequests: 1, maxOboRequests: 0 }));
  commands.push(await measure('`alert <id>`', say(`alert ${alert.id}`), repetitions, { maxDefenderRequests: 2, maxOboRequests: 0 }));
  commands.push(await measure('`device <name>`', say(`device ${machine.computerDnsName.split('.')[0]}`), repetitions, { maxDefenderRequests: 3, maxOboRequests: 0 }));
  commands.push(await measure('`isolate <name> <comment>` (confirmation card)', say(`isolate ${machine.computerDnsName} ${COMMENT}`), 1));
  const confirmation = driver.transcript(user.chat).filter((entry) => entry.from === 'bot' && entry.cards.length > 0).at(-1);
  if (!confirmation) throw new Error('no confirmation card');
  commands.push(await measure('isolate Confirm click (until the card shows the final state)', async () => {
    const updatesBefore = updatesOf(twin, confirmation.id);
    await driver.click(user.oid, confirmation.id, 'isolate.confirm', { comment: COMMENT, isolationType: 'Full' });
    await waitUntil(() => updatesOf(twin, confirmation.id) >= updatesBefore + 2, 'the action follow-up');
  }, 1));
  return { commands };
}

function updatesOf(twin: Twin, messageId: string): number {
  return twin.teams.calls.filter((call) => call.method === 'PUT' && call.path.endsWith(`/${messageId}`)).length;
}
