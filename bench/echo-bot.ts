import { ActivityHandler, TurnContext } from 'botbuilder';
import { createCloudAdapter } from '../src/bot/adapter';
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
 * The echo bot on the product's own stack: restify with the product's request logging
 * (createServer), a CloudAdapter that validates every inbound activity and replies through the
 * connector with its own Bot Framework token (createCloudAdapter).
 */
export function createEchoServer(config: BotConfig, logger: Logger): BotServer {
  const adapter = createCloudAdapter({
    MicrosoftAppId: config.bot.appId,
    MicrosoftAppPassword: config.bot.appPassword,
    MicrosoftAppTenantId: config.bot.tenantId,
    ToBotFromChannelOpenIdMetadataUrl: config.channel?.openIdMetadataUrl,
    ToBotFromChannelTokenIssuer: config.channel?.tokenIssuer,
    ToChannelFromBotLoginUrl: `${config.entra.authorityHost}/${config.bot.tenantId}`,
  });
  return createServer({ adapter, bot: new EchoBot(), logger, readiness: async () => ({ ready: true, checks: {} }) });
}
