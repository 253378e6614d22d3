import { ActivityHandler, CloudAdapter, ConfigurationBotFrameworkAuthentication, TurnContext } from 'botbuilder';
import { botFrameworkAuthenticationSettings } from '../src/bot/adapter';
import type { BotConfig } from '../src/config';
import type { Logger } from '../src/logging';
import { type BotServer, createServer } from '../src/server';

/** The baseline: a bare botbuilder bot that answers every message with its text. */
export class EchoBot extends ActivityHandler {
  constructor() {
    super();
    this.onMessage(async (context, next) => {
      const text = TurnContext.removeRecipientMention(context.activity) ?? '';
      await context.sendActivity(`echo: ${text.trim()}`);
      await next();
    });
  }
}

/**
 * The echo bot on the product's HTTP stack (restify with the product's request logging:
 * createServer) and botbuilder's own CloudAdapter, as a bare botbuilder bot has it, with the
 * product's Bot Framework settings: it validates every inbound activity and replies through the
 * connector with its own token (msal-node). What the product's adapter adds (createCloudAdapter:
 * clients reused across turns, idle connections closed, JWT errors as 401) is the product's.
 */
export function createEchoServer(config: BotConfig, logger: Logger): BotServer {
  const { options, credentials } = botFrameworkAuthenticationSettings({
    MicrosoftAppId: config.bot.appId,
    MicrosoftAppPassword: config.bot.appPassword,
    MicrosoftAppTenantId: config.bot.tenantId,
    ToBotFromChannelOpenIdMetadataUrl: config.channel?.openIdMetadataUrl,
    ToBotFromChannelTokenIssuer: config.channel?.tokenIssuer,
    ToChannelFromBotLoginUrl: `${config.entra.authorityHost}/${config.bot.tenantId}`,
  });
  const adapter = new CloudAdapter(new ConfigurationBotFrameworkAuthentication(options, credentials));
  return createServer({ adapter, bot: new EchoBot(), logger, readiness: async () => ({ ready: true, checks: {} }) });
}
