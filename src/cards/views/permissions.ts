import { oneLine, type ViewContext } from '../format';
import { cardFrame, type CardFrame } from './common';

export interface PermissionsInput {
  upn: string;
  /** The permission names each token holds, already joined (or the reason there is none). */
  defender: string;
  graph: string;
  app: string;
  /** The device groups the user sees, already joined (or why none). */
  groups: string;
  can: readonly string[];
  cannot: readonly string[];
}

export interface PermissionsCardData extends CardFrame {
  upn: string;
  facts: { title: string; value: string }[];
  can: string[];
  cannot: string[];
}

/** What the user may do through the bot: the permissions of their tokens, then what they enable and what is missing. */
export function permissionsView(input: PermissionsInput, context: ViewContext): PermissionsCardData {
  const texts = context.strings.permissions;
  return {
    ...cardFrame([], undefined, context),
    upn: oneLine(input.upn, 100),
    facts: [
      { title: texts.defenderScopes, value: oneLine(input.defender, 600) },
      { title: texts.graphScopes, value: oneLine(input.graph, 600) },
      { title: texts.deviceGroups, value: oneLine(input.groups, 600) },
      { title: texts.appRoles, value: oneLine(input.app, 600) },
    ],
    can: input.can.map((line) => oneLine(line, 300)),
    cannot: input.cannot.map((line) => oneLine(line, 300)),
  };
}
