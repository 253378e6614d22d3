import crypto from 'node:crypto';
import os from 'node:os';
import { type CloudAdapter, ConfigurationBotFrameworkAuthentication, CloudAdapter as BotAdapter, type TurnContext } from 'botbuilder';
import type restify from 'restify';
import { lineLogger, type Logger, createLogger } from './logging';
import { stringsForLocale } from './cards/strings';
import { createViews, buttonTitles } from './cards/views';
import type { BotConfig } from './config';
import { withDeadline } from './deadline';
import { DefenderClient } from './defender/client';
import { createMsalClient } from './identity/msal-client';
import { type TeamsUser, UserTokenService } from './identity/user-tokens';
import { ActionTracker } from './bot/action-tracker';
import { createCloudAdapter } from './bot/adapter';
import { DefenderBot } from './bot/bot';
import { CardActions } from './bot/card-actions';
import { OnceLedger } from './bot/once';
import { ResponseActions } from './bot/responses';
import { Screens } from './bot/screens';
import { SignInFlow, teamsUserOf } from './bot/sign-in';
import { ActionSigner } from './bot/signed-actions';
import { TenantGuard } from './bot/tenant-guard';
import { TURN_BUDGET_MS } from './bot/turn-budget';
import { createNotifier, type Notifier } from './notify/notifier';
import { appTokenSource } from './notify/app-token';
import { TeamsConnectorSender } from './notify/teams-sender';
import { createServer, type ReadinessReport } from './server';
import type { Store } from './store/store';

export interface BotApp {
  server: restify.Server;
  adapter: CloudAdapter;
  /** Alert notifications: started by the caller (`notifier.start()`), stopped by close(). */
  notifier: Notifier;
  /** Follows submitted response actions from the store (started here; any replica may carry on). */
  tracker: ActionTracker;
  /** Storage reachable and the app's own token obtainable. */
  readiness(): Promise<ReadinessReport>;
  /**
   * Graceful stop: no new requests, turns in flight finish (up to `deadlineMs`), the notifier's
   * current send completes (the rest stays in the durable outbox). The store is the caller's to close.
   */
  close(deadlineMs?: number): Promise<void>;
}

export interface BotAppOptions {
  inbound?: InboundMode;
  logger?: Logger;
  /** Epoch ms for ages on cards and follow-up timing; tests pass the twin's clock. */
  now?: () => number;
  /** How long a card action may take before it answers "still working" and finishes later (default 12 s). */
  turnBudgetMs?: number;
}

/**
 * How inbound activities are authenticated. `botframework` validates every JWT (production, and
 * tests against the Teams twin). `local-playground` accepts the Agents Playground's unsigned
 * activities and maps its mocked user to a twin user: only the local-mode composition root passes it.
 */
export type InboundMode = 'botframework' | { localPlayground: { user: TeamsUser; ssoToken: (user: TeamsUser) => string } };

const CONFIRMATION_MEMORY_SECONDS = 24 * 60 * 60;
const EXCHANGE_MEMORY_SECONDS = 10 * 60;

