import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import type { NotifyEnv } from './notify-harness';

/** A notifier replica in a child process (test/support/notify-child.ts) on a SQLite file, for crash tests; its output lines are kept. */
export function startNotifierProcess(
  env: NotifyEnv, options: { sqlitePath: string; replicaId: string; timeScale: number; extraEnv?: Record<string, string> },
): { child: ChildProcess; output: string[] } {
  const output: string[] = [];
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'notify-child.ts')], {
    env: {
      ...process.env,
      NOTIFY_ENDPOINTS: JSON.stringify(env.endpoints),
      NOTIFY_SQLITE: options.sqlitePath,
      NOTIFY_REPLICA: options.replicaId,
      NOTIFY_CARD_SECRET: env.cardSecret,
      NOTIFY_TIME_SCALE: String(options.timeScale),
      ...options.extraEnv,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (chunk: Buffer) => output.push(...chunk.toString().split('\n').filter(Boolean)));
  child.stderr!.on('data', (chunk: Buffer) => output.push(...chunk.toString().split('\n').filter(Boolean)));
  return { child, output };
}
