import type { DefenderApiError } from './errors';

/**
 * What goes on the wire for each kind of Defender answer (reference §5.1): OData success headers,
 * plain JSON for errors (no OData-Version), and an empty 405 with `Allow`.
 */
export interface WireResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * `@odata.context` values use the public host, as the real service's do, wherever the twin is
 * listening: clients must not build URLs from them. Only `@odata.nextLink` points at the twin.
 */
export const ODATA_CONTEXT_BASE = 'https://api.securitycenter.microsoft.com/api/$metadata';

const ODATA_JSON = 'application/json; odata.metadata=minimal; odata.streaming=true; charset=utf-8';
const PLAIN_JSON = 'application/json; charset=utf-8';

export function odataContext(fragment: string): string {
  return `${ODATA_CONTEXT_BASE}#${fragment}`;
}

export function odataJson(status: number, body: unknown): WireResponse {
  return { status, headers: { 'Content-Type': ODATA_JSON, 'OData-Version': '4.0' }, body: JSON.stringify(body) };
}

export function odataCollection(entitySet: string, items: readonly unknown[], extra: Record<string, unknown> = {}): WireResponse {
  return odataJson(200, { '@odata.context': odataContext(entitySet), ...extra, value: items });
}

export function odataEntity(entitySet: string, entity: object, status = 200): WireResponse {
  return odataJson(status, { '@odata.context': odataContext(`${entitySet}/$entity`), ...entity });
}

/** The `/$count` path segment answers a bare number (reference §3.1). */
export function odataCount(count: number): WireResponse {
  return { status: 200, headers: { 'Content-Type': 'text/plain; charset=utf-8', 'OData-Version': '4.0' }, body: String(count) };
}

export function errorResponse(error: DefenderApiError, headers: Record<string, string> = {}): WireResponse {
  return { status: error.status, headers: { 'Content-Type': PLAIN_JSON, ...headers }, body: JSON.stringify(error.body()) };
}

export function methodNotAllowed(allowed: readonly string[]): WireResponse {
  return { status: 405, headers: { Allow: allowed.join(', ') }, body: '' };
}
