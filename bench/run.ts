/**
 * `npm run bench [-- --quick] [--out <dir>] [--cpu-prof]`: runs the benchmark against the twin and
 * writes results.json and RESULTS.md (by default into bench/; a quick run into a temporary
 * directory). `--cpu-prof` also writes a V8 CPU profile of each bot process into the output directory.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { FULL, QUICK, runBenchmark } from './benchmark';
import { checkGoals, failedTurns } from './goals';
import { renderReport } from './report';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false }, out: { type: 'string' }, 'cpu-prof': { type: 'boolean', default: false } } });
  const settings = values.quick ? QUICK : FULL;
  const out = values.out ?? (values.quick ? fs.mkdtempSync(path.join(os.tmpdir(), 'bench-quick-')) : __dirname);
  if (values['cpu-prof']) process.env.BENCH_CPU_PROF_DIR = out;
  const results = await runBenchmark(settings, (line) => console.log(`[bench] ${line}`));
  fs.mkdirSync(out, { recursive: true });
  fs.writeFileSync(path.join(out, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  fs.writeFileSync(path.join(out, 'RESULTS.md'), renderReport(results));
  const missed = checkGoals(results).filter((check) => !check.met);
  console.log(`[bench] done in ${results.durationSeconds.toFixed(0)} s; wrote ${path.join(out, 'RESULTS.md')}`);
  for (const check of missed) console.log(`[bench] goal missed: ${check.goal}: ${check.measured}${check.missedBy ? ` (${check.missedBy})` : ''}`);
  const failed = failedTurns(results);
  if (failed.seenByUsers + failed.loggedByBots > 0) {
    for (const line of results.botLogs) console.error(`[bench] bot log: ${line}`);
    for (const cell of results.turnCost) if (cell.firstFailure) console.error(`[bench] ${cell.label}, ${cell.users} user(s): ${cell.firstFailure}`);
    for (const cell of results.replicas.cells) if (cell.firstFailure) console.error(`[bench] ${cell.replicas} replica(s): ${cell.firstFailure}`);
    throw new Error(`${failed.seenByUsers} turn(s) failed and the bots logged ${failed.loggedByBots} turn error(s): the figures are not of a working bot`);
  }
}

main().then(() => process.exit(0), (error: unknown) => {
  console.error(error);
  process.exit(1);
});
