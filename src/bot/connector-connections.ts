import http from 'node:http';
import https from 'node:https';
import type { ConnectorClientOptions } from 'botframework-connector';

/**
 * How long a connection to the Bot Connector service may sit idle before the bot closes it. Node's
 * agent otherwise keeps idle sockets for ever, and even ignores the server's `Keep-Alive: timeout`
 * hint (it honours the hint only when the agent has a timeout), so a reply written just as the
 * service or a load balancer drops an idle connection fails with "socket hang up" (users report
 * these as random ECONNRESET: botbuilder-js issues #1705 and #2054). Azure Load Balancer drops
 * idle flows after 4 minutes by default; this stays well inside that.
 */
export const CONNECTOR_IDLE_SOCKET_MS = 30_000;

type RequestPolicyFactory = Extract<NonNullable<ConnectorClientOptions['requestPolicyFactories']>, unknown[]>[number];

/** Options for the adapter's connector clients: connections kept alive, and closed before anyone else closes them. */
export function connectorClientOptions(idleSocketMs = CONNECTOR_IDLE_SOCKET_MS): ConnectorClientOptions {
  const agents = {
    'http:': new http.Agent({ keepAlive: true, timeout: idleSocketMs }),
    'https:': new https.Agent({ keepAlive: true, timeout: idleSocketMs }),
  };
  const useAgents: RequestPolicyFactory = {
    create: (next) => ({
      sendRequest: (request) => {
        request.agent ??= agents[new URL(request.url).protocol as keyof typeof agents];
        return next.sendRequest(request);
      },
    }),
  };
  return { requestPolicyFactories: [useAgents] };
}
