import diagnostics from 'node:diagnostics_channel';
import type { Span } from '@opentelemetry/api';
import type { OtelRecorder } from './recorder';
import { operationOf, serviceOf, type Service } from './routes';

interface Pending {
  service: Service;
  operation: string;
  started: number;
  span: Span;
}

/** A client's three events: a request starts, its response headers arrive, or it fails. */
interface ClientChannels<R> {
  start: string;
  response: string;
  error: string;
  /** Host, path and method of a request, from the event's message. */
  describe(request: R): { host: string; path: string; method: string };
  status(message: unknown): number | undefined;
}

/** node's http/https client: botbuilder's connector to Teams, the channel's OpenID metadata. */
const NODE_HTTP: ClientChannels<{ host?: string; path?: string; method?: string }> = {
  start: 'http.client.request.start',
  response: 'http.client.response.finish',
  error: 'http.client.request.error',
  describe: (request) => ({ host: request.host ?? '', path: request.path ?? '', method: request.method ?? 'GET' }),
  status: (message) => (message as { response?: { statusCode?: number } }).response?.statusCode,
};

/** fetch (undici): msal-node to Entra ID. */
const UNDICI: ClientChannels<{ origin?: unknown; path?: string; method?: string }> = {
  start: 'undici:request:create',
  response: 'undici:request:headers',
  error: 'undici:request:error',
  describe: (request) => ({ host: hostOf(request.origin), path: request.path ?? '', method: request.method ?? 'GET' }),
  status: (message) => (message as { response?: { statusCode?: number } }).response?.statusCode,
};

/**
 * Outbound requests to Entra ID and Teams, observed through node's diagnostics channels: no library
 * is patched and no header is added. Defender's requests are reported by DefenderHttp itself (with
 * its retries), so they are skipped here. Returns the unsubscribe.
 */
export function observeHttpClients(recorder: OtelRecorder): () => void {
  const stops = [NODE_HTTP, UNDICI].map((channels) => observe(recorder, channels as ClientChannels<object>));
  return () => stops.forEach((stop) => stop());
}

function observe(recorder: OtelRecorder, channels: ClientChannels<object>): () => void {
  const pending = new WeakMap<object, Pending>();
  const onStart = (message: unknown) => {
    const { request } = message as { request: object };
    const { host, path, method } = channels.describe(request);
    const service = serviceOf(host, path);
    if (service === 'other' || service === 'defender') return;
    const operation = operationOf(method, path);
    pending.set(request, { service, operation, started: performance.now(), span: recorder.startOutboundSpan(service, operation) });
  };
  const finish = (message: unknown, status: number | 'error') => {
    const { request } = message as { request: object };
    const entry = pending.get(request);
    if (!entry) return;
    pending.delete(request);
    recorder.outboundRequest(entry.service, entry.operation, status, performance.now() - entry.started, false, entry.span);
  };
  const onResponse = (message: unknown) => finish(message, channels.status(message) ?? 'error');
  const onError = (message: unknown) => finish(message, 'error');
  diagnostics.subscribe(channels.start, onStart);
  diagnostics.subscribe(channels.response, onResponse);
  diagnostics.subscribe(channels.error, onError);
  return () => {
    diagnostics.unsubscribe(channels.start, onStart);
    diagnostics.unsubscribe(channels.response, onResponse);
    diagnostics.unsubscribe(channels.error, onError);
  };
}

function hostOf(origin: unknown): string {
  try {
    return new URL(String(origin)).host;
  } catch {
    return '';
  }
}
