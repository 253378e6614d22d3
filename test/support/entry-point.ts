import { type ChildProcess, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import net from 'node:net';
import path from 'node:path';
import { SEEDED } from '../../src/twin/directory';
import type { Twin } from '../../src/twin';
import { eventually } from './eventually';

export interface EntryPoint {
  child: ChildProcess;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
}

/** The real entry point (`src/index.ts`) as an admin runs it, pointed at the twin by URL through its settings. */
export function startEntryPoint(twin: Twin, port: number, settings: Record<string, string>): EntryPoint {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/index.ts'], {
    cwd: path.resolve(__dirname, '../..'),
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      PORT: String(port),
      MICROSOFT_APP_ID: SEEDED.botAppId,
      MICROSOFT_APP_PASSWORD: SEEDED.botAppSecret,
      MICROSOFT_APP_TENANT_ID: SEEDED.tenantId,
      BOT_PUBLIC_URL: `https://localhost:${port}`,
      TOKEN_CACHE_KEY: crypto.randomBytes(32).toString('base64'),
      ENTRA_AUTHORITY_HOST: twin.entra.baseUrl,
      BOT_CHANNEL_OPENID_METADATA_URL: twin.teams.openIdMetadataUrl,
      BOT_CHANNEL_TOKEN_ISSUER: twin.teams.issuer,
      DEFENDER_API_URL: twin.defender.baseUrl,
      DEFENDER_TOKEN_RESOURCE: 'https://api.securitycenter.microsoft.com',
      LOG_LEVEL: 'warn',
      ...settings,
    },
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  child.stderr?.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  return { child, output: () => output };
}

export async function waitUntilServing(port: number): Promise<void> {
  await eventually(async () => {
    const response = await fetch(`http://127.0.0.1:${port}/healthz`);
    if (!response.ok) throw new Error('not up yet');
  }, 60_000); // tsx compiles the whole bot on start: slow on a busy machine
}

export function exitOf(child: ChildProcess): Promise<number | null> {
  return child.exitCode !== null ? Promise.resolve(child.exitCode) : new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/** A loopback port nothing listens on right now (the OS picks it), for a child process to listen on. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
