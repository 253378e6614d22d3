import path from 'node:path';

/**
 * The bot's modules as production runs them: the compiled `dist/` of `npm run build`. A bot process
 * loads them from the directory in BENCH_BOT_MODULES, so the benchmark's own harness can be
 * compiled apart without a second copy of the bot.
 */
export function botModule<T>(name: string): T {
  const directory = process.env.BENCH_BOT_MODULES;
  if (!directory) throw new Error('BENCH_BOT_MODULES names no directory of compiled bot modules');
  return require(path.join(directory, name)) as T;
}
