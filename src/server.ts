import type { ActivityHandlerBase, CloudAdapter } from 'botbuilder';
import restify from 'restify';

/** Where Entra's consent page returns: consent is recorded by then, so the page only says what to do next. */
const CONSENT_DONE_PAGE = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Defender ChatOps</title></head>
<body style="font-family: sans-serif; max-width: 36rem; margin: 3rem auto">
<h1>You can close this window</h1>
<p>Your sign-in and consent for Defender ChatOps are done. Go back to Microsoft Teams and repeat your command
or click the button again.</p>
</body></html>`;

/**
 * The bot's HTTP face: `POST /api/messages` (Bot Framework activities, authenticated by the
 * adapter), `GET /healthz`, and the page Entra's consent flow returns to.
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

  server.get('/auth/end', (_req, res, next) => {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'" });
    res.end(CONSENT_DONE_PAGE);
    next();
  });

  return server;
}
