import crypto from 'node:crypto';
import os from 'node:os';
import { type CloudAdapter, ConfigurationBotFrameworkAuthentication, CloudAdapter as BotAdapter, type TurnContext } from 'botbuilder';
import type restify from 'restify';
import { lineLogger, type Logger, createLogger } from './logging';
import { stringsForLocale } from './cards/strings';
import { createViews, buttonTitles } from './cards/views';
import { type BotConfig, DEFAULT_APPROVAL_POLICY } from './config';
import { observedConnector, observedStore } from './telemetry';
import { DefenderClient } from './defender/client';
import { GraphSecurityClient } from './graph/client';
import { createMsalClient, userMsalClients } from './identity/msal-client';
import { SealedTokenCache } from './identity/token-cache';
import { type TeamsUser, UserTokenService } from './identity/user-tokens';
import { ActionTracker } from './bot/action-tracker';
import { BOT_FRAMEWORK_CLOUDS, createCloudAdapter } from './bot/adapter';
import { DefenderBot } from './bot/bot';
import { CardActions } from './bot/card-actions';
import { OnceLedger } from './bot/once';
import { ReplyPacing, ThrottledReplyError } from './bot/reply-pacing';
import { ResponseActions } from './bot/responses';
import { Screens } from './bot/screens';
import { AlertTriage } from './bot/triage/pipeline';
import { IndicatorActions } from './bot/indicators';
import { PermissionScreen } from './bot/permissions';
import { IncidentScreens } from './bot/incidents';
import { HuntScreens } from './bot/hunting';
import { SignInFlow, teamsUserOf } from './bot/sign-in';
import { registerSignInPages } from './bot/sign-in-pages';
import { SignInStates } from './identity/sign-in-states';
import { ActionSigner } from './bot/signed-actions';
import { TenantGuard } from './bot/tenant-guard';
import { TURN_BUDGET_MS } from './bot/turn-budget';
import { DailyJob } from './notify/daily-job';
import { createNotifier, type Notifier } from './notify/notifier';
import { readDigest } from './notify/storm-digest';
import { appTokenSource } from './notify/app-token';
import { DEFAULT_SEND_RATE_LIMITS, SendPacer, type SendRateLimits } from './notify/pacer';
import { PacedSender } from './notify/paced-sender';
import { TeamsConnectorSender } from './notify/teams-sender';
import { cachedFor, check, READINESS_CACHE_MS, type ReadinessReport } from './readiness';
import { createServer } from './server';
import { type AuditEntry, type Store, StoreUnavailableError } from './store/store';
import { TwoPersonApproval } from './bot/responses/policies/two-person-approval';
import { ApprovalActions } from './bot/approval-actions';
import { IsolationLedger } from './bot/isolation-ledger';
import { IsolatedDevices } from './bot/isolated-devices';
import { ReleaseReminders } from './bot/release-reminders';

export interface BotApp {
  server: restify.Server;
  adapter: CloudAdapter;
  /** Alert notifications: started by the caller (`notifier.start()`), stopped by close(). */
  notifier: Notifier;
  /** The daily retention sweep of the audit log and sent notification payloads: started by the caller, stopped by close(). */
  retention: DailyJob;
  /** Follows submitted response actions from the store (started here; any replica may carry on). */
  tracker: ActionTracker;
  /** Posts due release reminders of isolations (started here; one replica at a time, each reminder once). */
  reminders: ReleaseReminders;
  /** Two-person requests; marks those that expire unanswered (started here; one replica at a time). */
  approvals: ApprovalActions;
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
  /** Limits for replies; default Teams' own. A benchmark whose Teams twin has its limits off turns them off here too. */
  replyRateLimits?: SendRateLimits;
  /** How long a connection to the Bot Connector may sit idle (default 30 s; tests shorten it). */
  connectorIdleSocketMs?: number;
  /** Epoch ms for ages on cards and follow-up timing; tests pass the twin's clock. */
  now?: () => number;
  /** How long a card action may take before it answers "still working" and finishes later (default 12 s). */
  turnBudgetMs?: number;
  /** How often a replica looks for due release reminders and requests that expired unanswered (default 60 s). */
  reminderCheckMs?: number;
}

/**
 * How inbound activities are authenticated. `botframework` validates every JWT (production, and
 * tests against the Teams twin). `local-playground` accepts the Agents Playground's unsigned
 * activities and maps its mocked user to a twin user: only the local-mode composition root passes it.
 */
export type InboundMode = 'botframework' | { localPlayground: { user: TeamsUser; ssoToken: (user: TeamsUser) => string } };

const CONFIRMATION_MEMORY_SECONDS = 24 * 60 * 60;
const EXCHANGE_MEMORY_SECONDS = 10 * 60;
/** A turn's replies wait for a send slot (and out a 429) at most this long: Teams wants its answer within ~15 s. */
const REPLY_ANSWER_WINDOW_MS = 10_000;
/** A release reminder or an expired request's card waits this long at most for its slot, else it is tried at a later round. */
const BACKGROUND_POST_MAX_WAIT_MS = 30_000;

