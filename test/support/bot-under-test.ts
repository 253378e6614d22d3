import type { AddressInfo } from 'node:net';
import {
  ActivityHandler, CardFactory, TurnContext, type Activity, type AdaptiveCardInvokeResponse,
  type AdaptiveCardInvokeValue, type InvokeResponse,
} from 'botbuilder';
import type restify from 'restify';
import { createCloudAdapter } from '../../src/bot/adapter';
import { createLogger } from '../../src/logging';
import { createServer } from '../../src/server';
import { TwinClock } from '../../src/twin/clock';
import { SEEDED, seedDirectory } from '../../src/twin/directory';
import { EntraTwin } from '../../src/twin/entra';
import { TeamsTwin } from '../../src/twin/teams';

export const SSO_RESOURCE = { id: 'sso-resource-1', uri: `api://botid-${SEEDED.botAppId}` };

export function card(title: string, verbs: string[] = []): Record<string, unknown> {
  return {
    type: 'AdaptiveCard',
    version: '1.5',
    body: [{ type: 'TextBlock', text: title }],
    actions: verbs.map((verb) => ({ type: 'Action.Execute', title: verb, verb, data: { origin: 'card' } })),
  };
}

/** A card that refreshes itself (verb `refresh`) for everyone, or for the listed Teams user ids. */
function refreshingCard(userIds: string[] | undefined): Record<string, unknown> {
  return { ...card('Live alert', ['bump']), refresh: { action: { type: 'Action.Execute', verb: 'refresh', data: { origin: 'refresh' } }, ...(userIds ? { userIds } : {}) } };
}

/**
 * A tiny bot for the twin's tests: records every turn it runs and answers a few commands with the
 * connector operations the tests look at (echo, a card, an OAuthCard, card actions, a failure).
 */
export class TestBot extends ActivityHandler {
  readonly turns: Partial<Activity>[] = [];

  constructor() {
    super();
    this.onTurn(async (context, next) => {
      this.turns.push({ ...context.activity }); // a copy: handlers rewrite the text (mention removal)
      await next();
    });
    this.onMessage(async (context, next) => {
      const text = TurnContext.removeRecipientMention(context.activity).trim();
      if (text === 'card') {
        await context.sendActivity({ attachments: [CardFactory.adaptiveCard(card('Alert 1', ['ack', 'secure']))] });
      } else if (text === 'login') {
        await context.sendActivity({
          attachments: [CardFactory.oauthCard('bot-sso', 'Sign in', 'Sign in to continue', undefined, SSO_RESOURCE)],
        });
      } else if (text === 'refreshing' || text.startsWith('refreshing for ')) {
        // A card that refreshes itself: for everyone (no userIds), or for the Teams user ids listed after "for".
        const userIds = text.startsWith('refreshing for ') ? text.slice('refreshing for '.length).split(' ') : undefined;
        await context.sendActivity({ attachments: [CardFactory.adaptiveCard(refreshingCard(userIds))] });
      } else if (text === 'fail') {
        throw new Error('the bot failed while handling the message');
      } else {
        await context.sendActivity(`echo: ${text}`);
      }
      await next();
    });
  }

  protected override async onAdaptiveCardInvoke(
    context: TurnContext, invokeValue: AdaptiveCardInvokeValue,
  ): Promise<AdaptiveCardInvokeResponse> {
    const who = context.activity.from.name;
    if (invokeValue.action.verb === 'refresh') {
      return { statusCode: 200, type: 'application/vnd.microsoft.card.adaptive', value: card(`Live alert as ${who} sees it`, ['bump']) };
    }
    if (invokeValue.action.verb === 'bump') {
      const updated = refreshingCard(undefined);
      await context.updateActivity({ id: context.activity.replyToId, type: 'message', attachments: [CardFactory.adaptiveCard(updated)] });
      return { statusCode: 200, type: 'application/vnd.microsoft.card.adaptive', value: updated };
    }
    if (invokeValue.action.verb === 'slow') {
      await new Promise((resolve) => setTimeout(resolve, Number((invokeValue.action.data as { ms?: unknown }).ms ?? 0)));
      return { statusCode: 200, type: 'application/vnd.microsoft.card.adaptive', value: card('Slow answer') };
    }
    if (invokeValue.action.verb === 'ack') {
      const updated = card(`Alert 1 acknowledged by ${who}`);
      await context.updateActivity({
        id: context.activity.replyToId, type: 'message', attachments: [CardFactory.adaptiveCard(updated)],
      });
      return { statusCode: 200, type: 'application/vnd.microsoft.card.adaptive', value: updated };
    }
    if (!invokeValue.authentication?.token) {
      return {
        statusCode: 401,
        type: 'application/vnd.microsoft.activity.loginRequest',
        value: {
          text: 'Sign in', connectionName: 'bot-sso', tokenExchangeResource: SSO_RESOURCE,
          buttons: [{ type: 'signin', title: 'Sign in', value: 'https://bot.example/auth-start' }],
        },
      };
    }
    return { statusCode: 200, type: 'application/vnd.microsoft.card.adaptive', value: card(`Secured for ${who}`) };
  }

  protected override async onInvokeActivity(context: TurnContext): Promise<InvokeResponse> {
    if (context.activity.name === 'signin/tokenExchange') {
      return { status: 200, body: { id: (context.activity.value as { id: string }).id, failureDetail: '' } };
    }
    return super.onInvokeActivity(context);
  }
}

export interface BotUnderTest {
  clock: TwinClock;
  entra: EntraTwin;
  teams: TeamsTwin;
  bot: TestBot;
  botEndpoint: string;
  close(): Promise<void>;
}

/** Entra and Teams twins, and a real CloudAdapter on restify that trusts the twin only through its configuration. */
export async function startBotUnderTest(): Promise<BotUnderTest> {
  const clock = new TwinClock();
  const entra = await EntraTwin.start({ directory: seedDirectory(), clock });
  const teams = await TeamsTwin.start({ entra, clock, botAppId: SEEDED.botAppId });
  const adapter = createCloudAdapter({
    MicrosoftAppId: SEEDED.botAppId,
    MicrosoftAppPassword: SEEDED.botAppSecret,
    MicrosoftAppTenantId: SEEDED.tenantId,
    ToBotFromChannelOpenIdMetadataUrl: teams.openIdMetadataUrl,
    ToBotFromChannelTokenIssuer: teams.issuer,
    ToChannelFromBotLoginUrl: entra.authority(SEEDED.tenantId),
    ToChannelFromBotOAuthScope: 'https://api.botframework.com',
  });
  const bot = new TestBot();
  const { server } = createServer({
    adapter, bot, logger: createLogger('silent'), readiness: async () => ({ ready: true, checks: {} }),
  });
  await listen(server);
  const botEndpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/messages`;
  teams.setBotEndpoint(botEndpoint);
  return {
    clock, entra, teams, bot, botEndpoint,
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await teams.close();
      await entra.close();
    },
  };
}

function listen(server: restify.Server): Promise<void> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
}
