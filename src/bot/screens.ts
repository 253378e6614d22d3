import net from 'node:net';
import type { Attachment } from 'botbuilder';
import { fill, stringsForLocale } from '../cards/strings';
import { oneLine } from '../cards/format';
import type { DefenderClient } from '../defender/client';
import { DefenderApiError } from '../defender/errors';
import { actionStateFrom, type IsolationState, isolationStateFrom } from '../defender/isolation';
import { type Alert, type AlertSeverity, type AlertStatus, FINAL_ACTION_STATUSES, type Machine, type MachineAction } from '../defender/model';
import type { RoutingFilter } from '../notify/routing-filter';
import type { ScopeDecision } from '../notify/subscription-scope';
import { baseConversationId, type Subscription } from '../notify/subscriptions';
import type { Digest } from '../notify/storm-digest';
import { digestCard, digestPageCard } from './digest-cards';
import { vouchedPart } from '../notify/vouched-alert';
import type { Store } from '../store/store';
import { type Acting, tokenSource } from './acting';
import { type BackTo, type ButtonTitles, Buttons } from './buttons';
import { indicatorCandidates } from './indicators';
import { confirmationOf, type ResponseDefinition } from './responses/definition';
import { responsesAfter } from './responses/registry';
import type { ActionSigner } from './signed-actions';
import { type ApprovalPolicy, RELEASE_REMINDERS } from '../config';
import { type IsolationLedger, RELEASE_REMINDER_INPUT } from './isolation-ledger';
import { approvalReasons } from './responses/policies/two-person-approval';
import type { MessageView, Views } from './views';

/** Enough history to find the isolation state of nearly every device in the same request as its recent actions. */
const DEVICE_HISTORY_DEPTH = 50;
const RECENT_ACTIONS_SHOWN = 10;
const DEVICE_MATCHES = 10;
const AUDIT_ENTRIES = 20;
/**
 * `findbyip` looks ±15 minutes around its timestamp (reference §3.1 R6); asking a minute in the
 * past keeps a clock running ahead of Defender's from sending a time in the future.
 */
const FIND_BY_IP_LOOKBACK_MS = 60_000;

/**
 * Alert and device cards refresh only when someone asks (Teams' "Refresh card"): an automatic
 * refresh costs 2 to 4 Defender reads per viewer per minute, and a stale button is caught anyway,
 * since every response re-reads the device's state when clicked and again before it is sent.
 */
const MANUAL_REFRESH_ONLY: string[] = [];

export type DeviceLookup = { found: true; machine: Machine } | { found: false; card: Attachment };

/** Where a card goes: its conversation (buttons are bound to it) and the language of its readers. */
export interface CardTarget {
  conversationId: string;
  locale: string;
}

export interface AlertListRequest {
  severities: AlertSeverity[];
  statuses: AlertStatus[];
  mine: boolean;
  top: number;
}

/**
 * The bot's screens: each reads what it needs from Defender as the acting user (a handful of
 * requests at most) and renders the card. Shared by typed commands and card buttons.
 */
export class Screens {
  constructor(
    private readonly defender: DefenderClient,
    private readonly views: Views,
    private readonly signer: ActionSigner,
    private readonly titles: (locale: string) => ButtonTitles,
    private readonly now: () => number = Date.now,
    private readonly policies: { approval?: ApprovalPolicy; ledger?: IsolationLedger } = {},
    /** Storm digests, as the notifier keeps them in the store. */
    private readonly digests: (digestId: string) => Promise<Digest | undefined> = async () => undefined,
  ) {}

  buttons(acting: Acting): Buttons {
    return this.buttonsFor(acting);
  }

  buttonsFor(target: CardTarget): Buttons {
    return new Buttons(this.signer, target.conversationId, this.titles(target.locale), target.locale);
  }

  async alertList(acting: Acting, request: AlertListRequest): Promise<Attachment> {
    const alerts = await this.defender.listAlerts(tokenSource(acting), {
      severities: request.severities,
      statuses: request.statuses,
      assignedTo: request.mine ? acting.token.upn : undefined,
      top: request.top,
      orderBy: 'alertCreationTime desc',
    });
    const filter = { severities: request.severities, statuses: request.statuses, mine: request.mine };
    const buttons = this.buttons(acting);
    return this.views.alertList(acting.locale, alerts, filter, (alert) => buttons.openAlert(alert.id));
  }

