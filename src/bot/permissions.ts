import type { Attachment } from 'botbuilder';
import { type CardStrings, fill, stringsForLocale } from '../cards/strings';
import { DefenderApiError, type DefenderOperation, requiredAccess } from '../defender/errors';
import type { SubscriptionScopes } from '../notify/subscription-scope';
import { type Acting, tokenSource } from './acting';
import type { GraphTokens } from './graph-token';
import { RESPONSE_DEFINITIONS } from './responses/registry';
import type { Views } from './views';

/** What the bot can do for someone, each by the Defender or Graph operation that decides it (errors.ts holds their access). */
interface Capability {
  label(strings: CardStrings): string;
  operation: DefenderOperation;
}

/**
 * Every kind of thing the bot does as the user: reading, each response definition, triage,
 * indicators, incidents, hunting. The permissions each needs come from `requiredAccess`, the table
 * that also names them in every refusal, so this card and the refusals cannot disagree.
 */
const CAPABILITIES: readonly Capability[] = [
  { label: (strings) => strings.permissions.capabilities.readAlerts, operation: 'listAlerts' },
  { label: (strings) => strings.permissions.capabilities.readDevices, operation: 'getMachine' },
  ...RESPONSE_DEFINITIONS.map((definition) => ({ label: (strings: CardStrings) => strings.actionType[definition.endpoint.actionType], operation: definition.endpoint.operation })),
  { label: (strings) => strings.permissions.capabilities.triage, operation: 'updateAlert' },
  { label: (strings) => strings.indicators.button.replace(/…$/, ''), operation: 'submitIndicator' },
  { label: (strings) => strings.permissions.capabilities.incidents, operation: 'listIncidents' },
  { label: (strings) => strings.permissions.capabilities.triageIncidents, operation: 'updateIncident' },
  { label: (strings) => strings.permissions.capabilities.hunt, operation: 'runHuntingQuery' },
];

/** The delegated scopes (`scp`) and application roles (`roles`) of an access token; nothing else of it is kept or shown. */
export function grantedPermissions(accessToken: string): string[] {
  try {
    const payload = JSON.parse(Buffer.from(accessToken.split('.')[1] ?? '', 'base64url').toString('utf8')) as { scp?: unknown; roles?: unknown };
    const scopes = typeof payload.scp === 'string' ? payload.scp.split(' ').filter(Boolean) : [];
    const roles = Array.isArray(payload.roles) ? payload.roles.filter((role): role is string => typeof role === 'string') : [];
    return [...scopes, ...roles].sort();
  } catch {
    return [];
  }
}

/**
 * `permissions` (alias `whoami`): what the signed-in user holds through the bot, from the claims of
 * their own Defender and Graph tokens (decoded, never shown), which actions that enables or lacks,
 * the device groups Defender shows them (probed with their own token), and the app's own read-only
 * permissions. Defender's role is not in the token and cannot be read without acting: the card says
 * which role permission each action also needs, and Defender checks it at each action.
 */
export class PermissionScreen {
  constructor(private readonly deps: {
    views: Views;
    graphToken: GraphTokens;
    appToken: () => Promise<string>;
    /** The device groups the user sees, found with their own token (one one-item read per group, and one more). */
    scopes: Pick<SubscriptionScopes, 'visibleGroups'>;
  }) {}

  async card(acting: Acting): Promise<Attachment> {
    const strings = stringsForLocale(acting.locale);
    const texts = strings.permissions;
    const defender = grantedPermissions(acting.token.accessToken);
    const graphOutcome = await this.deps.graphToken(acting.user);
    const graph = graphOutcome.ok ? grantedPermissions(graphOutcome.token.accessToken) : [];
    const app = await this.deps.appToken().then(grantedPermissions, () => []);
    const groups = await this.deps.scopes.visibleGroups(tokenSource(acting)).then(
      (found) => (found.length > 0 ? found.map((group) => `"${group.name}"`).join(', ') : texts.noGroups),
      (error: unknown) => {
        if (error instanceof DefenderApiError && error.kind === 'forbidden') return texts.cannotReadDevices;
        throw error;
      },
    );
    const held = new Set([...defender, ...graph]);
    const lines = CAPABILITIES.map((capability) => {
      const access = requiredAccess(capability.operation);
      const granted = access.delegatedPermissions.filter((permission) => held.has(permission));
      const values = { action: capability.label(strings), role: access.rolePermission };
      return granted.length > 0
        ? { can: true, text: fill(texts.can, { ...values, permissions: granted.join(', ') }) }
        : { can: false, text: fill(texts.cannot, { ...values, permissions: access.delegatedPermissions.join(strings.bot.problems.permissionSeparator) }) };
    });
    const list = (items: readonly string[]) => (items.length > 0 ? items.join(', ') : texts.none);
    return this.deps.views.permissions(acting.locale, {
      upn: acting.token.upn,
      defender: list(defender),
      graph: graphOutcome.ok ? list(graph) : fill(texts.graphUnavailable, { reason: graphOutcome.reason }),
      app: list(app),
      groups,
      can: lines.filter((line) => line.can).map((line) => line.text),
      cannot: lines.filter((line) => !line.can).map((line) => line.text),
    });
  }
}
