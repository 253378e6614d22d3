import type { Attachment } from 'botbuilder';
import type { Acting } from '../acting';
import type { Screens } from '../screens';
import { triageRefusalView } from '../triage/definition';
import type { AlertTriage } from '../triage/pipeline';
import { assign, resolve } from '../triage/registry';
import type { Command } from './parse';

export interface TriageCommandDeps {
  screens: Screens;
  triage: AlertTriage;
}

type TriageCommand = Extract<Command, { name: 'assign' } | { name: 'resolve' }>;

/** `assign` and `resolve`, typed: their triage step on the pipeline as the user who typed it, then the alert's card as they see it now. */
export async function triageAlert(command: TriageCommand, acting: Acting, deps: TriageCommandDeps): Promise<Attachment> {
  const outcome = command.name === 'assign'
    ? await deps.triage.apply(acting, command.alertId, assign, { assignee: command.assignee })
    : await deps.triage.apply(acting, command.alertId, resolve, command);
  if (outcome.done !== 'updated') return deps.screens.message(acting, triageRefusalView(outcome, acting.locale));
  return deps.screens.alert(acting, outcome.alert.id);
}
