import type { Alert } from '../../defender/model';
import type { TriageDefinition } from './definition';
import { assign } from './definitions/assign';
import { resolve } from './definitions/resolve';
import { updateAlert } from './definitions/update';

/** Every triage step; those with a button are offered on alert cards in this order. */
export const TRIAGE_DEFINITIONS: readonly TriageDefinition[] = [assign, updateAlert, resolve];

export type TriageStep = 'run' | 'form' | 'save';

/** The verbs of a step's button: `<verb>` runs it (or opens its form), the form's Save sends `<verb>.save`. */
export function triageVerb(definition: TriageDefinition, step: TriageStep): string {
  const verb = definition.button?.verb;
  if (!verb) throw new Error(`The ${definition.action} step has no button.`);
  return step === 'save' ? `${verb}.save` : verb;
}

const BY_VERB = new Map<string, { definition: TriageDefinition; step: TriageStep }>();
for (const definition of TRIAGE_DEFINITIONS) {
  if (!definition.button) continue;
  for (const step of definition.button.form ? (['form', 'save'] as const) : (['run'] as const)) {
    const verb = triageVerb(definition, step);
    if (BY_VERB.has(verb)) throw new Error(`Two triage definitions use the verb ${verb}.`);
    BY_VERB.set(verb, { definition, step });
  }
}

/** The triage step a signed verb names, if any. */
export function triageStep(verb: string): { definition: TriageDefinition; step: TriageStep } | undefined {
  return BY_VERB.get(verb);
}

/** The triage buttons an alert card offers (`viewerUpn` undefined: a notification card). */
export function triageOffers(alert: Alert, viewerUpn?: string): TriageDefinition[] {
  return TRIAGE_DEFINITIONS.filter((definition) => definition.button?.offered(alert, viewerUpn));
}

export { assign, resolve, updateAlert };
