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
  close(): Promise<void>;
}

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
  const server = https.createServer({ cert, key }, (req, res) => router.lookup(req, res));
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `https://127.0.0.1:${port}`,
    port,
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
