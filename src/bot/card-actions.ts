import { type AdaptiveCardInvokeResponse, type Attachment, TurnContext } from 'botbuilder';
import { fill, stringsForLocale } from '../cards/strings';
import type { DefenderClient } from '../defender/client';
import type { UserDefenderToken, UserTokenService, TeamsUser } from '../identity/user-tokens';
import { type Acting, tokenSource, type UserIdentification } from './acting';
import type { ActionTracker } from './action-tracker';
import { backFrom, CARD_LIFETIME_SECONDS, CONFIRM_LIFETIME_SECONDS, VERBS } from './buttons';
import { isPassingOutage, problemView } from './problems';
import type { InputProblem, ResponseActions } from './responses';
import type { Screens } from './screens';
import { INVALID_AUTH_CODE, SIGN_IN_VERB, type SignInFlow } from './sign-in';
import { ActionRejectedError, type ActionSigner, type VerifiedAction } from './signed-actions';
import { isRefusedToken, postTypedCommand, type TypedCommandDeps } from './typed-command';
import type { ResponseKind, Views } from './views';

const CARD = 'application/vnd.microsoft.card.adaptive';
const MESSAGE = 'application/vnd.microsoft.activity.message';
const ERROR = 'application/vnd.microsoft.error';

export interface CardActionDeps extends UserIdentification, TypedCommandDeps {
  defender: DefenderClient;
  tokens: UserTokenService;
  signIn: SignInFlow;
  signer: ActionSigner;
  screens: Screens;
  views: Views;
  responses: ResponseActions;
  tracker: ActionTracker;
}

const CONFIRM_VERBS: Record<string, ResponseKind> = { [VERBS.confirm.isolate]: 'isolate', [VERBS.confirm.release]: 'release' };
const ASK_VERBS: Record<string, ResponseKind> = { [VERBS.ask.isolate]: 'isolate', [VERBS.ask.release]: 'release' };

/**
 * `adaptiveCard/action` invokes: verify the signed button data, act as the clicking user (their own
 * token, or a 401 loginRequest so Teams signs them in and re-sends), and answer with the new card.
 */
export class CardActions {
  constructor(private readonly deps: CardActionDeps) {}

  async handle(context: TurnContext): Promise<AdaptiveCardInvokeResponse> {
    const value = (context.activity.value ?? {}) as {
      action?: { verb?: unknown; data?: unknown }; authentication?: { token?: unknown }; state?: unknown;
    };
    const locale = localeOf(context);
    const strings = stringsForLocale(locale).bot.cardActions;
    const user = this.deps.userOf(context);
    if (!user) return errorResponse(400, 'BadRequest', strings.notFromUser);
    const verb = value.action?.verb;
    let verified: VerifiedAction;
    try {
      const shortLived = typeof verb === 'string' && (Boolean(CONFIRM_VERBS[verb]) || verb === SIGN_IN_VERB);
      const maxAge = shortLived ? CONFIRM_LIFETIME_SECONDS : CARD_LIFETIME_SECONDS;
      verified = this.deps.signer.verify(verb, value.action?.data, context.activity.conversation.id, maxAge);
    } catch (error) {
      if (error instanceof ActionRejectedError && error.reason === 'expired') {
        return this.card(this.deps.views.message(locale, { kind: 'warning', title: strings.expiredTitle, text: strings.expiredText }));
      }
      return errorResponse(400, 'BadRequest', strings.invalidAction);
    }

    if (verified.verb === SIGN_IN_VERB && verified.params.oid !== user.aadObjectId) {
      const signIn = stringsForLocale(locale).bot.signIn;
      return this.card(this.deps.views.message(locale, { kind: 'warning', title: signIn.notYoursTitle, text: signIn.notYoursText }));
    }
    const token = await this.tokenFor(user, value.authentication?.token, value.state);
    if (token.ok === 'bad_state') return { statusCode: 401, type: INVALID_AUTH_CODE, value: null } as unknown as AdaptiveCardInvokeResponse;
    if (!token.ok) return this.deps.signIn.loginRequest(user, token.silentPossible, locale);
    const acting: Acting = { user, token: token.token, conversationId: context.activity.conversation.id, locale };
    try {
      return await this.dispatch(context, acting, verified);
    } catch (error) {
      if (isRefusedToken(error)) {
        // Defender refused the token (revoked): forget it, and Teams signs the user in and re-sends.
        await this.deps.tokens.forget(user);
        return this.deps.signIn.loginRequest(user, true, locale);
      }
      const problem = problemView(error, locale);
      // The card keeps its buttons (Teams shows the text and leaves the card as it was), so the same click can be repeated.
      if (isPassingOutage(error)) return messageResponse(problem.text);
      return this.card(this.deps.views.message(locale, problem));
    }
  }

