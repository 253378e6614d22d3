import type { AdaptiveCardInvokeResponse, Attachment, CloudAdapter, TurnContext } from 'botbuilder';
import { fill, stringsForLocale } from '../cards/strings';
import type { DefenderClient } from '../defender/client';
import type { UserDefenderToken, UserTokenService, TeamsUser } from '../identity/user-tokens';
import { type Acting, tokenSource, type UserIdentification } from './acting';
import type { ActionTracker } from './action-tracker';
import { argumentFrom, backFrom, CARD_LIFETIME_SECONDS, CONFIRM_LIFETIME_SECONDS, VERBS } from './buttons';
import { DefenderApiError } from '../defender/errors';
import { isPassingOutage, problemView } from './problems';
import { TurnOutput, withinBudget } from './turn-budget';
import type { InputProblem, ResponseActions, ResponseOutcome } from './responses';
import type { Screens } from './screens';
import { INVALID_AUTH_CODE, SIGN_IN_VERB, type SignInFlow } from './sign-in';
import { ActionRejectedError, type ActionSigner, type VerifiedAction } from './signed-actions';
import { isRefusedToken, postTypedCommand, type TypedCommandDeps } from './typed-command';
import type { ResponseDefinition } from './responses/definition';
import { responseStep } from './responses/registry';
import { type TriageDefinition, triageRefusalView } from './triage/definition';
import { triageStep } from './triage/registry';
import type { Views } from './views';
import type { ApprovalActions } from './approval-actions';
import type { IsolationLedger, LedgerPerson } from './isolation-ledger';
import type { ReleaseReminders } from './release-reminders';

const CARD = 'application/vnd.microsoft.card.adaptive';
const MESSAGE = 'application/vnd.microsoft.activity.message';
const ERROR = 'application/vnd.microsoft.error';

export interface CardActionDeps extends UserIdentification, TypedCommandDeps {
  /** How the turn answers within its budget and delivers what comes later. */
  turn: { adapter: CloudAdapter; botAppId: string; budgetMs: number; log(line: string): void };
  defender: DefenderClient;
  tokens: UserTokenService;
  signIn: SignInFlow;
  signer: ActionSigner;
  screens: Screens;
  views: Views;
  responses: ResponseActions;
  tracker: ActionTracker;
  /** Approve and Deny of requests the two-person rule holds; absent when no response needs a second person. */
  approvals?: ApprovalActions;
  /** Records the isolations the bot requests, for `isolated` and release reminders. */
  ledger?: IsolationLedger;
  /** Extend on a release reminder. */
  reminders?: ReleaseReminders;
}


/**
 * `adaptiveCard/action` invokes: verify the signed button data, act as the clicking user (their own
 * token, or a 401 loginRequest so Teams signs them in and re-sends), and answer with the new card.
 */
export class CardActions {
  constructor(private readonly deps: CardActionDeps) {}

  /**
   * Answers within the turn budget whatever Entra and Defender do: after it, the clicker is told the
   * bot carries on, and the work finishes proactively (the card is updated, or the result posted).
   */
  async handle(context: TurnContext): Promise<AdaptiveCardInvokeResponse> {
    const { turn } = this.deps;
    const output = new TurnOutput(context, turn.adapter, turn.botAppId);
    const stillWorking = stringsForLocale(localeOf(context)).bot.cardActions.stillWorking;
    return withinBudget(this.answer(context, output), turn.budgetMs, () => {
      output.markLate();
      return messageResponse(stillWorking);
    }, turn.log);
  }