  /**
   * An alert card for a notification: posted by the app, so it cannot know each reader's view of
   * the device or their rights. Instead of Isolate or Release it offers "Isolate or release…",
   * which shows the clicker the alert with the response their view of the device allows. It never
   * refreshes by itself (`userIds: []`): every member's client would otherwise refresh it.
   */
  notificationCard(read: Alert, target: CardTarget): Attachment {
    // Whoever read it (the app, or a clicker whose view replaces the card for everyone), it shows the vouched part only.
    const alert = vouchedPart(read);
    const buttons = this.buttonsFor(target);
    const responses = alert.machineId ? [buttons.respond(alert.id)] : [];
    return this.views.alert(target.locale, alert, undefined, [...responses, ...buttons.triage(alert)], buttons.alertRefresh(alert.id, MANUAL_REFRESH_ONLY));
  }

  /** A storm digest's card for its conversation (posted by the app, like a notification card). */
  notificationDigest(digest: Digest, target: CardTarget): Attachment {
    return digestCard(this.views, this.buttonsFor(target), digest, target.locale);
  }

  /** A page of a storm digest's alerts; a digest past its retention is a short message. */
  async digestAlerts(acting: Acting, digestId: string, page: number): Promise<Attachment> {
    const digest = await this.digests(digestId);
    if (!digest || digest.conversationId !== baseConversationId(acting.conversationId)) {
      const strings = stringsForLocale(acting.locale).bot.cardActions;
      return this.views.message(acting.locale, { kind: 'info', title: strings.digestGoneTitle, text: strings.digestGoneText });
    }
    return digestPageCard(this.views, this.buttons(acting), digest, page, acting.locale);
  }

  async alert(acting: Acting, alertId: string): Promise<Attachment> {
    const alert = await this.defender.getAlert(tokenSource(acting), alertId);
    const isolation = alert.machineId
      ? await this.defender.isolationState(tokenSource(acting), alert.machineId).catch(() => undefined)
      : undefined;
    const buttons = this.buttons(acting);
    const back: BackTo = { card: 'alert', alertId: alert.id };
    const responses = alert.machineId ? [...buttons.responses(alert.machineId, isolation, back), ...buttons.fromEvidence(alert, back)] : [];
    const block = indicatorCandidates(alert).length > 0 ? [buttons.blockIndicator(alert.id)] : [];
    return this.views.alert(
      acting.locale, alert, isolation, [...responses, ...buttons.triage(alert, acting.token.upn), ...block], buttons.alertRefresh(alert.id, MANUAL_REFRESH_ONLY),
    );
  }

  /** The triage form for the clicker: the alert as they read it now, its status and verdict preselected. */
  async triageForm(acting: Acting, alertId: string): Promise<Attachment> {
    const alert = await this.defender.getAlert(tokenSource(acting), alertId);
    const buttons = this.buttons(acting);
    return this.views.alertTriage(acting.locale, alert, buttons.triageSave(alert.id), buttons.respond(alert.id, stringsForLocale(acting.locale).buttons.cancel));
  }

  message(target: CardTarget, message: MessageView): Attachment {
    return this.views.message(target.locale, message);
  }

  async device(acting: Acting, machine: Machine): Promise<Attachment> {
    const token = tokenSource(acting);
    const [history, alerts] = await Promise.all([
      this.defender.machineActions(token, machine.id, { top: DEVICE_HISTORY_DEPTH }),
      this.defender.machineAlerts(token, machine.id),
    ]);
    const isolation = await this.isolationFrom(acting, machine.id, history);
    const openAlerts = alerts.filter((alert) => alert.status !== 'Resolved');
    const buttons = this.buttons(acting);
    return this.views.device(
      acting.locale, machine, isolation, history.slice(0, RECENT_ACTIONS_SHOWN), openAlerts,
      buttons.responses(machine.id, isolation, { card: 'device' }, history, machine), buttons.deviceRefresh(machine.id, MANUAL_REFRESH_ONLY),
    );
  }

  async deviceById(acting: Acting, machineId: string): Promise<Attachment> {
    return this.device(acting, await this.defender.getMachine(tokenSource(acting), machineId));
  }

  async back(acting: Acting, machineId: string, back: BackTo): Promise<Attachment> {
    return back.card === 'alert' ? this.alert(acting, back.alertId) : this.deviceById(acting, machineId);
  }

