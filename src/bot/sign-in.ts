import crypto from 'node:crypto';
import { type AdaptiveCardInvokeResponse, type Attachment, CardFactory, type InvokeResponse, type TurnContext } from 'botbuilder';
import jwt from 'jsonwebtoken';
import { oneLine } from '../cards/format';
import { fill, stringsForLocale } from '../cards/strings';
import type { SignInStates } from '../identity/sign-in-states';
import type { ExchangeOutcome, TeamsUser, UserDefenderToken, UserTokenService } from '../identity/user-tokens';
import type { OnceLedger } from './once';
import { signTicket } from './sign-in-ticket';
import type { ActionSigner } from './signed-actions';
import type { Views } from './views';

/** The verb of the channel sign-in button; its signed data carries the typed command and who typed it. */
export const SIGN_IN_VERB = 'signin.run';

export interface SignInSettings {
  botAppId: string;
  /** Application ID URI of the bot's SSO app registration: `api://botid-<app id>`. */
  ssoResourceUri: string;
  /** Label of the SSO connection in the OAuthCard and invokes (Teams honours only the exchange id). */
  connectionName: string;
  /** The bot's public base URL: the interactive sign-in starts at `/auth/start` there (a validDomains host). */
  publicUrl(): string;
}

export interface PendingCommand {
  text: string;
  locale?: string;
}

/** The Teams user behind a turn, or undefined when the channel did not say who it is. */
export function teamsUserOf(context: TurnContext): TeamsUser | undefined {
  const { from, conversation, channelData } = context.activity;
  const tenantId = conversation?.tenantId ?? channelData?.tenant?.id;
  if (!from?.aadObjectId || !tenantId) return undefined;
  return { aadObjectId: from.aadObjectId, tenantId };
}

/**
 * Teams single sign-on for the bot: the OAuthCard with a token-exchange resource for personal and
 * group chats, a card with an `Action.Execute` sign-in button in channels (Teams has no OAuthCard
 * SSO there), the `loginRequest` answer for card actions, and the `signin/tokenExchange` invoke
 * (processed once however many Teams clients of the user send it), then on-behalf-of for Defender.
 */
export class SignInFlow {
  constructor(
    private readonly tokens: UserTokenService,
    private readonly settings: SignInSettings,
    private readonly exchanges: OnceLedger<true>,
    private readonly cards: { signer: ActionSigner; views: Views },
    private readonly states: SignInStates,
  ) {}

