import { enUS } from '../cards/strings/en-US';
import { USAGE } from './commands/parse';

/** Teams' limit on a command's description in the manifest's `commandLists`. */
const MAX_DESCRIPTION = 128;

/**
 * Which commands the manifest lists, per scope, most used first: Teams allows 10 (the schema's
 * `maxItems`, checked when the package is built) and the bot has
 * more, so the rest (`incident`, `subscriptions`, `assign`, `resolve`, `audit`, `unsubscribe`, …)
 * are in `help`, which lists every command. `restrict`, `unrestrict`, `collect`, `quarantine` and
 * `cancel` are not listed: the device, alert and status cards offer each of them where the device's
 * state allows it (quarantine with the file from the alert's evidence), which a typed command cannot
 * know; isolate and scan stay, being the responses typed first in an incident.
 */
const LISTED: Record<'personal' | 'team', readonly string[]> = {
  // `alert <id>` and `release` are mostly reached from cards' buttons; `isolated` has none.
  personal: ['help', 'alerts', 'incidents', 'hunt', 'device', 'isolate', 'isolated', 'scan', 'permissions', 'signout'],
  team: ['help', 'alerts', 'incidents', 'hunt', 'device', 'isolate', 'isolated', 'scan', 'block', 'subscribe'],
};

export interface ManifestCommandList {
  scopes: string[];
  commands: { title: string; description: string }[];
}

/** The manifest's command lists, written from the commands' help texts and syntax (scripts/teams-app/build.ts puts them in). */
export function manifestCommandLists(): ManifestCommandList[] {
  return [
    { scopes: ['personal'], commands: LISTED.personal.map(listed) },
    { scopes: ['team', 'groupChat'], commands: LISTED.team.map(listed) },
  ];
}

function listed(name: string): { title: string; description: string } {
  const usage = USAGE[name];
  const help = (enUS.help.commands as Record<string, { description: string } | undefined>)[name];
  if (!usage || !help) throw new Error(`The manifest lists "${name}", which is not a command with a help text.`);
  const description = help.description.replace(/\.$/, '');
  const full = usage === name ? `${description}.` : `${description}: ${usage}`;
  return { title: name, description: full.length <= MAX_DESCRIPTION ? full : usage };
}
