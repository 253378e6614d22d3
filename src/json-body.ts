import getRawBody from 'raw-body';
import type restify from 'restify';

/**
 * The largest request body the bot reads: a little above what Teams sends for its largest message.
 * A Teams message may be about 100 KB counted in UTF-16 (teams-bot reference §4.2, "MessageSizeTooBig"),
 * i.e. up to ~150 KB of UTF-8 in JSON, and Teams adds the message's text/html rendering as an attachment.
 */
export const MAX_BODY_BYTES = 256 * 1024;

/**
 * Reads JSON request bodies before anything else looks at the request (authentication included):
 * `application/json` in UTF-8 only, no content encoding, at most `maxBytes`. A declared
 * Content-Length above the limit is answered 413 without reading a byte; a body that grows past it
 * while streaming is answered 413 at that point, having held at most `maxBytes` (raw-body stops
 * reading). Either way the connection is closed, so the rest of the upload is never read.
 */
export function jsonBody(maxBytes = MAX_BODY_BYTES): restify.RequestHandler {
  return (req, res, next) => {
    if (!hasBody(req)) return next();
    void readJson(req, maxBytes).then((refusal) => {
      if (!refusal) return next();
      res.header('Connection', 'close');
      res.send(refusal.status, { code: refusal.code, message: refusal.message });
      return next(false);
    });
  };
}

interface Refusal {
  status: 400 | 413 | 415;
  code: string;
  message: string;
}

/** Sets `req.body`, or says why not. */
async function readJson(req: restify.Request, maxBytes: number): Promise<Refusal | undefined> {
  const [mediaType, ...parameters] = (req.headers['content-type'] ?? '').split(';').map((part) => part.trim().toLowerCase());
  const charset = parameters.find((parameter) => parameter.startsWith('charset='))?.slice('charset='.length).replace(/"/g, '');
  if (mediaType !== 'application/json' || (charset !== undefined && charset !== 'utf-8')) {
    return { status: 415, code: 'UnsupportedMediaType', message: 'Only application/json (UTF-8) is accepted.' };
  }
  if ((req.headers['content-encoding'] ?? 'identity').toLowerCase() !== 'identity') {
    return { status: 415, code: 'UnsupportedMediaType', message: 'Content-Encoding is not supported.' };
  }
  let text: string;
  try {
    text = await getRawBody(req, { limit: maxBytes, length: req.headers['content-length'], encoding: 'utf-8' });
  } catch (error) {
    if ((error as { status?: number }).status === 413) {
      return { status: 413, code: 'PayloadTooLarge', message: `The request body is larger than ${maxBytes} bytes.` };
    }
    return { status: 400, code: 'BadRequest', message: 'The request body could not be read.' };
  }
  try {
    req.body = JSON.parse(text);
    return undefined;
  } catch {
    return { status: 400, code: 'BadRequest', message: 'The request body is not valid JSON.' };
  }
}

function hasBody(req: restify.Request): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}