  private async dispatch(context: TurnContext, acting: Acting, action: VerifiedAction): Promise<AdaptiveCardInvokeResponse> {
    const { screens } = this.deps;
    const { params } = action;
    switch (action.verb) {
      case VERBS.openAlert:
        return this.postBelow(context, await screens.alert(acting, params.alertId ?? ''));
      case VERBS.openDevice:
        return this.postBelow(context, await screens.deviceById(acting, params.machineId ?? ''));
      case VERBS.refreshAlert:
        return this.card(await screens.alert(acting, params.alertId ?? ''));
      case VERBS.refreshDevice:
        return this.card(await screens.deviceById(acting, params.machineId ?? ''));
      case VERBS.actionStatus:
        return this.card(screens.actionStatus(acting, await this.deps.defender.getMachineAction(tokenSource(acting), params.actionId ?? '')));
      case VERBS.cancel:
        return this.card(await screens.back(acting, params.machineId ?? '', backFrom(params)));
      case SIGN_IN_VERB:
        return this.card(await this.runAfterSignIn(context, acting, params.text ?? ''));
    }
    if (this.deps.commands.incidents.handles(action.verb)) {
      const answer = await this.deps.commands.incidents.act(context, acting, action);
      return 'below' in answer ? this.postBelow(context, answer.below) : this.card(answer.card);
    }
    const ask = ASK_VERBS[action.verb];
    if (ask) {
      const machine = await this.deps.defender.getMachine(tokenSource(acting), params.machineId ?? '');
      return this.card(await screens.confirm(acting, ask, machine, backFrom(params)));
    }
    const confirm = CONFIRM_VERBS[action.verb];
    if (confirm && action.nonce) return this.confirm(context, acting, confirm, params.machineId ?? '', action);
    return errorResponse(400, 'BadRequest', stringsForLocale(acting.locale).bot.cardActions.unknownAction);
  }

  /** The channel sign-in button: the person is signed in now, so the command they typed runs (posted below). */
  private async runAfterSignIn(context: TurnContext, acting: Acting, text: string): Promise<Attachment> {
    await postTypedCommand(context, text, acting, this.deps);
    const strings = stringsForLocale(acting.locale).bot.signIn;
    return this.deps.views.message(acting.locale, {
      kind: 'info', title: strings.signedInTitle, text: fill(strings.signedInText, { upn: acting.token.upn, command: text }),
    });
  }

  private async confirm(
    context: TurnContext, acting: Acting, kind: ResponseKind, machineId: string, action: VerifiedAction,
  ): Promise<AdaptiveCardInvokeResponse> {
    const outcome = await this.deps.responses.execute(acting, { kind, machineId, nonce: action.nonce!, inputs: action.inputs });
    const strings = stringsForLocale(acting.locale).bot;
    if (outcome.done === 'invalid_input') {
      return this.card(this.deps.views.message(acting.locale, {
        kind: 'warning', title: strings.cardActions.checkInputTitle, text: inputProblemText(outcome.problem, acting.locale),
      }));
    }
    if (!outcome.action) {
      return this.card(this.deps.views.message(acting.locale, {
        kind: 'info', title: strings.cardActions.alreadySubmittedTitle, text: strings.cardActions.alreadySubmittedText,
      }));
    }
    const statusCard = this.deps.screens.actionStatus(acting, outcome.action);
    const messageId = context.activity.replyToId;
    if (outcome.done === 'created' && messageId) {
      // Everyone in the conversation sees the action, not only the person who clicked.
      await context.updateActivity({ type: 'message', id: messageId, attachments: [statusCard] });
      this.deps.tracker.track({
        acting, action: outcome.action, messageId, reference: TurnContext.getConversationReference(context.activity),
      });
    }
    return this.card(statusCard);
  }

  /**
   * The clicking user's token: held already; from the sign-in Teams just completed (`state`, after
   * the interactive sign-in; a bad or used one is refused); or from the SSO token Teams re-sent.
   */
  private async tokenFor(
    user: TeamsUser, resentToken: unknown, state: unknown,
  ): Promise<{ ok: true; token: UserDefenderToken } | { ok: false; silentPossible: boolean } | { ok: 'bad_state' }> {
    if (state !== undefined) {
      const signedIn = await this.deps.signIn.tokenFromState(user, state);
      return signedIn ? { ok: true, token: signedIn } : { ok: 'bad_state' };
    }
    const cached = await this.deps.tokens.cached(user);
    if (cached) return { ok: true, token: cached };
    const ssoToken = typeof resentToken === 'string' ? resentToken : this.deps.localSsoToken?.(user);
    if (!ssoToken) return { ok: false, silentPossible: true };
    const outcome = await this.deps.signIn.exchange(user, ssoToken);
    return outcome.ok ? { ok: true, token: outcome.token } : { ok: false, silentPossible: false };
  }

  private async postBelow(context: TurnContext, card: Attachment): Promise<AdaptiveCardInvokeResponse> {
    await context.sendActivity({ attachments: [card] });
    return messageResponse(stringsForLocale(localeOf(context)).bot.cardActions.openedBelow);
  }

  private card(card: Attachment): AdaptiveCardInvokeResponse {
    return { statusCode: 200, type: CARD, value: card.content } as AdaptiveCardInvokeResponse;
  }
}

/** Teams shows the text and leaves the card unchanged. */
function messageResponse(text: string): AdaptiveCardInvokeResponse {
  return { statusCode: 200, type: MESSAGE, value: text } as unknown as AdaptiveCardInvokeResponse;
}

export function localeOf(context: TurnContext): string {
  return context.activity.locale ?? 'en-US';
}

function inputProblemText(problem: InputProblem, locale: string): string {
  const strings = stringsForLocale(locale).bot.responseInput;
  switch (problem.kind) {
    case 'comment_required':
      return strings.commentRequired;
    case 'comment_too_long':
      return fill(strings.commentTooLong, { length: problem.length, max: problem.max });
    case 'isolation_type':
      return strings.isolationType;
  }
}

function errorResponse(statusCode: number, code: string, message: string): AdaptiveCardInvokeResponse {
  return { statusCode, type: ERROR, value: { code, message } } as unknown as AdaptiveCardInvokeResponse;
}
