/** Reading an Adaptive Card's JSON as a client would. */
export type Json = Record<string, unknown>;

/** Every object in the card whose `type` is one of the given ones, in document order (action data is not looked into). */
export function elements(node: unknown, ...types: string[]): Json[] {
  if (Array.isArray(node)) return node.flatMap((item) => elements(item, ...types));
  if (typeof node !== 'object' || node === null) return [];
  const object = node as Json;
  const own = typeof object.type === 'string' && types.includes(object.type) ? [object] : [];
  const children = Object.entries(object).filter(([key]) => key !== 'data').map(([, value]) => value);
  return [...own, ...children.flatMap((child) => elements(child, ...types))];
}
