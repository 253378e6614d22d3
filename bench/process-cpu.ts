import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

let ticksPerSecond: number | undefined;

/**
 * CPU time (user + system, ms) used so far by every process of this machine whose command name is
 * `command` (PostgreSQL's server processes: `postgres`), from Linux's /proc; undefined elsewhere.
 * A process that ended in between is missed, so the figure is a lower bound.
 */
export function commandCpuMs(command: string): number | undefined {
  if (!fs.existsSync('/proc/self/stat')) return undefined;
  ticksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  let ticks = 0;
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // ended meanwhile
    }
    // "pid (comm) state ppid …": comm may hold spaces, so the fields are counted after its closing parenthesis.
    const close = stat.lastIndexOf(')');
    if (stat.slice(stat.indexOf('(') + 1, close) !== command) continue;
    const fields = stat.slice(close + 2).split(' ');
    ticks += Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15 of proc(5))
  }
  return (ticks / ticksPerSecond) * 1000;
}
