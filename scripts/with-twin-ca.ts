/**
 * Runs a command with the twin's CA trusted (NODE_EXTRA_CA_CERTS is read only at process start,
 * so it must be set before the process that talks to the twin starts).
 * Usage: tsx scripts/with-twin-ca.ts <command> [args...]
 */
import { spawn } from 'node:child_process';
import { ensureTwinCertificates } from '../src/twin/tls';

const [command, ...args] = process.argv.slice(2);
if (!command) {
  console.error('usage: tsx scripts/with-twin-ca.ts <command> [args...]');
  process.exit(2);
}
const { caPath } = ensureTwinCertificates();
const child = spawn(command, args, {
  stdio: 'inherit',
  env: { ...process.env, NODE_EXTRA_CA_CERTS: caPath },
});
// Ctrl-C reaches the child through the terminal's process group; we only wait for it to finish.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => child.kill(signal));
}
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
