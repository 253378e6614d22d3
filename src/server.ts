import crypto from 'node:crypto';
import type { ActivityHandlerBase, CloudAdapter } from 'botbuilder';
import restify from 'restify';
import { inboundRefusal } from './inbound-filter';
import { jsonBody } from './json-body';
import { type Logger, withCorrelation } from './logging';
import { observeTurn } from './telemetry';
import type { ReadinessReport } from './readiness';


export interface BotServer {
  server: restify.Server;
  /** Turns being handled right now (graceful shutdown waits for them). */
  inFlight(): number;
}

/**
 * The bot's HTTP face: `POST /api/messages` (Bot Framework activities, authenticated by the
 * adapter), `GET /healthz` (alive), `GET /readyz` (dependencies reachable), and the sign-in pages
 * (`routes`). Every activity is logged once, under its own correlation id.
 */
export function createServer(options: {
  adapter: CloudAdapter;
  bot: ActivityHandlerBase;
  logger: Logger;
  readiness: () => Promise<ReadinessReport>;
  /** More pages on the bot's domain (the interactive sign-in's `/auth/*`). */
  routes?: (server: restify.Server) => void;
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
      await withCorrelation(correlationId, () => observeTurn(activity, correlationId, () => res.statusCode, () => adapter.process(req, res, (context) => bot.run(context))));
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

  options.routes?.(server);

  return { server, inFlight: () => inFlight };
}
