import { type CloudAdapter, type InvokeResponse, TeamsActivityHandler, TurnContext } from 'botbuilder';
import { type CardStrings, fill, stringsForLocale } from '../cards/strings';
import type { TeamsUser, UserDefenderToken, UserTokenService } from '../identity/user-tokens';
import type { Acting, UserIdentification } from './acting';
import { type CardActions, localeOf } from './card-actions';
import { parseCommand, type ParseResult, USAGE } from './commands/parse';
import type { CommandDeps } from './commands/run';
import type { Screens } from './screens';
import { TurnOutput, withinBudget } from './turn-budget';
import type { SignInFlow } from './sign-in';
import { isRefusedToken, postTypedCommand } from './typed-command';
import type { Views } from './views';

export interface BotDeps extends UserIdentification {
  commands: CommandDeps;
  tokens: UserTokenService;
  signIn: SignInFlow;
  screens: Screens;
  views: Views;
  cardActions: CardActions;
  /** The same turn budget as card actions (see turn-budget.ts). */
  turn: { adapter: CloudAdapter; botAppId: string; budgetMs: number };
  log(line: string): void;
}

/**
 * The Teams bot: messages become commands run as the sender; card buttons and the SSO exchange
 * arrive as invokes.
 */
export class DefenderBot extends TeamsActivityHandler {
  constructor(private readonly deps: BotDeps) {
    super();
    this.onMessage(async (context, next) => {
      await this.handleMessage(context);
      await next();
    });
    this.onInstallationUpdateAdd(async (context, next) => {
      await this.deps.commands.subscriptions.recordInstall(context.activity);
      await next();
    });
    this.onInstallationUpdateRemove(async (context, next) => {
      await this.deps.commands.subscriptions.recordRemoval(context.activity);
      await next();
    });
  }

  protected override async onInvokeActivity(context: TurnContext): Promise<InvokeResponse> {
    switch (context.activity.name) {
      case 'adaptiveCard/action':
        return { status: 200, body: await this.deps.cardActions.handle(context) };
      case 'signin/tokenExchange':
        return this.deps.signIn.handleTokenExchange(context, (token) => this.completePending(context, token));
      case 'signin/verifyState':
        return this.deps.signIn.handleVerifyState(context, (token) => this.completePending(context, token));
      case 'signin/failure':
        return this.reportSignInFailure(context);
      default:
        return super.onInvokeActivity(context);
    }
  }

  private async handleMessage(context: TurnContext): Promise<void> {
    const text = TurnContext.removeRecipientMention(context.activity) ?? context.activity.text ?? '';
    const locale = localeOf(context);
    const parsed = parseCommand(text);
    if (!parsed.ok) {
      await context.sendActivity({ attachments: [this.explain(parsed, locale)] });
      return;
    }
    const { command } = parsed;
    if (command.name === 'help') {
      await context.sendActivity({ attachments: [this.deps.views.help(locale)] });
      return;
    }
    const strings = stringsForLocale(locale).bot;
    const user = this.deps.userOf(context);
    if (!user) {
      await context.sendActivity(strings.whoAreYou);
      return;
    }
    if (command.name === 'signout') {
      await this.deps.tokens.forget(user);
      await context.sendActivity(strings.signedOut);
      return;
    }
    const token = (await this.deps.tokens.cached(user)) ?? (await this.localToken(user));
    if (!token) {
      await this.askToSignIn(context, user, text, locale);
      return;
    }
    await this.runCommand(context, text, token, locale);
  }

  /** In a channel a card with a sign-in button; in chats the OAuthCard Teams exchanges silently. */
  private async askToSignIn(context: TurnContext, user: TeamsUser, text: string, locale: string): Promise<void> {
    if (context.activity.conversation.conversationType === 'channel') {
      await context.sendActivity({ attachments: [this.deps.signIn.signInButtonCard(context, user, text, locale)] });
      return;
    }
    await this.deps.signIn.rememberPending(context, user, { text, locale });
    await context.sendActivity({ attachments: [this.deps.signIn.oauthCard(user, locale)] });
  }

