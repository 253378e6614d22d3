import { request } from 'undici';
import { defenderRequestDone } from '../telemetry';
import { DefenderApiError, type DefenderErrorKind, type DefenderOperation, type DefenderSubject, type RequiredAccess } from './errors';

/** The acting identity: a function that yields a bearer token (the user's OBO token, or the app's own). */
export type AccessTokenSource = () => Promise<string>;

/** Time as the retry logic sees it; tests substitute one that moves a simulated clock instead of sleeping. */
export interface RetryTimer {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export interface RequestInfo {
  method: string;
  /** The route template (`/api/machines/{id}`), never the concrete URL: no user input, no tokens. */
  path: string;
  status: number | 'error';
  ms: number;
  attempt: number;
}

export interface DefenderHttpOptions {
  baseUrl: string;
  /** Per request; default 8000. */
  timeoutMs?: number;
  /** Reads only; Retry-After is honoured only if it fits the budget. Default 3 attempts within 10 s. */
  readRetry?: { maxAttempts: number; budgetMs: number };
  userAgent?: string;
  /** Metrics hook, called once per HTTP attempt. */
  onRequest?: (info: RequestInfo) => void;
  timer?: RetryTimer;
}

export interface DefenderCall {
  method: 'GET' | 'POST' | 'PATCH';
  /** Path and query below the base URL (`/api/alerts?$top=5`), or an absolute `@odata.nextLink` on the same origin. */
  target: string;
  route: string;
  operation: DefenderOperation;
  subject?: DefenderSubject;
  /** The access a refusal names, when not the operation's own. */
  access?: RequiredAccess;
  body?: unknown;
}

const DEFAULT_TIMEOUT_MS = 8000;
const DEFAULT_READ_RETRY = { maxAttempts: 3, budgetMs: 10_000 };
const DEFAULT_USER_AGENT = 'defender-chatops-teams/0.1';
/** When Defender throttles without saying for how long: its limits are per minute (reference §6). */
const DEFAULT_RETRY_AFTER_SECONDS = 60;
const BACKOFF_BASE_MS = 200;
const RETRYABLE_READ_FAILURES: readonly DefenderErrorKind[] = ['throttled', 'server', 'timeout', 'network', 'malformed_response'];

const realTimer: RetryTimer = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/**
 * HTTP to the Defender API: one attempt with a time-out and error mapping, plus the retry policy.
 * Reads retry within a bounded budget; actions are sent exactly once, because a retried POST
 * could isolate a device twice or after someone released it.
 */
export class DefenderHttp {
  private readonly origin: string;
  private readonly baseUrl: string;
  private readonly timeoutMs: number;
  private readonly readRetry: { maxAttempts: number; budgetMs: number };
  private readonly userAgent: string;
  private readonly timer: RetryTimer;

  constructor(private readonly options: DefenderHttpOptions) {
    const base = new URL(options.baseUrl);
    this.origin = base.origin;
    this.baseUrl = base.href.replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.readRetry = options.readRetry ?? DEFAULT_READ_RETRY;
    this.userAgent = options.userAgent ?? DEFAULT_USER_AGENT;
    this.timer = options.timer ?? realTimer;
  }

  /** A GET with bounded retries for throttling, 5xx, time-outs, resets and unreadable answers. */
  async read(token: AccessTokenSource, call: DefenderCall): Promise<Record<string, unknown>> {
    const { maxAttempts, budgetMs } = this.readRetry;
    const deadline = this.timer.now() + budgetMs;
    for (let attempt = 1; ; attempt++) {
      const remaining = deadline - this.timer.now();
      try {
        return await this.attempt(token, call, Math.max(1, Math.min(this.timeoutMs, remaining)), attempt);
      } catch (error) {
        if (!(error instanceof DefenderApiError) || !RETRYABLE_READ_FAILURES.includes(error.kind) || attempt >= maxAttempts) {
          throw error;
        }
        const waitMs = error.kind === 'throttled' ? (error.retryAfterSeconds ?? 0) * 1000 : backoffMs(attempt);
        if (this.timer.now() + waitMs >= deadline) throw error;
        await this.timer.sleep(waitMs);
      }
    }
  }

  /** A POST sent exactly once, whatever happens. */
  act(token: AccessTokenSource, call: DefenderCall): Promise<Record<string, unknown>> {
    return this.attempt(token, call, this.timeoutMs, 1);
  }

