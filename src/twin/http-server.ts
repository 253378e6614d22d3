import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import Router from 'find-my-way';
import { ensureTwinCertificates } from './tls';

export type TwinRouter = Router.Instance<Router.HTTPVersion.V1>;

export interface TwinServer {
  /** e.g. `https://127.0.0.1:40123` (no trailing slash). */
  baseUrl: string;
  port: number;
  /**
   * How idle keep-alive connections end. By default as Node's server does: closed after 5 s, with a
   * `Keep-Alive: timeout=5` hint. With a time, as a load balancer in front of a service does (Azure
   * Load Balancer drops idle flows, by default after 4 minutes, without telling the client): no
   * hint, and a request on a connection idle that long is reset unanswered. `undefined` restores the default.
   */
  dropIdleConnectionsAfter(ms: number | undefined): void;
  close(): Promise<void>;
}

const IDLE_SINCE = Symbol('idleSince');
type TrackedSocket = Duplex & { [IDLE_SINCE]?: number };

/**
 * Starts an HTTPS server on loopback with the twin's certificate, routing with find-my-way.
 * Unrouted requests get `notFound` (each twin answers in its own service's error shape).
 */
export async function startTwinServer(
  router: TwinRouter,
  options: { port?: number; stateDir?: string } = {},
): Promise<TwinServer> {
  const { cert, key } = ensureTwinCertificates(options.stateDir);
  const sockets = new Set<Duplex>();
  let dropIdleAfterMs: number | undefined;
  const server = https.createServer({ cert, key }, (req, res) => {
    const socket = req.socket as TrackedSocket;
    const idleSince = socket[IDLE_SINCE];
    if (dropIdleAfterMs !== undefined && idleSince !== undefined && Date.now() - idleSince > dropIdleAfterMs) {
      socket.destroy();
      return;
    }
    socket[IDLE_SINCE] = undefined;
    res.on('finish', () => { socket[IDLE_SINCE] = Date.now(); });
    router.lookup(req, res);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const nodeKeepAliveTimeoutMs = server.keepAliveTimeout;
  return {
    baseUrl: `https://127.0.0.1:${port}`,
    port,
    dropIdleConnectionsAfter: (ms) => {
      dropIdleAfterMs = ms;
      // A load balancer neither hints nor closes: the connection just stops working.
      server.keepAliveTimeout = ms === undefined ? nodeKeepAliveTimeoutMs : 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

export function readBody(req: IncomingMessage, limitBytes = 1024 * 1024): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limitBytes) {
        reject(new Error('request body too large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

/** The bearer token of a request, or undefined when the header is missing or not a bearer. */
export function bearerToken(req: IncomingMessage): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  return match?.[1];
}