export function createBotApp(config: BotConfig, store: Store, options: BotAppOptions = {}): BotApp {
  const inbound = options.inbound ?? 'botframework';
  const logger = options.logger ?? createLogger();
  const log = lineLogger(logger);
  const authority = `${config.entra.authorityHost}/${config.bot.tenantId}`;
  const msal = createMsalClient({
    clientId: config.bot.appId,
    clientSecret: config.bot.appPassword,
    authority,
    knownAuthorities: config.entra.knownAuthorities,
  });
  const adapter = inbound === 'botframework'
    ? createCloudAdapter({
      MicrosoftAppId: config.bot.appId,
      MicrosoftAppPassword: config.bot.appPassword,
      MicrosoftAppTenantId: config.bot.tenantId,
      ToBotFromChannelOpenIdMetadataUrl: config.channel?.openIdMetadataUrl,
      ToBotFromChannelTokenIssuer: config.channel?.tokenIssuer,
      ToChannelFromBotLoginUrl: authority,
    }, msal)
    : new BotAdapter(new ConfigurationBotFrameworkAuthentication({}));
  // The Agents Playground (local mode) has no real tenant; everywhere else only allowed tenants get in.
  if (inbound === 'botframework') adapter.use(new TenantGuard(new Set(config.allowedTenants.map((id) => id.toLowerCase())), log));
  adapter.onTurnError = async (context, error) => {
    logger.error({ err: error }, 'turn failed');
    await context.sendActivity(stringsForLocale(context.activity.locale).bot.turnError).catch(() => undefined);
  };

  // Reads retry within a budget that keeps a command's answer inside Teams' ~15 s window.
  const defender = new DefenderClient({ baseUrl: config.defender.apiUrl, timeoutMs: 5000, readRetry: { maxAttempts: 3, budgetMs: 6000 } });
  const tokens = new UserTokenService(msal, `${config.defender.tokenResource}/.default`);
  const signer = new ActionSigner(config.cardSigningSecret);
  const now = options.now ?? Date.now;
  const views = createViews(() => new Date(now()));
  const screens = new Screens(defender, views, signer, buttonTitles, now);
  const appToken = appTokenSource(msal, config.defender.tokenResource);
  const tracker = new ActionTracker(adapter, defender, store, {
    botAppId: config.bot.appId,
    appToken,
    replicaId: `${os.hostname()}/${process.pid}/${crypto.randomUUID().slice(0, 8)}`,
    firstCheckMs: config.actionPollIntervalMs,
    render: (target, action, shown) => screens.actionStatus(target, action, shown),
    log,
    now,
  });
  const signIn = new SignInFlow(tokens, {
    botAppId: config.bot.appId,
    ssoResourceUri: config.sso.resourceUri,
    connectionName: config.sso.connectionName,
    consentUrl: (user) => consentUrl(config, user),
  }, new OnceLedger<true>(store, 'sso-exchanges', EXCHANGE_MEMORY_SECONDS));
  const local = inbound === 'botframework' ? undefined : inbound.localPlayground;
  const userOf = local ? (_context: TurnContext) => local.user : teamsUserOf;
  const localSsoToken = local?.ssoToken;
  const turn = { adapter, botAppId: config.bot.appId, budgetMs: options.turnBudgetMs ?? TURN_BUDGET_MS };
  const cardActions = new CardActions({
    defender, tokens, signIn, signer, screens, views, tracker, userOf, localSsoToken,
    turn: { ...turn, log },
    responses: new ResponseActions(
      defender, new OnceLedger<string>(store, 'confirmations', CONFIRMATION_MEMORY_SECONDS), (entry) => store.appendAudit(entry),
    ),
  });
  const notifier = createNotifier({
    store,
    defender,
    appToken,
    connector: new TeamsConnectorSender(adapter, config.bot.appId),
    renderAlertCard: (alert, target) => screens.notificationCard(alert, target),
    log,
  }, { poller: { pollIntervalMs: config.notifier.pollIntervalMs } });
  const commands = { screens, subscriptions: notifier.subscriptions, audit: store };
  const bot = new DefenderBot({ commands, tokens, signIn, screens, views, cardActions, userOf, localSsoToken, turn, log });
  const readiness = async (): Promise<ReadinessReport> => {
    const [storage, token] = await Promise.all([check(() => store.ping()), check(async () => void (await appToken()))]);
    return { ready: storage.ok && token.ok, checks: { storage, appToken: token } };
  };
  const { server, inFlight } = createServer({ adapter, bot, logger, readiness });

  tracker.start();
  return {
    server,
    adapter,
    notifier,
    tracker,
    readiness,
    close: async (deadlineMs = 8000) => {
      const deadline = Date.now() + deadlineMs;
      server.close();
      while (inFlight() > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      await Promise.all([tracker.stop(), notifier.stop()]);
    },
  };
}

const CHECK_TIMEOUT_MS = 3000;

async function check(probe: () => Promise<void>): Promise<{ ok: boolean; detail?: string }> {
  try {
    await withDeadline(probe(), CHECK_TIMEOUT_MS, `no answer within ${CHECK_TIMEOUT_MS} ms`);
    return { ok: true };
  } catch (error) {
    return { ok: false, detail: error instanceof Error ? error.message : String(error) };
  }
}

/** Entra's consent page for the bot's delegated Defender permissions, back to the bot when done. */
function consentUrl(config: BotConfig, user: TeamsUser): string {
  const query = new URLSearchParams({
    client_id: config.bot.appId,
    response_type: 'code',
    scope: `${config.defender.tokenResource}/.default`,
    prompt: 'consent',
    ...(config.publicUrl ? { redirect_uri: `${config.publicUrl}/auth/end` } : {}),
  });
  return `${config.entra.authorityHost}/${user.tenantId}/oauth2/v2.0/authorize?${query}`;
}
