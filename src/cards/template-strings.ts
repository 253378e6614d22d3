import type { CardStrings } from './strings';

export const BINDING_START = '${';

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `${strings.a.b}`, or `${$root.strings.a.b}` (the form that also reaches them inside a `$data` scope). */
const STRING_BINDING = /\$\{(\$root\.)?strings\.([\w.]+)\}/g;
/** Text with no other binding, nor anything the expression language reads specially. */
const ONLY_STRING_BINDINGS = /^(?:[^$`\\{}'"]|\$\{(?:\$root\.)?strings\.[\w.]+\})*$/;

/**
 * The strings are the same in every card of a locale, so template text made of them alone is
 * written in once instead of being resolved by the library at every render. `$data` and `$when`
 * (the template's own keys) stay expressions.
 */
export function templateWithStrings(payload: unknown, strings: CardStrings): unknown {
  return withStrings(payload, strings, false);
}

function withStrings(node: unknown, strings: CardStrings, inDataScope: boolean): unknown {
  if (typeof node === 'string') return ONLY_STRING_BINDINGS.test(node) ? stringsWrittenIn(node, strings, inDataScope) : node;
  if (Array.isArray(node)) return node.map((item) => withStrings(item, strings, inDataScope));
  if (isPlainObject(node)) {
    const scoped = inDataScope || '$data' in node;
    const result: Record<string, unknown> = {};
    for (const key of Object.keys(node)) result[key] = key.startsWith('$') ? node[key] : withStrings(node[key], strings, scoped);
    return result;
  }
  return node;
}

/** The text as the library would expand it, or the text unchanged when any of its bindings is not plainly a string. */
function stringsWrittenIn(text: string, strings: CardStrings, inDataScope: boolean): string {
  let resolvable = true;
  const written = text.replace(STRING_BINDING, (_binding, fromRoot: string | undefined, stringPath: string) => {
    // Inside a `$data` scope a path without `$root` is looked up in the item, not in the strings.
    const value = inDataScope && !fromRoot ? undefined : stringAt(strings, stringPath);
    if (typeof value !== 'string') resolvable = false;
    return String(value);
  });
  return resolvable && !written.includes(BINDING_START) ? written : text;
}

/** Looked up as the library does: at each step, the first key equal to the name but for case. */
function stringAt(strings: CardStrings, stringPath: string): unknown {
  let scope: unknown = strings;
  for (const name of stringPath.split('.')) {
    if (!isPlainObject(scope)) return undefined;
    const key = Object.keys(scope).find((candidate) => candidate.toLowerCase() === name.toLowerCase());
    scope = key === undefined ? undefined : scope[key];
  }
  return scope;
}
