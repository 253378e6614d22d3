import {
  type AuthenticateRequestResult, type ClaimsIdentity, type ConnectorClient, ConnectorFactory, JwtTokenValidation, type UserTokenClient,
} from 'botframework-connector';

/** Distinct clients kept (service URLs × audiences, bot app ids): Teams uses a handful of regional service URLs. */
const MAX_CLIENTS = 64;

/**
 * botbuilder builds a new ConnectorClient (a core-client pipeline of a dozen policies, with its
 * credentials) and a new UserTokenClient for every turn and every proactive message: about 0.3 ms
 * of CPU each, the largest piece of a proactive card update (bench/RESULTS.md). Neither holds
 * anything of a turn, so one per bot app id, service URL and audience serves them all. The turn
 * middleware's changes to a client's pipeline (connector-connections.ts adds its agent policy,
 * reply-pacing.ts drops the retry phase) are the same for every turn, so applying them once is enough.
 */
export class ReusedClients {
  private readonly connectors = new Map<string, Promise<ConnectorClient>>();
  private readonly userTokens = new Map<string, Promise<UserTokenClient>>();

  /** `inner`'s clients, one per service URL and audience for the identity's app id. */
  connectorFactory(claimsIdentity: ClaimsIdentity, inner: ConnectorFactory): ConnectorFactory {
    const appId = appIdOf(claimsIdentity);
    const reuse = (key: string, create: () => Promise<ConnectorClient>) => kept(this.connectors, key, create);
    return new (class extends ConnectorFactory {
      create(serviceUrl: string, audience?: string): Promise<ConnectorClient> {
        return reuse(JSON.stringify([appId, serviceUrl, audience ?? null]), () => inner.create(serviceUrl, audience));
      }
    })();
  }

  authenticated(result: AuthenticateRequestResult): AuthenticateRequestResult {
    return result.connectorFactory ? { ...result, connectorFactory: this.connectorFactory(result.claimsIdentity, result.connectorFactory) } : result;
  }

  userTokenClient(claimsIdentity: ClaimsIdentity, create: () => Promise<UserTokenClient>): Promise<UserTokenClient> {
    return kept(this.userTokens, appIdOf(claimsIdentity), create);
  }
}

function appIdOf(claimsIdentity: ClaimsIdentity): string {
  return JwtTokenValidation.getAppIdFromClaims(claimsIdentity.claims) ?? '';
}

/** The client made for `key` before, or a new one; a failed creation is not kept. */
function kept<T>(clients: Map<string, Promise<T>>, key: string, create: () => Promise<T>): Promise<T> {
  const known = clients.get(key);
  if (known) return known;
  if (clients.size >= MAX_CLIENTS) clients.clear();
  const made = create();
  clients.set(key, made);
  made.catch(() => {
    if (clients.get(key) === made) clients.delete(key);
  });
  return made;
}
