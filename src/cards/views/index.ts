import type { Attachment } from 'botbuilder';
import type { IsolationState } from '../../defender/isolation';
import type { Alert, Machine, MachineAction } from '../../defender/model';
import { viewContext } from '../format';
import { cardLocale } from '../locale';
import { renderCard } from '../render';
import { stringsFor } from '../strings';
import { alertListView, alertTriageView, alertView, type AlertListFilter, type AlertSummary } from './alerts';
import { auditView, type AuditLineInput } from './audit';
import type { CardAction, CardRefresh } from './common';
import { deviceChoicesView, deviceView } from './devices';
import {
  actionStatusView, actionsView, type ConfirmActionInput, confirmActionView, staleResponseMessage, type StaleResponseInput,
} from './machine-actions';
import { helpView, messageView, type MessageInput } from './messages';
import { incidentListView, incidentView, type IncidentCardInput, type IncidentListFilter } from './incidents';
import type { HuntingResult, Incident } from '../../graph/model';
import { huntView } from './hunting';
import { type PermissionsInput, permissionsView } from './permissions';
import { blockIndicatorView, type BlockIndicatorInput, indicatorView, type IndicatorResultInput } from './indicators';
import { approvalStatus, approvalView, type ApprovalCardInput } from './approvals';
import { isolatedView, type IsolatedDevice } from './isolated';
import { releaseReminderView, type ReleaseReminderInput } from './release-reminder';
import { type DigestCardInput, digestView } from './digest';

export * from './alerts';
export * from './audit';
export * from './common';
export * from './devices';
export * from './machine-actions';
export * from './messages';
export * from './incidents';
export * from './hunting';
export * from './indicators';
export * from './permissions';
export * from './approvals';
export * from './isolated';
export * from './release-reminder';
export * from './digest';

/** Titles of the buttons the bot issues, in the card language of a Teams locale. */
export function buttonTitles(locale: string) {
  const { open, isolate, release, confirmIsolate, confirmRelease, cancel, cancelAction, respond } = stringsFor(cardLocale(locale)).buttons;
  return { open, isolate, release, confirmIsolate, confirmRelease, cancel, cancelAction, respond };
}

/**
 * Every card the bot shows, rendered in the language of a Teams locale: each call builds the view
 * from Defender entities and the bot's buttons, then renders its template. `now` measures ages.
 */
export function createViews(now: () => Date = () => new Date()) {
  const context = (locale: string) => viewContext(locale, now());
  return {
    help: (locale: string, didYouMean?: string): Attachment =>
      renderCard('help', helpView({ didYouMean }, context(locale))),

    message: (locale: string, message: MessageInput): Attachment => renderCard('message', messageView(message, context(locale))),

    staleResponse: (locale: string, stale: StaleResponseInput): Attachment => {
      const ctx = context(locale);
      return renderCard('message', messageView(staleResponseMessage(stale, ctx), ctx));
    },

    alertList: <A extends AlertSummary>(
      locale: string, alerts: readonly A[], filter: string | AlertListFilter, open: (alert: A) => CardAction, buttons?: CardAction[],
    ): Attachment =>
      renderCard('alert-list', alertListView({ items: alerts.map((alert) => ({ alert, open: open(alert) })), filter, buttons }, context(locale))),

    alert: (locale: string, alert: Alert, isolation: IsolationState | undefined, buttons: readonly CardAction[], refresh?: CardRefresh): Attachment =>
      renderCard('alert', alertView({ alert, isolation, buttons, refresh }, context(locale))),

    alertTriage: (locale: string, alert: Alert, save: CardAction, cancel: CardAction): Attachment =>
      renderCard('alert-triage', alertTriageView({ alert, save, cancel }, context(locale))),

    device: (
      locale: string, machine: Machine, isolation: IsolationState, recentActions: readonly MachineAction[], openAlerts: readonly Alert[],
      buttons: readonly CardAction[], refresh?: CardRefresh,
    ): Attachment =>
      renderCard('device', deviceView({ machine, isolation, recentActions, openAlerts, buttons, refresh }, context(locale))),

    deviceChoices: (locale: string, query: string, machines: readonly Machine[], open: (machine: Machine) => CardAction): Attachment =>
      renderCard('device-choices', deviceChoicesView({
        query, ambiguous: machines.length > 0, choices: machines.map((machine) => ({ machine, open: open(machine) })),
      }, context(locale))),

    confirm: (
      locale: string, machine: Machine, details: Pick<ConfirmActionInput, 'texts' | 'choice' | 'comment' | 'approval' | 'reminder'>,
      confirm: CardAction, cancel: CardAction,
    ): Attachment =>
      renderCard('confirm-action', confirmActionView({ machine, ...details, confirm, cancel }, context(locale))),

    actionStatus: (locale: string, action: MachineAction, next: readonly CardAction[], refresh?: CardRefresh): Attachment =>
      renderCard('action-status', actionStatusView({ action, buttons: next, refresh }, context(locale))),

    actions: (locale: string, machine: Machine, actions: readonly MachineAction[]): Attachment =>
      renderCard('actions', actionsView({ device: machine.computerDnsName, actions }, context(locale))),

    audit: (locale: string, entries: readonly AuditLineInput[], device?: string): Attachment =>
      renderCard('audit', auditView({ device, entries }, context(locale))),

    incidentList: (locale: string, incidents: readonly Incident[], filter: IncidentListFilter, open: (incident: Incident) => CardAction): Attachment =>
      renderCard('incident-list', incidentListView({ items: incidents.map((incident) => ({ incident, open: open(incident) })), filter }, context(locale))),

    incident: (locale: string, input: IncidentCardInput): Attachment => renderCard('incident', incidentView(input, context(locale))),

    hunt: (locale: string, query: string, result: HuntingResult): Attachment => renderCard('hunt', huntView({ query, result }, context(locale))),

    blockIndicator: (locale: string, input: BlockIndicatorInput): Attachment => renderCard('block-indicator', blockIndicatorView(input, context(locale))),

    indicator: (locale: string, input: IndicatorResultInput): Attachment => renderCard('indicator', indicatorView(input, context(locale))),

    permissions: (locale: string, input: PermissionsInput): Attachment => renderCard('permissions', permissionsView(input, context(locale))),

    approval: (locale: string, input: ApprovalCardInput): Attachment => renderCard('approval', approvalView(input, context(locale))),

    approvalStatus: (locale: string, input: ApprovalCardInput): string => approvalStatus(input, context(locale)),

    isolated: (locale: string, items: readonly IsolatedDevice[], historyLimit?: number): Attachment =>
      renderCard('isolated', isolatedView({ items, historyLimit }, context(locale))),

    releaseReminder: (locale: string, input: ReleaseReminderInput): Attachment => renderCard('release-reminder', releaseReminderView(input, context(locale))),

    digest: (locale: string, input: DigestCardInput): Attachment => renderCard('digest', digestView(input, context(locale))),
  };
}

export type CardViews = ReturnType<typeof createViews>;