  /**
   * For a channel (or a chat where the OAuthCard exchange failed): a small card whose Sign in button
   * is an `Action.Execute`, answered with a `loginRequest` (SSO for Universal Actions works in every
   * scope). The button carries the command, signed and bound to the conversation and the person who
   * typed it, so it runs once they are in.
   */
  signInButtonCard(context: TurnContext, user: TeamsUser, text: string, locale: string): Attachment {
    const strings = stringsForLocale(locale).bot.signIn;
    const data = this.cards.signer.sign(SIGN_IN_VERB, { text, oid: user.aadObjectId }, context.activity.conversation.id);
    return this.cards.views.message(locale, {
      kind: 'info',
      title: strings.title,
      text: fill(strings.channelText, { command: oneLine(text.replace(/`/g, "'"), 100) }),
      buttons: [{ title: strings.button, verb: SIGN_IN_VERB, data: { ...data }, style: 'positive' }],
    });
  }

  /** An OAuthCard that makes Teams send the user's SSO token silently (or show a sign-in button). */
  oauthCard(user: TeamsUser, locale: string): Attachment {
    const strings = stringsForLocale(locale).bot.signIn;
    return CardFactory.oauthCard(
      this.settings.connectionName,
      strings.title,
      strings.text,
      this.startUrl(user, locale),
      { id: crypto.randomUUID(), uri: this.settings.ssoResourceUri },
    );
  }

  /** Remembers what the user asked for, so it completes after sign-in without retyping. */
  async rememberPending(context: TurnContext, user: TeamsUser, command: PendingCommand): Promise<void> {
    await this.states.rememberPending(user, context.activity.conversation.id, command);
  }

  takePending(context: TurnContext, user: TeamsUser): Promise<PendingCommand | undefined> {
    return this.states.takePending<PendingCommand>(user, context.activity.conversation.id);
  }

  /** 401 answer to an `Action.Execute` without a usable token: Teams signs the user in and re-sends. */
  loginRequest(user: TeamsUser, silentExchangePossible: boolean, locale: string): AdaptiveCardInvokeResponse {
    const strings = stringsForLocale(locale).bot.signIn;
    return {
      statusCode: 401,
      type: 'application/vnd.microsoft.activity.loginRequest',
      value: {
        text: strings.title,
        connectionName: this.settings.connectionName,
        ...(silentExchangePossible
          ? { tokenExchangeResource: { id: crypto.randomUUID(), uri: this.settings.ssoResourceUri } }
          : {}),
        buttons: [{ type: 'signin', title: strings.button, value: this.startUrl(user, locale) }],
      },
    } as AdaptiveCardInvokeResponse;
  }

  /**
   * Handles `signin/tokenExchange`. Every caller gets the exchange's outcome (a 412 makes Teams show
   * the sign-in button); of identical exchanges from several clients only the first goes on to `then`.
   */
  async handleTokenExchange(
    context: TurnContext,
    then: (token: UserDefenderToken) => Promise<void>,
  ): Promise<InvokeResponse> {
    const value = (context.activity.value ?? {}) as { id?: unknown; connectionName?: unknown; token?: unknown };
    const user = teamsUserOf(context);
    const id = typeof value.id === 'string' ? value.id : '';
    const failed = (failureDetail: string): InvokeResponse => ({
      status: 412,
      body: { id, connectionName: this.settings.connectionName, failureDetail },
    });
    if (!user || typeof value.token !== 'string' || !id) return failed('The token exchange request was incomplete.');
    const outcome = await this.exchange(user, value.token);
    if (!outcome.ok) return failed(outcome.detail);
    if (!(await this.exchanges.claim(`${context.activity.conversation.id}/${id}`))) return { status: 200 };
    await then(outcome.token);
    return { status: 200, body: { id, connectionName: this.settings.connectionName, failureDetail: '' } };
  }

  /**
   * The on-behalf-of exchange of a Teams SSO token. When it fails, what the interactive sign-in
   * will need is kept for `/auth/start`: Conditional Access claims, and the user's sign-in name.
   */
  async exchange(user: TeamsUser, ssoToken: string): Promise<ExchangeOutcome> {
    const outcome = await this.tokens.exchange(user, ssoToken);
    if (!outcome.ok) {
      const { preferred_username: loginHint } = (jwt.decode(ssoToken) ?? {}) as { preferred_username?: unknown };
      await this.states.rememberNeeds(user, {
        ...(outcome.reason === 'interaction_required' ? { claims: outcome.claims } : {}),
        ...(typeof loginHint === 'string' && loginHint.length <= 256 ? { loginHint } : {}),
      });
    }
    return outcome;
  }

  /**
   * `signin/verifyState`: Teams reports the code the sign-in page gave `notifySuccess`. Only an
   * unused code of this user's own completed sign-in counts; then `then` runs with their token.
   */
  async handleVerifyState(context: TurnContext, then: (token: UserDefenderToken) => Promise<void>): Promise<InvokeResponse> {
    const user = teamsUserOf(context);
    const { state } = (context.activity.value ?? {}) as { state?: unknown };
    const token = user && (await this.tokenFromState(user, state));
    if (!token) return { status: 412, body: { failureDetail: 'The sign-in could not be confirmed. Press Sign in again.' } };
    await then(token);
    return { status: 200 };
  }

  /** The user's token after an interactive sign-in whose one-time code Teams passed back (`state`). */
  async tokenFromState(user: TeamsUser, state: unknown): Promise<UserDefenderToken | undefined> {
    if (typeof state !== 'string' || !(await this.states.redeemCode(user, state))) return undefined;
    return this.tokens.cached(user);
  }

  /** true for the first report of a failed OAuthCard exchange (each of the user's Teams clients sends one). */
  async firstFailureReport(context: TurnContext): Promise<boolean> {
    const { conversation, replyToId, id } = context.activity;
    return this.exchanges.claim(`failure/${conversation.id}/${replyToId ?? id ?? ''}`);
  }

  /** The bot's own sign-in start page for this user: Teams opens it only on a validDomains host. */
  private startUrl(user: TeamsUser, locale: string): string {
    return `${this.settings.publicUrl()}/auth/start?${new URLSearchParams({ ticket: signTicket(this.cards.signer, user, locale) })}`;
  }
}

export const INVALID_AUTH_CODE = 'application/vnd.microsoft.error.invalidAuthCode';
