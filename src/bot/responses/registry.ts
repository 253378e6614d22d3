import type { MachineActionType } from '../../defender/model';
import type { ResponseDefinition } from './definition';
import { isolate } from './definitions/isolate';
import { release } from './definitions/release';
import { runAntivirusScan } from './definitions/run-antivirus-scan';
import { restrictAppExecution } from './definitions/restrict-app-execution';
import { removeAppRestriction } from './definitions/remove-app-restriction';
import { collectInvestigationPackage } from './definitions/collect-investigation-package';
import { stopAndQuarantineFile } from './definitions/stop-and-quarantine-file';

/** Every machine response action the bot offers, in the order cards show their buttons. */
export const RESPONSE_DEFINITIONS: readonly ResponseDefinition[] = [
  isolate, release, runAntivirusScan, restrictAppExecution, removeAppRestriction, collectInvestigationPackage, stopAndQuarantineFile,
];

/**
 * Ask opens the confirmation, confirm sends it, `approve` and `deny` answer a request the
 * two-person rule held for a second person, result fetches a finished action's result for the clicker.
 */
export type ResponseStep = 'ask' | 'confirm' | 'approve' | 'deny' | 'result';
const STEPS: readonly ResponseStep[] = ['ask', 'confirm', 'approve', 'deny'];

export function verbOf(definition: ResponseDefinition, step: ResponseStep): string {
  return `${definition.name}.${step}`;
}

const BY_VERB = new Map<string, { definition: ResponseDefinition; step: ResponseStep }>();
const BY_WORD = new Map<string, ResponseDefinition>();
for (const definition of RESPONSE_DEFINITIONS) {
  for (const step of definition.result ? [...STEPS, 'result' as const] : STEPS) {
    const verb = verbOf(definition, step);
    if (BY_VERB.has(verb)) throw new Error(`Two response definitions use the verb ${verb}.`);
    BY_VERB.set(verb, { definition, step });
  }
  for (const word of definition.words) {
    if (BY_WORD.has(word)) throw new Error(`Two response definitions use the word "${word}".`);
    BY_WORD.set(word, definition);
  }
}

/** The response and step a signed verb names, if it names one. */
export function responseStep(verb: string): { definition: ResponseDefinition; step: ResponseStep } | undefined {
  return BY_VERB.get(verb);
}

/** The response a typed word names (`iso`, `scan`), if any. */
export function responseByWord(word: string): ResponseDefinition | undefined {
  return BY_WORD.get(word);
}

/** The response a typed command name stands for (its first word). */
export function responseNamed(name: string): ResponseDefinition | undefined {
  return RESPONSE_DEFINITIONS.find((definition) => definition.words[0] === name);
}

/** The responses whose state a finished action of this type decides: what its status card offers next. */
export function responsesAfter(type: MachineActionType): ResponseDefinition[] {
  return RESPONSE_DEFINITIONS.filter((definition) => definition.family.includes(type));
}

/** The families of action types, each once, in definition order (the isolation family first). */
export const RESPONSE_FAMILIES: readonly (readonly MachineActionType[])[] = [...new Set(RESPONSE_DEFINITIONS.map((d) => d.family))];