  /** Everything it needs from the turn's context is read before the first await: after the budget the context is gone. */
  private async answer(context: TurnContext, output: TurnOutput): Promise<AdaptiveCardInvokeResponse> {
    const value = (context.activity.value ?? {}) as {
      action?: { verb?: unknown; data?: unknown }; authentication?: { token?: unknown }; state?: unknown; trigger?: unknown;
    };
    const locale = localeOf(context);
    const strings = stringsForLocale(locale).bot.cardActions;
    const user = this.deps.userOf(context);
    if (!user) return errorResponse(400, 'BadRequest', strings.notFromUser);
    const verb = value.action?.verb;
    let verified: VerifiedAction;
    try {
      const shortLived = typeof verb === 'string'
        && (responseStep(verb)?.step === 'confirm' || triageStep(verb)?.step === 'save' || verb === VERBS.confirmIndicator || verb === SIGN_IN_VERB);
      const maxAge = shortLived ? CONFIRM_LIFETIME_SECONDS : CARD_LIFETIME_SECONDS;
      verified = this.deps.signer.verify(verb, value.action?.data, output.conversationId, maxAge);
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
    const activity = { ...context.activity };
    const token = await this.tokenFor(user, value.authentication?.token, value.state);
    if (token.ok === 'bad_state') return { statusCode: 401, type: INVALID_AUTH_CODE, value: null } as unknown as AdaptiveCardInvokeResponse;
    // An automatic refresh from someone not signed in keeps the card everyone sees: no sign-in prompt.
    if (!token.ok && value.trigger === 'automatic') return messageResponse(strings.baseCardKept);
    if (!token.ok) return this.deps.signIn.loginRequest(user, token.silentPossible, locale);
    const acting: Acting = {
      user, teamsUserId: output.from, token: token.token, conversationId: output.conversationId, locale,
    };
    try {
      return await this.dispatch(activity, output, acting, verified);
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

  private async dispatch(activity: TurnContext['activity'], output: TurnOutput, acting: Acting, action: VerifiedAction): Promise<AdaptiveCardInvokeResponse> {
    const { screens } = this.deps;
    const { params } = action;
    switch (action.verb) {
      case VERBS.openAlert:
        return this.postBelow(output, acting, await screens.alert(acting, params.alertId ?? ''));
      case VERBS.openDevice:
        return this.postBelow(output, acting, await screens.deviceById(acting, params.machineId ?? ''));
      case VERBS.refreshAlert:
        return this.card(await screens.alert(acting, params.alertId ?? ''));
      case VERBS.refreshDevice:
        return this.card(await screens.deviceById(acting, params.machineId ?? ''));
      case VERBS.actionStatus:
        return this.card(await screens.currentActionStatus(acting, params.actionId ?? ''));
      case VERBS.cancel:
        return this.card(await screens.back(acting, params.machineId ?? '', backFrom(params)));
      case SIGN_IN_VERB:
        return this.card(await this.runAfterSignIn(activity, output, acting, params.text ?? ''));
      case VERBS.cancelAction:
        return this.cancelAction(output, acting, params.actionId ?? '');
      case VERBS.askIndicator:
        return this.card(await this.deps.commands.indicators.askFromAlert(acting, params.alertId ?? ''));
      case VERBS.confirmIndicator:
        return this.confirmIndicator(output, acting, action);
      case VERBS.digestAlerts:
        return this.postBelow(output, acting, await screens.digestAlerts(acting, params.digestId ?? '', Number(params.page) || 1));
    }
    const triage = triageStep(action.verb);
    if (triage?.step === 'form') return this.card(await screens.triageForm(acting, params.alertId ?? ''));
    if (triage) return this.triage(output, acting, triage.definition, params.alertId ?? '', action);
    if (this.deps.reminders?.handles(action.verb)) return this.card(await this.deps.reminders.act(output, acting, action));
    if (this.deps.commands.incidents.handles(action.verb)) {
      const answer = await this.deps.commands.incidents.act(output, acting, action);
      return 'below' in answer ? this.postBelow(output, acting, answer.below) : this.card(answer.card);
    }
    const response = responseStep(action.verb);
    if (response?.step === 'ask') {
      const machine = await this.deps.defender.getMachine(tokenSource(acting), params.machineId ?? '');
      const argument = argumentFrom(response.definition, params);
      return this.card(await screens.confirm(acting, response.definition, machine, backFrom(params), { comment: '', argument }));
    }
    if (response?.step === 'confirm' && action.nonce) return this.confirm(output, acting, response.definition, params.machineId ?? '', action);
    if (response?.step === 'result') {
      return this.result(acting, response.definition, { id: params.actionId ?? '', machineId: params.machineId ?? '', device: params.device ?? '' });
    }
    if ((response?.step === 'approve' || response?.step === 'deny') && this.deps.approvals) {
      const answer = await this.deps.approvals.decide(output, acting, response.definition, response.step, params.approvalId ?? '');
      if ('card' in answer) return this.card(answer.card);
      const { approval } = answer;
      return this.answerOutcome(output, acting, response.definition, answer.machineId, answer.outcome, { inputs: approval.inputs, requester: approval.requester });
    }
    return errorResponse(400, 'BadRequest', stringsForLocale(acting.locale).bot.cardActions.unknownAction);
  }

  /** The channel sign-in button: the person is signed in now, so the command they typed runs (posted below). */
  private async runAfterSignIn(activity: TurnContext['activity'], output: TurnOutput, acting: Acting, text: string): Promise<Attachment> {
    await postTypedCommand({ activity }, text, acting, this.deps, (message) => output.send(message));
    const strings = stringsForLocale(acting.locale).bot.signIn;
    return this.deps.views.message(acting.locale, {
      kind: 'info', title: strings.signedInTitle, text: fill(strings.signedInText, { upn: acting.token.upn, command: text }),
    });
  }

  private async confirm(
    output: TurnOutput, acting: Acting, definition: ResponseDefinition, machineId: string, action: VerifiedAction,
  ): Promise<AdaptiveCardInvokeResponse> {
    const outcome = await this.deps.responses.execute(acting, {
      definition, machineId, nonce: action.nonce!, inputs: action.inputs, argument: argumentFrom(definition, action.params),
    });
    return this.answerOutcome(output, acting, definition, machineId, outcome, { inputs: action.inputs });
  }

  /** What came of a confirmed (or approved) response, for the clicker and, when something changed, everyone. */
  private async answerOutcome(
    output: TurnOutput, acting: Acting, definition: ResponseDefinition, machineId: string, outcome: ResponseOutcome,
    asked: { inputs: Record<string, unknown>; requester?: LedgerPerson },
  ): Promise<AdaptiveCardInvokeResponse> {
    const strings = stringsForLocale(acting.locale).bot;
    if (outcome.done === 'invalid_input') {
      return this.card(this.deps.views.message(acting.locale, {
        kind: 'warning', title: strings.cardActions.checkInputTitle, text: inputProblemText(outcome.problem, definition, acting.locale),
      }));
    }
    if (outcome.done === 'stale') {
      const machine = await this.deps.defender.getMachine(tokenSource(acting), machineId);
      return this.card(this.deps.screens.stale(acting, definition, machine.computerDnsName, machine.id, outcome.isolation, { card: 'device' }));
    }
    if (outcome.done === 'awaiting_approval') {
      const card = this.deps.approvals!.card(acting, outcome.approval);
      // Everyone in the conversation sees the request: someone other than the requester approves.
      if (output.replyToId) {
        await output.update({ type: 'message', id: output.replyToId, attachments: [card] });
        await this.deps.approvals!.shownOn(outcome.approval, { reference: output.reference, messageId: output.replyToId, locale: acting.locale });
      }
      return this.card(card);
    }
    if (!outcome.action) {
      return this.card(this.deps.views.message(acting.locale, {
        kind: 'info', title: strings.cardActions.alreadySubmittedTitle, text: strings.cardActions.alreadySubmittedText,
      }));
    }
    const statusCard = this.deps.screens.actionStatus(acting, outcome.action, { refreshFor: [acting.teamsUserId] });
    const messageId = output.replyToId;
    if (outcome.done === 'created' && messageId) {
      // Everyone in the conversation sees the action, not only the person who clicked.
      await output.update({ type: 'message', id: messageId, attachments: [statusCard] });
      await this.deps.tracker.track(outcome.action, {
        requester: { oid: acting.token.oid, upn: acting.token.upn, teamsUserId: acting.teamsUserId },
        conversationId: acting.conversationId,
        locale: acting.locale,
        reference: output.reference,
        messageId,
      });
      if (this.deps.ledger?.recordsFor(definition)) {
        await this.deps.ledger.record(outcome.action, { acting, requester: asked.requester, inputs: asked.inputs, reference: output.reference });
      }
      if (outcome.breakGlass) await output.send({ attachments: [this.breakGlassFlag(acting, outcome.action.computerDnsName, outcome.breakGlass.reason)] });
    }
    return this.card(statusCard);
  }

  /** Posted below the action's card for everyone, and never updated away: the requester acted without a second person. */
  private breakGlassFlag(acting: Acting, device: string, reason: string): Attachment {
    const strings = stringsForLocale(acting.locale).approvals;
    return this.deps.views.message(acting.locale, {
      kind: 'error', title: fill(strings.breakGlassTitle, { device }),
      text: fill(strings.breakGlassFlag, { who: acting.token.upn, device, reason }),
    });
  }

  /**
   * A finished action's result (the investigation package's short-lived link), read as the clicker
   * and answered to the clicker only: the invoke's card replaces the card for them alone, and the
   * shared message is not touched, so nobody else ever sees the link. Throttling says so plainly.
   */
  private async result(
    acting: Acting, definition: ResponseDefinition, action: { id: string; machineId: string; device: string },
  ): Promise<AdaptiveCardInvokeResponse> {
    const texts = definition.result!.texts(stringsForLocale(acting.locale));
    const device = action.device;
    const again = [this.deps.screens.buttons(acting).resultOf(definition, { ...action, computerDnsName: device }, 'again')];
    let link: string;
    try {
      link = await this.deps.responses.fetchResult(acting, definition, action);
    } catch (error) {
      if (!(error instanceof DefenderApiError) || error.kind !== 'throttled') throw error;
      return this.card(this.deps.views.message(acting.locale, {
        kind: 'warning', title: texts.throttledTitle, text: fill(texts.throttled, { seconds: error.retryAfterSeconds ?? 60 }), buttons: again,
      }));
    }
    return this.card(this.deps.views.message(acting.locale, {
      kind: 'info', title: fill(texts.title, { device }), text: texts.text, links: [{ title: texts.open, url: link }], buttons: again,
    }));
  }

  /**
   * Cancel of a pending action, as the clicking user, once it is read to be still pending: the card
   * becomes its status for everyone; the follow-up of the action writes the audit line's outcome.
   */
  private async cancelAction(output: TurnOutput, acting: Acting, actionId: string): Promise<AdaptiveCardInvokeResponse> {
    const outcome = await this.deps.responses.cancelPending(acting, actionId);
    if ('finished' in outcome) return this.card(this.deps.screens.finishedAction(acting, outcome.finished));
    const statusCard = this.deps.screens.actionStatus(acting, outcome.cancelled, { refreshFor: [] });
    if (output.replyToId) await output.update({ type: 'message', id: output.replyToId, attachments: [statusCard] });
    return this.card(statusCard);
  }

  /**
   * An indicator confirmed: everyone sees what Defender accepted, in place of a typed confirmation,
   * or below the alert card it came from (which the clicker gets back as they see it now).
   */
  private async confirmIndicator(output: TurnOutput, acting: Acting, action: VerifiedAction): Promise<AdaptiveCardInvokeResponse> {
    const { card, submitted } = await this.deps.commands.indicators.confirm(acting, action);
    if (!submitted) return this.card(card);
    const alertId = action.params.alertId;
    if (alertId) {
      await output.send({ attachments: [card] });
      return this.card(await this.deps.screens.alert(acting, alertId));
    }
    if (output.replyToId) await output.update({ type: 'message', id: output.replyToId, attachments: [card] });
    return this.card(card);
  }

  /**
   * A triage step clicked (Assign to me, the triage form's Save): on the pipeline as the clicker;
   * everyone sees the alert's card as a notification shows it (it knows no viewer's rights), the
   * clicker their own view of it. The pipeline updates the notification cards elsewhere.
   */
  private async triage(
    output: TurnOutput, acting: Acting, definition: TriageDefinition, alertId: string, action: VerifiedAction,
  ): Promise<AdaptiveCardInvokeResponse> {
    const outcome = await this.deps.commands.triage.apply(acting, alertId, definition, action.inputs, action.nonce);
    if (outcome.done !== 'updated') return this.card(this.deps.views.message(acting.locale, triageRefusalView(outcome, acting.locale)));
    if (output.replyToId) {
      await output.update({ type: 'message', id: output.replyToId, attachments: [this.deps.screens.notificationCard(outcome.alert, acting)] });
    }
    return this.card(await this.deps.screens.alert(acting, outcome.alert.id));
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

  private async postBelow(output: TurnOutput, acting: Acting, card: Attachment): Promise<AdaptiveCardInvokeResponse> {
    await output.send({ attachments: [card] });
    return messageResponse(stringsForLocale(acting.locale).bot.cardActions.openedBelow);
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

function inputProblemText(problem: InputProblem, definition: ResponseDefinition, locale: string): string {
  const strings = stringsForLocale(locale).bot.responseInput;
  switch (problem.kind) {
    case 'comment_required':
      return strings.commentRequired;
    case 'comment_too_long':
      return fill(strings.commentTooLong, { length: problem.length, max: problem.max });
    case 'choice':
      return definition.texts(stringsForLocale(locale)).invalidChoice ?? '';
    case 'argument':
      return definition.texts(stringsForLocale(locale)).invalidArgument ?? '';
    case 'break_glass_reason':
      return stringsForLocale(locale).approvals.breakGlassReasonRequired;
    case 'break_glass_off':
      return stringsForLocale(locale).approvals.breakGlassOff;
  }
}

function errorResponse(statusCode: number, code: string, message: string): AdaptiveCardInvokeResponse {
  return { statusCode, type: ERROR, value: { code, message } } as unknown as AdaptiveCardInvokeResponse;
}
