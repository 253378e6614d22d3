import crypto from 'node:crypto';

/**
 * Defender's error body (reference §7.1): `{error:{code, message, target}}`, where `target` is a
 * correlation id for support, not a field name.
 */
export interface DefenderErrorBody {
  error: { code: string; message: string; target: string };
}

/** A request the twin refuses; thrown by handlers and turned into Defender's error shape by the server. */
export class DefenderApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }

  body(): DefenderErrorBody {
    return { error: { code: this.code, message: this.message, target: crypto.randomUUID() } };
  }
}

/** The error codes of reference §7.2 (plus the real-but-undocumented ones) the twin answers with. */
export const defenderErrors = {
  unauthorized: (message = 'Invalid Authorization payload.') => new DefenderApiError(401, 'Unauthorized', message),
  forbidden: (message: string) => new DefenderApiError(403, 'Forbidden', message),
  notFound: (message: string) => new DefenderApiError(404, 'ResourceNotFound', message),
  badRequest: (message: string) => new DefenderApiError(400, 'BadRequest', message),
  invalidInput: (message: string) => new DefenderApiError(400, 'InvalidInput', message),
  invalidRequestBody: (message: string) => new DefenderApiError(400, 'InvalidRequestBody', message),
  missingParameter: (name: string) =>
    new DefenderApiError(400, 'MissingRequiredParameter', `Missing required parameter '${name}'.`),
  invalidHash: (value: string) =>
    new DefenderApiError(400, 'InvalidHashValue', `'${value}' is not a valid SHA-1 hash.`),
  invalidIp: (value: string) =>
    new DefenderApiError(400, 'InvalidIpAddress', `'${value}' is not a valid IP address.`),
  odata: (message: string) => new DefenderApiError(400, 'ODataError', message),
  osNotSupported: (message: string) => new DefenderApiError(400, 'OsPlatformNotSupported', message),
  activeRequestExists: (message: string) => new DefenderApiError(400, 'ActiveRequestAlreadyExists', message),
  notGuid: (value: string) =>
    new DefenderApiError(
      400,
      'BadRequest',
      `The key value (${value}) from request is not valid. The key value should be format of type 'Edm.Guid'.`,
    ),
  tooManyRequests: (retryAfterSeconds: number) =>
    new DefenderApiError(429, 'TooManyRequests', `Rate limit is exceeded. Try again in ${retryAfterSeconds} seconds.`),
  internal: () => new DefenderApiError(500, 'InternalServerError', 'An unexpected error occurred. Please retry.'),
  serviceUnavailable: () =>
    new DefenderApiError(503, 'ServiceUnavailable', 'The service is temporarily unavailable. Please retry.'),
  /** Real Defender API routes the twin does not simulate: a clear refusal, never a made-up success. */
  notImplemented: (what: string) =>
    new DefenderApiError(501, 'NotImplemented', `The Defender twin does not implement ${what}.`),
};
