import type { ActivityHandlerBase, CloudAdapter } from 'botbuilder';
import restify from 'restify';

/**
 * The bot's HTTP face: `POST /api/messages` (Bot Framework activities, authenticated by the
 * adapter) and `GET /healthz`.
 */
export function createServer(options: { adapter: CloudAdapter; bot: ActivityHandlerBase }): restify.Server {
  const { adapter, bot } = options;
  const server = restify.createServer({ name: 'defender-chatops' });
  server.use(restify.plugins.bodyParser({ mapParams: false }));

  server.post('/api/messages', async (req, res) => {
    await adapter.process(req, res, (context) => bot.run(context));
  });

  server.get('/healthz', (_req, res, next) => {
    res.send(200, { status: 'ok' });
    next();
  });

  return server;
}
