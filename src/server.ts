import crypto from 'node:crypto';
import type { ActivityHandlerBase, CloudAdapter } from 'botbuilder';
import restify from 'restify';
import { inboundRefusal } from './inbound-filter';
import { jsonBody } from './json-body';
import { type Logger, withCorrelation } from './logging';
import type { ReadinessReport } from './readiness';

/** Where Entra's consent page returns: consent is recorded by then, so the page only says what to do next. */
const CONSENT_DONE_PAGE = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Defender ChatOps</title></head>
<body style="font-family: sans-serif; max-width: 36rem; margin: 3rem auto">
<h1>You can close this window</h1>
<p>Your sign-in and consent for Defender ChatOps are done. Go back to Microsoft Teams and repeat your command
or click the button again.</p>
</body></html>`;


export interface BotServer {
  server: restify.Server;
  /** Turns being handled right now (graceful shutdown waits for them). */
  inFlight(): number;
}

/**
 * The bot's HTTP face: `POST /api/messages` (Bot Framework activities, authenticated by the
 * adapter), `GET /healthz` (alive), `GET /readyz` (dependencies reachable), and the page Entra's
 * consent flow returns to. Every activity is logged once, under its own correlation id.
 */
export function createServer(options: {
  adapter: CloudAdapter;
  bot: ActivityHandlerBase;
  logger: Logger;
  readiness: () => Promise<ReadinessReport>;
  /** `loopback` in local mode only: activities are not authenticated there, so answers may go only to this machine. */
  serviceUrls?: 'any' | 'loopback';
}): BotServer {
  const { adapter, bot, logger } = options;
  const server = restify.createServer({ name: 'defender-chatops' });
  server.use(jsonBody());
  let inFlight = 0;

  server.post('/api/messages', async (req, res) => {
    const correlationId = crypto.randomUUID();
    const started = Date.now();
    const activity = (req.body ?? {}) as {
      type?: string; name?: string; channelId?: string; serviceUrl?: string; conversation?: { conversationType?: string; tenantId?: string };
    };
    const refusal = inboundRefusal(activity, options.serviceUrls ?? 'any');
    inFlight += 1;
    try {
      res.header('x-correlation-id', correlationId);
      if (refusal) {
        res.send(403, { code: 'Forbidden', message: `Refused: ${refusal}.` });
        return;
      }
      await withCorrelation(correlationId, () => adapter.process(req, res, (context) => bot.run(context)));
    } finally {
      inFlight -= 1;
      const log = refusal ? logger.warn : logger.info;
      withCorrelation(correlationId, () => log.call(logger, {
        activityType: activity.type,
        activityName: activity.name,
        channelId: activity.channelId,
        conversationType: activity.conversation?.conversationType,
        tenantId: activity.conversation?.tenantId,
        status: res.statusCode,
        ms: Date.now() - started,
        ...(refusal ? { refused: refusal } : {}),
      }, refusal ? 'activity refused' : 'activity'));
    }
  });

  server.get('/healthz', (_req, res, next) => {
    res.send(200, { status: 'ok' });
    next();
  });

  server.get('/readyz', async (_req, res) => {
    const report = await options.readiness();
    res.send(report.ready ? 200 : 503, report);
  });

  server.get('/auth/end', (_req, res, next) => {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'" });
    res.end(CONSENT_DONE_PAGE);
    next();
  });

  return { server, inFlight: () => inFlight };
}
