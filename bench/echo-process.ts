/** The echo baseline's process (bot-process.ts). */
import { runBotProcess } from './bot-process';
import { createEchoServer } from './echo-bot';

runBotProcess('echo', async (config, logger) => ({ server: createEchoServer(config, logger).server }));
