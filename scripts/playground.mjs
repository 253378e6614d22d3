// Opens the Microsoft 365 Agents Playground against the bot (run `npm start` first) on the bot's
// PORT: from the environment, else the project's .env (or ENV_FILE) as the bot reads it, else 3978.
// The Playground spawns `xdg-open` at start and exits if that fails: on a machine without a desktop
// a no-op `xdg-open` is put first on PATH, and the URL to open is printed instead.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const envFile = process.env.ENV_FILE?.trim() || path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '.env');
if (fs.existsSync(envFile)) process.loadEnvFile(envFile);
const botPort = process.env.PORT?.trim() || '3978';
const uiPort = process.env.PLAYGROUND_PORT?.trim() || '56150';
const shim = fs.mkdtempSync(path.join(os.tmpdir(), 'playground-'));
fs.symlinkSync('/bin/true', path.join(shim, 'xdg-open'));
const headless = !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY;
const env = { ...process.env, PATH: headless ? `${shim}${path.delimiter}${process.env.PATH}` : process.env.PATH };

console.log(`Agents Playground: http://localhost:${uiPort} (bot: http://127.0.0.1:${botPort}/api/messages)`);
const child = spawn('agentsplayground', ['-e', `http://127.0.0.1:${botPort}/api/messages`, '-c', 'msteams', '--dt', '-p', uiPort], {
  stdio: 'inherit', env, shell: process.platform === 'win32',
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code) => {
  fs.rmSync(shim, { recursive: true, force: true });
  process.exit(code ?? 0);
});