  private async attempt(
    token: AccessTokenSource,
    call: DefenderCall,
    timeoutMs: number,
    attempt: number,
  ): Promise<Record<string, unknown>> {
    const url = this.resolve(call);
    const accessToken = await token();
    const headers: Record<string, string> = {
      Authorization: `Bearer ${accessToken}`,
      Accept: 'application/json',
      'User-Agent': this.userAgent,
    };
    if (call.body !== undefined) headers['Content-Type'] = 'application/json';
    const controller = new AbortController();
    const timeout = setTimeout(() => controller.abort(), timeoutMs);
    const started = performance.now();
    const report = (status: number | 'error') => {
      const info = { method: call.method, path: call.route, status, ms: performance.now() - started, attempt };
      this.options.onRequest?.(info);
      defenderRequestDone(info);
    };
    const details = { operation: call.operation, subject: call.subject, access: call.access };
    let response: WireResponse;
    let text: string;
    try {
      // undici's request rather than fetch: a fraction of fetch's CPU and allocations per call (bench/RESULTS.md).
      // It follows no redirect: Defender does not redirect, and following one would carry the token somewhere unexpected.
      const answer = await request(url, {
        method: call.method,
        headers,
        body: call.body === undefined ? undefined : JSON.stringify(call.body),
        signal: controller.signal,
      });
      text = await answer.body.text();
      const retryAfter = answer.headers['retry-after'];
      response = { status: answer.statusCode, ok: answer.statusCode >= 200 && answer.statusCode < 300, retryAfter: (Array.isArray(retryAfter) ? retryAfter[0] : retryAfter) ?? null };
    } catch (error) {
      report('error');
      if (controller.signal.aborted) throw new DefenderApiError('timeout', { ...details, timeoutMs }, error);
      throw new DefenderApiError('network', details, error);
    } finally {
      clearTimeout(timeout);
    }
    report(response.status);
    if (response.ok) return parseEntity(text, details);
    throw errorFromResponse(response, text, details, this.timer.now());
  }

  private resolve(call: DefenderCall): string {
    if (call.target.startsWith('/')) return `${this.baseUrl}${call.target}`;
    // An absolute @odata.nextLink: the bearer token goes only to the configured Defender origin.
    let url: URL;
    try {
      url = new URL(call.target);
    } catch (error) {
      throw new DefenderApiError('malformed_response', { operation: call.operation }, error);
    }
    if (url.origin !== this.origin) {
      throw new DefenderApiError('malformed_response', {
        operation: call.operation,
        detail: `The next-page link points outside ${this.origin}.`,
      });
    }
    return url.href;
  }
}

function backoffMs(attempt: number): number {
  const ceiling = BACKOFF_BASE_MS * 2 ** (attempt - 1);
  return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
}

type CallDetails = { operation: DefenderOperation; subject?: DefenderSubject; access?: RequiredAccess };

function parseEntity(text: string, details: CallDetails): Record<string, unknown> {
  const parsed = parseJson(text);
  if (parsed === undefined || typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new DefenderApiError('malformed_response', details);
  }
  return parsed as Record<string, unknown>;
}

function parseJson(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Defender's `{error:{code,message,target}}` (reference §7.1), read leniently: any part may be missing. */
/** What the error mapping reads of an HTTP answer. */
interface WireResponse {
  status: number;
  ok: boolean;
  retryAfter: string | null;
}

function errorFromResponse(response: WireResponse, text: string, details: CallDetails, nowMs: number): DefenderApiError {
  const body = parseJson(text) as { error?: { code?: unknown; message?: unknown; target?: unknown } } | undefined;
  const error = typeof body === 'object' && body !== null ? body.error : undefined;
  const code = typeof error?.code === 'string' ? error.code : undefined;
  const serverMessage = typeof error?.message === 'string' ? error.message : undefined;
  const target = typeof error?.target === 'string' ? error.target : undefined;
  const status = response.status;
  const wire = { ...details, status, code, serverMessage, target };
  if (status === 401) return new DefenderApiError('unauthorized', wire);
  if (status === 403) return new DefenderApiError('forbidden', wire);
  if (status === 404) return new DefenderApiError('not_found', wire);
  if (status === 429) {
    const retryAfterSeconds = retryAfter(response.retryAfter, nowMs) ?? DEFAULT_RETRY_AFTER_SECONDS;
    return new DefenderApiError('throttled', { ...wire, retryAfterSeconds });
  }
  if (status >= 500) return new DefenderApiError('server', wire);
  if (code === 'ActiveRequestAlreadyExists' || /already in progress/i.test(serverMessage ?? '')) {
    return new DefenderApiError('already_in_progress', wire);
  }
  if (code === 'OsPlatformNotSupported') return new DefenderApiError('unsupported_os', wire);
  return new DefenderApiError('bad_request', wire);
}

/** `Retry-After` is either delay-seconds or an HTTP date (RFC 9110 §10.2.3). */
function retryAfter(header: string | null, nowMs: number): number | undefined {
  if (header === null) return undefined;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - nowMs) / 1000));
}