  /**
   * Runs the command within the turn budget (a command that takes longer lets the turn end, and its
   * card is posted when it is ready); when Defender refuses the token itself, it is forgotten and the user signs in again.
   */
  private async runCommand(context: TurnContext, text: string, token: UserDefenderToken, locale: string): Promise<void> {
    const user = this.deps.userOf(context);
    if (!user) return;
    const { activity } = context;
    const acting: Acting = { user, teamsUserId: activity.from.id, token, conversationId: activity.conversation.id, locale };
    const { turn } = this.deps;
    const output = new TurnOutput(context, turn.adapter, turn.botAppId);
    const reply = async () => {
      try {
        await postTypedCommand({ activity }, text, acting, this.deps, (message) => output.send(message));
      } catch (error) {
        if (!isRefusedToken(error)) throw error;
        await this.deps.tokens.forget(user);
        await this.askToSignIn(context, user, text, locale);
      }
    };
    await withinBudget(reply(), turn.budgetMs, () => output.markLate(), this.deps.log);
  }

  /** After the SSO exchange (or the interactive sign-in), the command that asked for sign-in runs without being typed again, in the language it was typed in. */
  private async completePending(context: TurnContext, token: UserDefenderToken): Promise<void> {
    const user = this.deps.userOf(context);
    const pending = user && (await this.deps.signIn.takePending(context, user));
    if (pending) await this.runCommand(context, pending.text, token, pending.locale ?? localeOf(context));
  }

  /**
   * Teams could not get the SSO token for an OAuthCard (`resourcematchfailed`: where Teams has no
   * OAuthCard SSO, or the app's SSO settings are wrong). The command waits behind a sign-in button
   * instead (card-action SSO, with the interactive sign-in as its fallback). Every Teams client of
   * the user reports the failure: one takes the command, and without one the user is told once.
   */
  private async reportSignInFailure(context: TurnContext): Promise<InvokeResponse> {
    const { code, message } = (context.activity.value ?? {}) as { code?: unknown; message?: unknown };
    this.deps.log(`Teams single sign-on failed: ${String(code)} ${String(message ?? '')}`.trim());
    const user = this.deps.userOf(context);
    const pending = user && (await this.deps.signIn.takePending(context, user));
    if (user && pending) {
      const locale = pending.locale ?? localeOf(context);
      await context.sendActivity({ attachments: [this.deps.signIn.signInButtonCard(context, user, pending.text, locale)] });
    } else if (await this.deps.signIn.firstFailureReport(context)) {
      await context.sendActivity(fill(stringsForLocale(localeOf(context)).bot.signInFailed, { code: String(code) }));
    }
    return { status: 200 };
  }

  private async localToken(user: TeamsUser): Promise<UserDefenderToken | undefined> {
    const ssoToken = this.deps.localSsoToken?.(user);
    if (!ssoToken) return undefined;
    const outcome = await this.deps.tokens.exchange(user, ssoToken);
    return outcome.ok ? outcome.token : undefined;
  }

  private explain(parsed: Extract<ParseResult, { ok: false }>, locale: string) {
    const { views } = this.deps;
    const strings = stringsForLocale(locale);
    const input = strings.bot.input;
    switch (parsed.problem) {
      case 'empty':
      case 'unknown':
        return views.help(locale, parsed.suggestion);
      case 'too_long':
        return views.message(locale, { kind: 'warning', title: input.tooLongTitle, text: input.tooLongText });
      case 'missing_argument':
      case 'bad_argument':
        return views.message(locale, {
          kind: 'warning',
          title: parsed.word ? fill(input.notUnderstoodTitle, { word: parsed.word }) : input.missingTitle,
          text: parsed.command ? fill(input.typeUsage, { usage: usageOf(parsed.command, strings) }) : '',
        });
    }
  }
}

/** A command's syntax in the user's language: from the help card's list, or the bot's own table for the rest. */
function usageOf(command: string, strings: CardStrings): string {
  const listed = Object.fromEntries(Object.entries(strings.help.commands).map(([name, { usage }]) => [name, usage]));
  const usages: Record<string, string> = { ...USAGE, ...listed, ...strings.bot.usage };
  return usages[command] ?? command;
}
