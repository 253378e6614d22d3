import crypto from 'node:crypto';

/**
 * Microsoft Graph's error shape (learn.microsoft.com/graph/errors):
 * `{"error":{"code","message","innerError":{"date","request-id","client-request-id"}}}`.
 */
export class GraphError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly headers: Record<string, string> = {}) {
    super(message);
  }

  body(now: Date): Record<string, unknown> {
    const requestId = crypto.randomUUID();
    return {
      error: {
        code: this.code,
        message: this.message,
        innerError: { date: now.toISOString().replace(/\.\d{3}Z$/, ''), 'request-id': requestId, 'client-request-id': requestId },
      },
    };
  }
}

export const graphErrors = {
  badRequest: (message: string) => new GraphError(400, 'BadRequest', message),
  unauthenticated: (message = 'Access token is empty or invalid.') => new GraphError(401, 'InvalidAuthenticationToken', message),
  forbidden: (message: string) => new GraphError(403, 'Forbidden', message),
  notFound: (message: string) => new GraphError(404, 'NotFound', message),
  throttled: (retryAfterSeconds: number) => new GraphError(429, 'TooManyRequests', 'Too many requests. Please retry after the time in the Retry-After header.', {
    'Retry-After': String(retryAfterSeconds),
  }),
};