  /** A device by name (exact or unique prefix), 40-hex id or IP; otherwise a card with the closest matches. */
  async findDevice(acting: Acting, query: string): Promise<DeviceLookup> {
    const token = tokenSource(acting);
    const wanted = query.trim();
    const buttons = this.buttons(acting);
    const strings = stringsForLocale(acting.locale).bot.devices;
    const choices = (machines: Machine[]): DeviceLookup => ({
      found: false,
      card: this.views.deviceChoices(acting.locale, wanted, machines, (machine) => buttons.openDevice(machine.id)),
    });
    if (/^[0-9a-f]{40}$/i.test(wanted)) {
      return { found: true, machine: await this.defender.getMachine(token, wanted.toLowerCase()) };
    }
    if (net.isIP(wanted)) {
      const machines = await this.defender.findMachinesByIp(token, wanted, new Date(this.now() - FIND_BY_IP_LOOKBACK_MS));
      if (machines.length === 1) return { found: true, machine: machines[0] };
      if (machines.length > 1) return choices(machines);
      return { found: false, card: this.views.message(acting.locale, {
        kind: 'warning', title: strings.noDeviceAtIpTitle, text: fill(strings.noDeviceAtIpText, { ip: wanted }),
      }) };
    }
    const lower = wanted.toLowerCase();
    const matches = await this.defender.searchMachines(token, lower, DEVICE_MATCHES);
    const exact = matches.find((machine) => {
      const name = machine.computerDnsName.toLowerCase();
      return name === lower || name.split('.')[0] === lower;
    });
    if (exact) return { found: true, machine: exact };
    if (matches.length === 1) return { found: true, machine: matches[0] };
    if (matches.length > 1) return choices(matches);
    const closest = await this.defender.closestMachineNames(token, lower);
    return { found: false, card: this.views.message(acting.locale, {
      kind: 'warning',
      title: strings.noSuchDeviceTitle,
      text: fill(strings.noSuchDeviceText, { query: wanted }),
      suggestions: closest.map((name) => `device ${name}`),
    }) };
  }

  /**
   * The confirmation of a response, after reading the state of its family of actions as the user
   * (for isolate and release, the device's isolation state): when the state no longer allows it
   * (isolated already, nothing to release, an action pending), the card says what changed and
   * offers what applies now instead.
   */
  async confirm(
    acting: Acting, definition: ResponseDefinition, machine: Machine, back: BackTo,
    defaults: { comment: string; choice?: string; argument?: string } = { comment: '' },
  ): Promise<Attachment> {
    const state = await this.responseState(acting, definition, machine.id);
    if (definition.blocked(state)) return this.stale(acting, definition, machine.computerDnsName, machine.id, state, back);
    const buttons = this.buttons(acting);
    const details = confirmationOf(definition, stringsForLocale(acting.locale), defaults);
    const { approval: policy, ledger } = this.policies;
    const reasons = policy ? approvalReasons(policy, definition.name, machine) : [];
    const approval = reasons.length > 0 ? { reasons, breakGlass: policy!.breakGlass } : undefined;
    const reminder = ledger?.recordsFor(definition)
      ? { id: RELEASE_REMINDER_INPUT, values: RELEASE_REMINDERS, value: ledger.defaultReminder }
      : undefined;
    return this.views.confirm(
      acting.locale, machine, { ...details, approval, reminder }, buttons.confirm(definition, machine.id, defaults.argument), buttons.cancel(machine.id, back),
    );
  }

  /** The state of a response's family of actions on a device: one request (for isolation, the one `isolationState` sends). */
  async responseState(acting: Acting, definition: ResponseDefinition, machineId: string): Promise<IsolationState> {
    const history = await this.defender.machineActions(tokenSource(acting), machineId, { types: definition.family, top: 5 });
    return actionStateFrom(history, definition.family);
  }

  /** "This card is out of date": why the response no longer applies to the device, with the buttons of its family that do. */
  stale(acting: Acting, definition: ResponseDefinition, device: string, machineId: string, state: IsolationState, back: BackTo): Attachment {
    const blocked = definition.blocked(state) ?? { reason: 'pending' as const, action: state.pending };
    const buttons = this.buttons(acting).offers(definition.family, state, machineId, back);
    return this.views.staleResponse(acting.locale, { reason: blocked.reason, device, action: blocked.action, buttons });
  }

  /** A Cancel clicked after the action ended: what it ended as. */
  finishedAction(acting: Acting, action: MachineAction): Attachment {
    return this.views.staleResponse(acting.locale, { reason: 'finished', device: action.computerDnsName, action, buttons: [] });
  }

