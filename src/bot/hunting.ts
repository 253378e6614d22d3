import type { Attachment } from 'botbuilder';
import type { GraphSecurityClient } from '../graph/client';
import type { Acting } from './acting';
import type { HuntCommand } from './commands/hunt-commands';
import { graphTokenOrCard, type GraphTokens } from './graph-token';
import type { Views } from './views';

/**
 * Advanced hunting through Microsoft Graph as the user (runHuntingQuery, ThreatHunting.Read.All):
 * the query runs within the read budget of a turn; Graph's syntax errors, row limit and 429 come
 * back as the usual problem card, with Graph's own sentence.
 */
export class HuntScreens {
  constructor(private readonly deps: { graph: GraphSecurityClient; graphToken: GraphTokens; views: Views }) {}

  async hunt(acting: Acting, command: HuntCommand): Promise<Attachment> {
    const token = await graphTokenOrCard(acting, this.deps.graphToken, this.deps.views);
    if (typeof token !== 'function') return token;
    const result = await this.deps.graph.runHuntingQuery(token, command.query, command.timespan);
    return this.deps.views.hunt(acting.locale, command.query, result);
  }
}
