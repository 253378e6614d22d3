import { defenderErrors } from './errors';

/** The JSON body an endpoint accepts: its property names (exact casing) and which are required. */
export interface BodySpec<Field extends string> {
  fields: readonly Field[];
  required: readonly Field[];
}

export function bodySpec<Field extends string>(fields: readonly Field[], required: readonly Field[] = []): BodySpec<Field> {
  return { fields, required };
}

/**
 * Parses a POST/PATCH body. Property names are case-sensitive (reference §3.2, §7.2): in strict mode a
 * wrongly cased or unknown property is 400 InvalidRequestBody; relaxed mode maps casing and ignores
 * unknown properties. Every value is a string; a required one must be non-blank (MissingRequiredParameter).
 */
export function parseBody<Field extends string>(
  text: string,
  contentType: string | undefined,
  spec: BodySpec<Field>,
  strict: boolean,
): Partial<Record<Field, string>> {
  const raw = parseJsonObject(text, contentType);
  const body: Partial<Record<Field, string>> = {};
  for (const [key, value] of Object.entries(raw)) {
    const field = spec.fields.find((name) => name === key) ?? (strict ? undefined : spec.fields.find((name) => sameIgnoringCase(name, key)));
    if (!field) {
      if (!strict) continue;
      const cased = spec.fields.find((name) => sameIgnoringCase(name, key));
      throw defenderErrors.invalidRequestBody(
        cased
          ? `Property '${key}' is not valid: property names are case-sensitive, expected '${cased}'.`
          : `Property '${key}' is not valid for this request. Valid properties: ${spec.fields.join(', ')}.`,
      );
    }
    if (typeof value !== 'string') throw defenderErrors.invalidRequestBody(`Property '${field}' must be a string.`);
    body[field] = value;
  }
  for (const field of spec.required) {
    if (!body[field]?.trim()) throw defenderErrors.missingParameter(field);
  }
  return body;
}

export function parseJsonObject(text: string, contentType: string | undefined): Record<string, unknown> {
  if (text.trim() === '') return {};
  if (!/^application\/json\b/i.test(contentType ?? '')) {
    throw defenderErrors.invalidRequestBody('The request body must be sent with Content-Type: application/json.');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw defenderErrors.invalidRequestBody('The request body is not valid JSON.');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw defenderErrors.invalidRequestBody('The request body must be a JSON object.');
  }
  return parsed as Record<string, unknown>;
}

function sameIgnoringCase(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}
