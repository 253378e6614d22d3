import { ActivityHandler, TurnContext } from 'botbuilder';
import type { BotConfig } from '../src/config';
import type { Logger } from '../src/logging';
import type { BotServer } from '../src/server';
import { botModule } from './bot-modules';

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
export function echoServerFactory(): (config: BotConfig, logger: Logger) => BotServer {
  const { createCloudAdapter } = botModule<typeof import('../src/bot/adapter')>('bot/adapter');
  const { createServer } = botModule<typeof import('../src/server')>('server');
  return (config, logger) => createEchoServer(config, logger, createCloudAdapter, createServer);
}

function createEchoServer(
  config: BotConfig, logger: Logger,
  createCloudAdapter: typeof import('../src/bot/adapter').createCloudAdapter, createServer: typeof import('../src/server').createServer,
): BotServer {
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