  /**
   * The status of a response action: Cancel while it runs; once final, the responses of the same
   * family the device's state allows (for isolation, when the caller read the isolation state;
   * never another family's: a finished scan does not offer Isolate). It refreshes automatically only for
   * `refreshFor` (the requester while it runs), everyone else sees the base card the bot updates.
   */
  actionStatus(target: CardTarget, action: MachineAction, options: { isolation?: IsolationState; refreshFor: string[] }): Attachment {
    const buttons = this.buttonsFor(target);
    const back: BackTo = { card: 'device' };
    const running = !FINAL_ACTION_STATUSES.includes(action.status);
    const next = running ? [buttons.cancelAction(action.id, action.machineId, back)] : this.nextAfter(buttons, action, options.isolation);
    return this.views.actionStatus(target.locale, action, next, buttons.actionRefresh(action.id, action.machineId, running ? options.refreshFor : []));
  }

  private nextAfter(buttons: Buttons, action: MachineAction, isolation: IsolationState | undefined) {
    const after = responsesAfter(action.type);
    const [family] = after.map((definition) => definition.family);
    if (!family) return [];
    const state = family.includes('Isolate') ? isolation : actionStateFrom([action], family);
    const offers = state ? buttons.offers(family, state, action.machineId, { card: 'device' }) : [];
    return [...after.flatMap((definition) => buttons.result(definition, action)), ...offers];
  }

  /** The action as the viewer sees it now (one read, plus the isolation history once it is final). */
  async currentActionStatus(acting: Acting, actionId: string): Promise<Attachment> {
    const action = await this.defender.getMachineAction(tokenSource(acting), actionId);
    const isolation = FINAL_ACTION_STATUSES.includes(action.status)
      ? await this.defender.isolationState(tokenSource(acting), action.machineId).catch(() => undefined)
      : undefined;
    return this.actionStatus(acting, action, { isolation, refreshFor: [acting.teamsUserId] });
  }

  async actions(acting: Acting, machine: Machine): Promise<Attachment> {
    const actions = await this.defender.machineActions(tokenSource(acting), machine.id, { top: RECENT_ACTIONS_SHOWN });
    return this.views.actions(acting.locale, machine, actions);
  }

  /**
   * The audit log of response actions, for someone who can read devices: of one device (which the
   * user must be able to see), or of every device the user can see.
   */
  async audit(acting: Acting, log: Pick<Store, 'listAudit'>, query?: string): Promise<Attachment> {
    if (query) {
      const lookup = await this.findDevice(acting, query);
      if (!lookup.found) return lookup.card;
      const entries = await log.listAudit({ machineId: lookup.machine.id, limit: AUDIT_ENTRIES });
      return this.views.audit(acting.locale, entries, lookup.machine.computerDnsName);
    }
    const entries = await log.listAudit({ limit: AUDIT_ENTRIES * 3 });
    const ids = [...new Set(entries.map((entry) => entry.machineId))];
    const visible = new Set((await this.defender.machinesByIds(tokenSource(acting), ids)).map((machine) => machine.id));
    return this.views.audit(acting.locale, entries.filter((entry) => visible.has(entry.machineId)).slice(0, AUDIT_ENTRIES));
  }

  /** A refusal card when the user cannot read alerts in Defender (checked with their own token); undefined when they can. */
  async cannotReadAlerts(acting: Acting): Promise<Attachment | undefined> {
    try {
      await this.defender.listAlerts(tokenSource(acting), { top: 1 });
      return undefined;
    } catch (error) {
      if (!(error instanceof DefenderApiError) || (error.kind !== 'forbidden' && error.kind !== 'unauthorized')) throw error;
      const strings = stringsForLocale(acting.locale).bot.subscriptions;
      return this.views.message(acting.locale, { kind: 'error', title: strings.notAllowedTitle, text: strings.notAllowedText });
    }
  }

  subscribed(acting: Acting, subscription: Subscription): Attachment {
    const strings = stringsForLocale(acting.locale);
    const texts = strings.bot.subscriptions;
    return this.views.message(acting.locale, {
      kind: 'info',
      title: texts.subscribedTitle,
      text: [
        fill(texts.subscribedText, { severity: strings.severity[subscription.minSeverity], groups: groupNames(subscription.scope) }),
        ...(subscription.tags?.length || subscription.sources?.length ? [fill(texts.subscribedRouting, { filters: routingFilters(texts, subscription) })] : []),
      ].join(' '),
      suggestions: ['subscriptions', 'unsubscribe'],
    });
  }

