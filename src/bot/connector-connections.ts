import http from 'node:http';
import https from 'node:https';
import type { Middleware, TurnContext } from 'botbuilder';

/**
 * How long a connection to the Bot Connector service may sit idle before the bot closes it. Node's
 * agent otherwise keeps idle sockets for ever, and even ignores the server's `Keep-Alive: timeout`
 * hint (it honours the hint only when the agent has a timeout), so a reply written just as the
 * service or a load balancer drops an idle connection fails with "socket hang up" (users report
 * these as random ECONNRESET: botbuilder-js issues #1705 and #2054). Azure Load Balancer drops
 * idle flows after 4 minutes by default; this stays well inside that.
 */
export const CONNECTOR_IDLE_SOCKET_MS = 30_000;

const POLICY_NAME = 'connectorConnections';

/** The part of a turn's connector client (botframework-connector over @azure/core-rest-pipeline) this touches. */
interface ConnectorPipeline {
  getOrderedPolicies(): { name: string }[];
  addPolicy(policy: {
    name: string;
    sendRequest(request: { url: string; agent?: http.Agent }, next: (request: { url: string; agent?: http.Agent }) => Promise<unknown>): Promise<unknown>;
  }): void;
}

/**
 * Every connector call of a turn (replies, updates, proactive messages) goes through agents whose
 * idle connections close after `idleSocketMs`. The connector factory drops request policies passed
 * in its options, so the turn's client gets the policy here (once: clients are reused, reused-clients.ts).
 */
export class ConnectorConnections implements Middleware {
  private readonly agents: Record<string, http.Agent>;

  constructor(idleSocketMs = CONNECTOR_IDLE_SOCKET_MS) {
    this.agents = {
      'http:': new http.Agent({ keepAlive: true, timeout: idleSocketMs }),
      'https:': new https.Agent({ keepAlive: true, timeout: idleSocketMs }),
    };
  }

  async onTurn(context: TurnContext, next: () => Promise<void>): Promise<void> {
    const client = context.turnState.get(context.adapter.ConnectorClientKey) as { client?: { pipeline?: ConnectorPipeline } } | undefined;
    const pipeline = client?.client?.pipeline;
    if (pipeline && !pipeline.getOrderedPolicies().some((policy) => policy.name === POLICY_NAME)) {
      pipeline.addPolicy({
        name: POLICY_NAME,
        sendRequest: (request, send) => {
          request.agent ??= this.agents[new URL(request.url).protocol];
          return send(request);
        },
      });
    }
    await next();
  }
}
