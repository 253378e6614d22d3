import type { Attachment } from 'botbuilder';
import { stringsForLocale } from '../cards/strings';
import { TRIAGE_CLASSIFICATIONS, type CardAction } from '../cards/views';
import type { AccessTokenSource } from '../defender/http';
import type { GraphSecurityClient } from '../graph/client';
import type { Incident, IncidentChange, IncidentClassification } from '../graph/model';
import type { Acting } from './acting';
import { graphTokenOrCard, type GraphTokens } from './graph-token';
import { VERBS } from './buttons';
import type { ActionSigner, VerifiedAction } from './signed-actions';
import type { TurnOutput } from './turn-budget';
import type { Views } from './views';

export const INCIDENT_VERBS = {
  open: 'incident.open',
  refresh: 'incident.refresh',
  assign: 'incident.assign',
  status: 'incident.status',
  classify: 'incident.classify',
} as const;

const VERB_SET = new Set<string>(Object.values(INCIDENT_VERBS));

export type IncidentSeverity = 'high' | 'medium' | 'low' | 'informational';
export type IncidentStatusFilter = 'active' | 'resolved';

export interface IncidentListRequest {
  severities: IncidentSeverity[];
  statuses: IncidentStatusFilter[];
  mine: boolean;
  top: number;
}

export interface IncidentScreenDeps {
  graph: GraphSecurityClient;
  graphToken: GraphTokens;
  views: Views;
  signer: ActionSigner;
  /** Title of the Open button, in the card language. */
  openTitle(locale: string): string;
}

/** What a card action on an incident answers: the card in place (triage, refresh) or a new card below (open). */
export type IncidentAnswer = { card: Attachment } | { below: Attachment };

/**
 * Incidents through Microsoft Graph security, always as the acting user (their Graph token): the
 * list, the incident card with its alerts (each opens the alert card with its response buttons),
 * and triage on the card (assign to me, resolve or reactivate, classify): one PATCH as the clicker,
 * then the card is updated in place for everyone in the conversation.
 */
export class IncidentScreens {
  constructor(private readonly deps: IncidentScreenDeps) {}

  handles(verb: string): boolean {
    return VERB_SET.has(verb);
  }

  async list(acting: Acting, request: IncidentListRequest): Promise<Attachment> {
    const token = await this.token(acting);
    if (typeof token !== 'function') return token;
    const incidents = await this.deps.graph.listIncidents(token, {
      severities: request.severities, statuses: request.statuses, assignedTo: request.mine ? acting.token.upn : undefined, top: request.top,
    });
    const filter = { severities: request.severities, statuses: request.statuses, mine: request.mine };
    return this.deps.views.incidentList(acting.locale, incidents, filter, (incident) =>
      this.action(acting, this.deps.openTitle(acting.locale), INCIDENT_VERBS.open, { incidentId: incident.id }));
  }

  async incident(acting: Acting, id: string): Promise<Attachment> {
    const token = await this.token(acting);
    if (typeof token !== 'function') return token;
    return this.render(acting, await this.deps.graph.getIncident(token, id));
  }

  /** A click on an incident card, as the clicker. */
  async act(output: TurnOutput, acting: Acting, action: VerifiedAction): Promise<IncidentAnswer> {
    const id = action.params.incidentId ?? '';
    if (action.verb === INCIDENT_VERBS.open) return { below: await this.incident(acting, id) };
    if (action.verb === INCIDENT_VERBS.refresh) return { card: await this.incident(acting, id) };
    const change = triageChange(action, acting);
    if (!change) {
      const strings = stringsForLocale(acting.locale).incidents;
      return { card: this.deps.views.message(acting.locale, { kind: 'warning', title: strings.classifyLabel, text: strings.classifyError }) };
    }
    const token = await this.token(acting);
    if (typeof token !== 'function') return { card: token };
    await this.deps.graph.updateIncident(token, id, change);
    const card = this.render(acting, await this.deps.graph.getIncident(token, id));
    const messageId = output.replyToId;
    if (messageId) await output.update({ id: messageId, type: 'message', attachments: [card] });
    return { card };
  }

  private render(acting: Acting, incident: Incident): Attachment {
    const strings = stringsForLocale(acting.locale).incidents;
    const params = { incidentId: incident.id };
    const buttons: CardAction[] = [];
    if (incident.assignedTo?.toLowerCase() !== acting.token.upn.toLowerCase()) {
      buttons.push(this.action(acting, strings.assignToMe, INCIDENT_VERBS.assign, params));
    }
    buttons.push(incident.status === 'resolved'
      ? this.action(acting, strings.reactivate, INCIDENT_VERBS.status, { ...params, status: 'active' })
      : this.action(acting, strings.resolve, INCIDENT_VERBS.status, { ...params, status: 'resolved' }, 'positive'));
    return this.deps.views.incident(acting.locale, {
      incident,
      openAlert: (alertId) => this.action(acting, this.deps.openTitle(acting.locale), VERBS.openAlert, { alertId }),
      buttons,
      classify: this.action(acting, strings.classify, INCIDENT_VERBS.classify, params),
      refresh: { verb: INCIDENT_VERBS.refresh, data: { ...this.deps.signer.sign(INCIDENT_VERBS.refresh, params, acting.conversationId) } },
    });
  }

  private token(acting: Acting): Promise<AccessTokenSource | Attachment> {
    return graphTokenOrCard(acting, this.deps.graphToken, this.deps.views);
  }

  private action(acting: Acting, title: string, verb: string, params: Record<string, string>, style?: CardAction['style']): CardAction {
    return { title, verb, data: { ...this.deps.signer.sign(verb, params, acting.conversationId) }, ...(style ? { style } : {}) };
  }
}

/** The one change a triage button asks for; the classification comes from the card's input (untrusted). */
function triageChange(action: VerifiedAction, acting: Acting): IncidentChange | undefined {
  switch (action.verb) {
    case INCIDENT_VERBS.assign:
      return { assignedTo: acting.token.upn };
    case INCIDENT_VERBS.status:
      return action.params.status === 'resolved' || action.params.status === 'active' ? { status: action.params.status } : undefined;
    case INCIDENT_VERBS.classify: {
      const chosen = action.inputs.classification;
      if (typeof chosen !== 'string' || !(TRIAGE_CLASSIFICATIONS as readonly string[]).includes(chosen)) return undefined;
      const [classification, determination] = chosen.split('/');
      return { classification: classification as IncidentClassification, determination };
    }
    default:
      return undefined;
  }
}