export function createBotApp(config: BotConfig, store: Store, options: BotAppOptions = {}): BotApp {
  store = observedStore(store);
  const inbound = options.inbound ?? 'botframework';
  const logger = options.logger ?? createLogger();
  const log = lineLogger(logger);
  const authority = `${config.entra.authorityHost}/${config.bot.tenantId}`;
  const msalSettings = {
    clientId: config.bot.appId,
    clientSecret: config.bot.appPassword,
    authority,
    knownAuthorities: config.entra.knownAuthorities,
  };
  // The app's own client (Bot Framework and notifier tokens); users' tokens go through per-user clients.
  const msal = createMsalClient(msalSettings);
  const botFramework = BOT_FRAMEWORK_CLOUDS[config.botFrameworkCloud];
  const adapter = inbound === 'botframework'
    ? createCloudAdapter({
      MicrosoftAppId: config.bot.appId,
      MicrosoftAppPassword: config.bot.appPassword,
      MicrosoftAppTenantId: config.bot.tenantId,
      ToBotFromChannelOpenIdMetadataUrl: config.channel?.openIdMetadataUrl ?? botFramework.ToBotFromChannelOpenIdMetadataUrl,
      ToBotFromChannelTokenIssuer: config.channel?.tokenIssuer ?? botFramework.ToBotFromChannelTokenIssuer,
      ToChannelFromBotLoginUrl: authority,
      ToChannelFromBotOAuthScope: botFramework.ToChannelFromBotOAuthScope,
    }, msal, options.connectorIdleSocketMs)
    : new BotAdapter(new ConfigurationBotFrameworkAuthentication({}));
  // The Agents Playground (local mode) has no real tenant; everywhere else only allowed tenants get in.
  if (inbound === 'botframework') adapter.use(new TenantGuard(new Set(config.allowedTenants.map((id) => id.toLowerCase())), log));
  // One pacer for everything this replica posts: replies (first) and notifications.
  const pacer = new SendPacer(DEFAULT_SEND_RATE_LIMITS, options.replyRateLimits);
  adapter.use(new ReplyPacing(pacer, REPLY_ANSWER_WINDOW_MS));
  adapter.onTurnError = async (context, error) => {
    if (error instanceof ThrottledReplyError) {
      // Teams refuses every message in the conversation for now, an apology included.
      logger.warn({ conversationId: error.conversationId, waitedMs: error.waitedMs }, 'Teams throttled the reply; the user was not answered');
      return;
    }
    const strings = stringsForLocale(context.activity.locale).bot;
    if (error instanceof StoreUnavailableError) {
      // The outage itself is logged once by the store.
      await context.sendActivity(strings.problems.storageUnavailableText).catch(() => undefined);
      return;
    }
    logger.error({ err: error }, 'turn failed');
    await context.sendActivity(strings.turnError).catch(() => undefined);
  };

  // Reads retry within a budget that keeps a command's answer inside Teams' ~15 s window.
  const defender = new DefenderClient({ baseUrl: config.defender.apiUrl, timeoutMs: 5000, readRetry: { maxAttempts: 3, budgetMs: 6000 } });
  const defenderScope = `${config.defender.tokenResource}/.default`;
  const tokenCache = new SealedTokenCache(store, config.tokenCacheKey);
  const tokens = new UserTokenService(userMsalClients(msalSettings, tokenCache), tokenCache, defenderScope);
  const signer = new ActionSigner(config.cardSigningSecret);
  const now = options.now ?? Date.now;
  const views = createViews(() => new Date(now()));
  const approvalPolicy = config.approval ?? DEFAULT_APPROVAL_POLICY;
  const ledger = new IsolationLedger(store, config.isolationReminder, now);
  const screens = new Screens(defender, views, signer, buttonTitles, now, { approval: approvalPolicy, ledger }, (digestId) => readDigest(store, digestId));
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
  const signInStates = new SignInStates(store);
  const publicUrl = () => config.publicUrl ?? `http://localhost:${config.port}`;
  const signIn = new SignInFlow(tokens, {
    botAppId: config.bot.appId,
    ssoResourceUri: config.sso.resourceUri,
    connectionName: config.sso.connectionName,
    publicUrl,
  }, new OnceLedger<true>(store, 'sso-exchanges', EXCHANGE_MEMORY_SECONDS, { rememberLocallyWhenStoreIsDown: true }), { signer, views }, signInStates);
  const local = inbound === 'botframework' ? undefined : inbound.localPlayground;
  const userOf = local ? (_context: TurnContext) => local.user : teamsUserOf;
  const localSsoToken = local?.ssoToken;
  const turn = { adapter, botAppId: config.bot.appId, budgetMs: options.turnBudgetMs ?? TURN_BUDGET_MS };
  const notifier = createNotifier({
    store,
    defender,
    appToken,
    connector: observedConnector(new TeamsConnectorSender(adapter, config.bot.appId)),
    renderAlertCard: (alert, target) => screens.notificationCard(alert, target),
    renderDigestCard: (digest, target) => screens.notificationDigest(digest, target),
    pacer,
    log,
  }, {
    poller: { pollIntervalMs: config.notifier.pollIntervalMs, ...(config.notifier.digest ? { digest: config.notifier.digest } : {}) },
    subscriberRecheckMs: config.notifier.subscriberRecheckMs });
  const retention = new DailyJob({
    store, name: 'retention', replicaId: `${os.hostname()}/${process.pid}/${crypto.randomUUID().slice(0, 8)}`, log,
    // A routine sweep's count is information, not a warning.
    report: (line) => logger.info(line),
    run: async () => {
      const day = 24 * 60 * 60 * 1000;
      const pruned = await store.prune({
        auditBefore: new Date(Date.now() - config.retention.auditDays * day),
        sentOutboxBefore: new Date(Date.now() - config.retention.notificationDays * day),
      });
      return `deleted ${pruned.audit} audit entries older than ${config.retention.auditDays} days and ${pruned.outbox} sent notification payloads older than ${config.retention.notificationDays} days`;
    },
  });
  const graphScope = `${config.graph.tokenResource}/.default`;
  const graph = new GraphSecurityClient({ baseUrl: config.graph.apiUrl, timeoutMs: 5000, readRetry: { maxAttempts: 3, budgetMs: 6000 } });
  const graphToken = (user: TeamsUser) => tokens.tokenFor(user, graphScope);
  const incidents = new IncidentScreens({ graph, graphToken, views, signer, openTitle: (locale) => buttonTitles(locale).open });
  const hunting = new HuntScreens({ graph, graphToken, views });
  const audit = (entry: AuditEntry) => store.appendAudit(entry);
  const twoPerson = new TwoPersonApproval(store, defender, approvalPolicy, appToken, now);
  const responses = new ResponseActions(defender, new OnceLedger<string>(store, 'confirmations', CONFIRMATION_MEMORY_SECONDS), audit, twoPerson);
  const triage = new AlertTriage(
    defender, audit, notifier.postedCards, new OnceLedger<true>(store, 'triage-forms', CONFIRMATION_MEMORY_SECONDS), log,
  );
  const indicators = new IndicatorActions({
    defender, views, signer, ledger: new OnceLedger<string>(store, 'indicator-confirmations', CONFIRMATION_MEMORY_SECONDS), audit, now,
  });
  const permissions = new PermissionScreen({ views, graphToken, appToken: () => appToken(), scopes: notifier.scopes });
  const isolated = new IsolatedDevices({ defender, ledger, screens, views });
  const commands = {
    screens, subscriptions: notifier.subscriptions, scopes: notifier.scopes, audit: store, incidents, hunting, responses, triage, indicators, permissions, isolated,
  };
  // Reminders and expired requests' cards share the replica's pacer with replies and notifications.
  const reminderConnector = new PacedSender(new TeamsConnectorSender(adapter, config.bot.appId), pacer, BACKGROUND_POST_MAX_WAIT_MS);
  const reminders = new ReleaseReminders({
    ledger, defender, appToken, screens, views, audit, log, now,
    post: (reference, card) => reminderConnector.post(reference, card),
    replicaId: `${os.hostname()}/${process.pid}/${crypto.randomUUID().slice(0, 8)}`,
    checkMs: options.reminderCheckMs ?? 60_000,
  });
  const approvals = new ApprovalActions({
    approvals: twoPerson, responses, screens, views, audit, store, log, now,
    update: (reference, messageId, card) => reminderConnector.update(reference, messageId, card),
    replicaId: `${os.hostname()}/${process.pid}/${crypto.randomUUID().slice(0, 8)}`,
    checkMs: options.reminderCheckMs ?? 60_000,
  });
  const cardActions = new CardActions({
    defender, tokens, signIn, signer, screens, views, tracker, userOf, localSsoToken, commands, responses,
    turn: { ...turn, log },
    approvals,
    ledger,
    reminders,
  });
  const bot = new DefenderBot({ commands, tokens, signIn, screens, views, cardActions, userOf, localSsoToken, turn, log });
  const readiness = cachedFor(READINESS_CACHE_MS, async (): Promise<ReadinessReport> => {
    const [storage, token] = await Promise.all([
      check('storage', () => store.ping(), log), check('appToken', async () => void (await appToken()), log),
    ]);
    return { ready: storage.ok && token.ok, checks: { storage, appToken: token } };
  });
  const { server, inFlight } = createServer({
    adapter, bot, logger, readiness,
    routes: (routes) => registerSignInPages(routes, { msal, tokens, states: signInStates, signer, defenderScope, publicUrl, log }),
    serviceUrls: inbound === 'botframework' ? 'any' : 'loopback',
  });

  tracker.start();
  reminders.start();
  approvals.start();
  return {
    server,
    adapter,
    notifier,
    retention,
    tracker,
    reminders,
    approvals,
    readiness,
    close: async (deadlineMs = 8000) => {
      const deadline = Date.now() + deadlineMs;
      server.close();
      while (inFlight() > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      await Promise.all([tracker.stop(), reminders.stop(), approvals.stop(), notifier.stop(), retention.stop()]);
    },
  };
}
