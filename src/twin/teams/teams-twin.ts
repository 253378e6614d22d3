import Router from 'find-my-way';
import type { TwinClock } from '../clock';
import type { EntraTwin } from '../entra';
import { sendJson, startTwinServer, type TwinRouter, type TwinServer } from '../http-server';
import { ChannelAuth } from './channel-auth';
import { TeamsClients } from './clients';
import { Connector, type ConnectorCall, type TeamsCloud } from './connector';
import { TeamsState } from './conversations';
import { TeamsDriver } from './driver';
import { MessageSizeLimit, TeamsRateLimits } from './limits';

export interface TeamsTwinOptions {
  entra: EntraTwin;
  clock: TwinClock;
  botAppId: string;
  /** The bot's messaging endpoint, e.g. `http://127.0.0.1:3978/api/messages` (settable later). */
  botEndpoint?: string;
  port?: number;
  /** Shrinks every rate-limit window by this factor (benchmarks; say so when used). */
  rateLimitTimeScale?: number;
  /**
   * The cloud the channel stands for: `usGovernment` is Teams in GCC High (service URL
   * `.../gcch/`, the bot's tokens for `https://api.botframework.us`; reference §2 and botbuilder's
   * GovernmentConstants). Its issuer and metadata are the twin's own in either cloud.
   */
  cloud?: TeamsCloud;
}

const SERVICE_PATHS: Record<TeamsCloud, string> = { public: '/teams', usGovernment: '/gcch' };

/**
 * The Teams channel twin: the Bot Framework channel that signs what it posts to the bot, the
 * Bot Connector API the bot calls back (under `serviceUrl`), and the Teams clients (`driver`).
 */
export class TeamsTwin {
  readonly serviceUrl: string;
  readonly channelAuth: ChannelAuth;
  readonly rateLimits: TeamsRateLimits;
  readonly messageSizeLimit = new MessageSizeLimit();
  readonly driver: TeamsDriver;
  readonly cloud: TeamsCloud;
  private readonly clients: TeamsClients;
  private readonly connector: Connector;

  private constructor(private readonly server: TwinServer, router: TwinRouter, options: TeamsTwinOptions) {
    const { entra, clock, botAppId } = options;
    this.cloud = options.cloud ?? 'public';
    const servicePath = SERVICE_PATHS[this.cloud];
    this.serviceUrl = `${server.baseUrl}${servicePath}/`;
    this.channelAuth = new ChannelAuth(server.baseUrl, botAppId, clock);
    this.rateLimits = new TeamsRateLimits(clock, options.rateLimitTimeScale);
    const botName = entra.directory.apps.get(botAppId)?.displayName ?? 'Bot';
    const state = new TeamsState(entra.directory, clock, botAppId, botName);
    this.clients = new TeamsClients(state, this.channelAuth, clock, this.serviceUrl);
    this.clients.botEndpoint = options.botEndpoint;
    this.driver = new TeamsDriver(state, this.clients, entra, clock);
    this.connector = new Connector(entra, state, this.rateLimits, this.messageSizeLimit,
      (conversation, message) => this.driver.onBotMessage(conversation, message),
      (conversation, message) => this.driver.onBotUpdate(conversation, message), this.cloud);
    this.channelAuth.registerRoutes(router);
    this.connector.registerRoutes(router, servicePath);
  }

  static async start(options: TeamsTwinOptions): Promise<TeamsTwin> {
    const router = Router({
      defaultRoute: (_req, res) =>
        sendJson(res, 404, { error: { code: 'NotFound', message: 'No such endpoint.' } }),
    });
    const server = await startTwinServer(router, { port: options.port });
    return new TeamsTwin(server, router, options);
  }

  get baseUrl(): string {
    return this.server.baseUrl;
  }

  /** Idle connections to the connector dropped as a load balancer does (see TwinServer); `undefined`: Node's default. */
  dropIdleConnectionsAfter(ms: number | undefined): void {
    this.server.dropIdleConnectionsAfter(ms);
  }

  /** Stands for `https://api.botframework.com`, the `iss` of channel tokens. */
  get issuer(): string {
    return this.channelAuth.issuer;
  }

  /** Stands for `https://login.botframework.com/v1/.well-known/openidconfiguration`. */
  get openIdMetadataUrl(): string {
    return this.channelAuth.openIdMetadataUrl;
  }

  /** Faults injected into the connector's answers (see Connector.faults for the operation names). */
  get faults(): Connector['faults'] {
    return this.connector.faults;
  }

  /** Every call the bot made to the connector, in order. */
  get calls(): readonly ConnectorCall[] {
    return this.connector.calls;
  }

  setBotEndpoint(url: string): void {
    this.clients.botEndpoint = url;
  }

  close(): Promise<void> {
    return this.server.close();
  }
}