  /** Why a subscription was not made: the subscriber sees no device group, or not the one they named. */
  subscriptionRefused(acting: Acting, refusal: Extract<ScopeDecision, { ok: false }>, requestedGroup = ''): Attachment {
    const texts = stringsForLocale(acting.locale).bot.subscriptions;
    const message = refusal.problem === 'no_groups'
      ? { title: texts.noGroupsTitle, text: texts.noGroupsText }
      : {
        title: fill(texts.groupNotVisibleTitle, { group: oneLine(requestedGroup, 80) }),
        text: fill(texts.groupNotVisibleText, { group: oneLine(requestedGroup, 80), groups: groupNames(refusal.visible) }),
      };
    return this.views.message(acting.locale, { kind: 'error', ...message });
  }

  /** What `unsubscribe` did; `kept` are the subscriptions the user may not remove. */
  unsubscribed(acting: Acting, removed: number, kept: readonly Subscription[] = []): Attachment {
    const strings = stringsForLocale(acting.locale).bot.subscriptions;
    const upns = [...new Set(kept.map((subscription) => subscription.createdBy.upn))].join(', ');
    if (kept.length > 0 && removed === 0) {
      const groups = groupNames([...new Map(kept.flatMap((s) => s.scope ?? []).map((group) => [group.id, group])).values()]);
      return this.views.message(acting.locale, { kind: 'warning', title: strings.unsubscribeRefusedTitle, text: fill(strings.unsubscribeRefusedText, { upns, groups }) });
    }
    if (kept.length > 0) {
      return this.views.message(acting.locale, {
        kind: 'warning', title: strings.unsubscribedTitle, text: fill(strings.unsubscribedPartlyText, { removed, kept: kept.length, upns }),
      });
    }
    return this.views.message(acting.locale, removed > 0
      ? { kind: 'info', title: strings.unsubscribedTitle, text: strings.unsubscribedText }
      : { kind: 'info', title: strings.noSubscriptionTitle, text: strings.noSubscriptionText, suggestions: ['subscribe high'] });
  }

  subscriptionList(acting: Acting, subscriptions: Subscription[]): Attachment {
    const strings = stringsForLocale(acting.locale);
    const texts = strings.bot.subscriptions;
    if (subscriptions.length === 0) {
      return this.views.message(acting.locale, {
        kind: 'info', title: texts.noneTitle, text: texts.noneText, suggestions: ['subscribe high', 'subscribe medium group Servers'],
      });
    }
    const lines = subscriptions.map((subscription) => fill(texts.listLine, {
      severity: strings.severity[subscription.minSeverity],
      scope: fill(texts.listScope, { groups: groupNames(subscription.scope) }) + routingFilters(texts, subscription),
      upn: subscription.createdBy.upn,
      state: subscription.disabled ? fill(texts.disabled, { reason: subscription.disabled.reason }) : texts.active,
    }));
    return this.views.message(acting.locale, { kind: subscriptions.some((s) => s.disabled) ? 'warning' : 'info', title: texts.listTitle, text: lines.join('\n\n') });
  }

  /** Isolation state from the device's recent history; a second, narrower request only if that history holds no isolation action. */
  private async isolationFrom(acting: Acting, machineId: string, history: MachineAction[]) {
    const state = isolationStateFrom(history);
    const sawIsolationHistory = history.some((action) => action.type === 'Isolate' || action.type === 'Unisolate');
    if (sawIsolationHistory || history.length < DEVICE_HISTORY_DEPTH) return state;
    return this.defender.isolationState(tokenSource(acting), machineId);
  }
}

/** `, machine tags "VIP", detection sources "WindowsDefenderAtp"`: a subscription's routing beyond its groups. */
function routingFilters(texts: { listTags: string; listSources: string }, filter: RoutingFilter): string {
  return (filter.tags?.length ? fill(texts.listTags, { tags: groupNames(filter.tags.map((name) => ({ name }))) }) : '')
    + (filter.sources?.length ? fill(texts.listSources, { sources: groupNames(filter.sources.map((name) => ({ name }))) }) : '');
}

/** `"Workstations", "Servers"`: device group names as a card shows them. */
function groupNames(groups: readonly { name: string }[] = []): string {
  return groups.map((group) => `"${oneLine(group.name, 80)}"`).join(', ');
}
