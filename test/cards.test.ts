import type { Attachment } from 'botbuilder';
import { viewContext } from '../src/cards/format';
import { cardLocale } from '../src/cards/locale';
import { ADAPTIVE_CARD_CONTENT_TYPE, CARD_NAMES, cardSize, renderCard } from '../src/cards/render';
import {
  actionStatusView, alertListView, alertPortalUrl, alertView, buttonTitles, CONFIRM_INPUT_IDS, confirmActionView, createViews,
  deviceChoicesView, deviceView, actionsView, helpView, messageView, MAX_REFRESH_USER_IDS, type CardAction,
} from '../src/cards/views';
import {
  alert, button, everyCard, evidence, isolated, isolateButton, LOCALES, machine, machineAction, NOW, REFRESH, releaseButton,
} from './support/card-samples';
import { confirmationOf } from '../src/bot/responses/definition';
import { isolate } from '../src/bot/responses/definitions/isolate';
import { release as releaseDefinition } from '../src/bot/responses/definitions/release';
import { elements, type Json } from './support/card-json';

/** The official Adaptive Cards SDK; its UMD bundle parses and validates cards without a DOM. */
interface AdaptiveCardsSdk {
  AdaptiveCard: new () => {
    parse(json: unknown, context: unknown): void;
    validateProperties(): { validationEvents: { message: string }[] };
    toJSON(): unknown;
  };
  SerializationContext: new () => { eventCount: number; getEventAt(index: number): { message: string } };
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const sdk = require('adaptivecards/dist/adaptivecards.js') as AdaptiveCardsSdk;

// ---------------------------------------------------------------- what a client sees

function content(attachment: Attachment): Json {
  expect(attachment.contentType).toBe(ADAPTIVE_CARD_CONTENT_TYPE);
  return attachment.content as Json;
}

/** The text a person reads on the card (TextBlocks, TextRuns, button titles, choices and input labels). */
function visibleText(card: Json): string {
  const texts = elements(card, 'TextBlock', 'TextRun').map((element) => element.text);
  const titles = elements(card, 'Action.Execute', 'Action.OpenUrl').map((action) => action.title);
  const inputs = elements(card, 'Input.Text', 'Input.ChoiceSet').flatMap((input) => [
    input.label, input.placeholder, input.errorMessage, ...((input.choices as Json[] | undefined) ?? []).map((choice) => choice.title),
  ]);
  return [...texts, ...titles, ...inputs].filter((text) => typeof text === 'string').join('\n');
}

/** The card's buttons (the refresh action is not one). */
function executeActions(card: Json): { title: unknown; verb: unknown; data: unknown; style?: unknown }[] {
  return elements([card.body, card.actions], 'Action.Execute').map(({ title, verb, data, style }) => ({ title, verb, data, style }));
}

function expectRenderedAs(card: Json, buttons: CardAction[]): void {
  expect(executeActions(card)).toEqual(buttons.map((b) => ({ title: b.title, verb: b.verb, data: b.data, style: b.style ?? 'default' })));
}

/**
 * What the official Adaptive Cards SDK objects to: parse errors, validation failures, and properties
 * it does not know (they do not survive its round trip; only default values and empty lists may drop).
 */
function sdkProblems(card: Json): string[] {
  const parsed = new sdk.AdaptiveCard();
  const context = new sdk.SerializationContext();
  parsed.parse(card, context);
  const problems: string[] = [];
  for (let index = 0; index < context.eventCount; index += 1) problems.push(context.getEventAt(index).message);
  problems.push(...parsed.validateProperties().validationEvents.map((event) => event.message));
  // `msteams` (mention entities) is Teams' own card property, which the SDK does not know:
  // learn.microsoft.com/microsoftteams/platform/task-modules-and-cards/cards/cards-format#mention-support-within-adaptive-cards
  const { msteams: _teamsOnly, ...portable } = card as Json & { msteams?: unknown };
  return [...problems, ...unknownProperties(portable, parsed.toJSON(), 'card')];
}

function unknownProperties(emitted: unknown, roundTripped: unknown, path: string): string[] {
  if (typeof emitted !== 'object' || emitted === null) return [];
  const kept = (roundTripped ?? {}) as Json;
  return Object.entries(emitted).flatMap(([key, value]) => {
    if (!(key in kept)) {
      const isDefault = value === 'default' || value === '' || (Array.isArray(value) && value.length === 0);
      return isDefault ? [] : [`${path}.${key} is not a known property`];
    }
    return key === 'data' ? [] : unknownProperties(value, kept[key], `${path}.${key}`);
  });
}

describe.each(LOCALES)('every card in %s', (locale) => {
  const cards = everyCard(locale);

  it('covers every template', () => {
    expect(Object.keys(cards).sort()).toEqual([...CARD_NAMES].sort());
  });

  it.each(CARD_NAMES)('%s is an Adaptive Card 1.5 with the buttons, data and refresh exactly as given, and no binding left', (name) => {
    const { card: attachment, buttons, refresh } = cards[name];
    const card = content(attachment);
    expect(card.type).toBe('AdaptiveCard');
    expect(card.version).toBe('1.5');
    expectRenderedAs(card, buttons);
    if (refresh) {
      expect(card.refresh).toEqual({ action: { type: 'Action.Execute', verb: refresh.verb, data: refresh.data }, userIds: refresh.userIds });
    } else {
      expect(card).not.toHaveProperty('refresh');
    }
    expect(JSON.stringify(card)).not.toContain('${');
    expect(JSON.stringify(card)).not.toContain('null');
    // Far below Teams' ~100 KB; the help card lists every command with an example, so it may take more.
    expect(cardSize(attachment)).toBeLessThan((name === 'help' ? 16 : 10) * 1024);
  });

  it.each(CARD_NAMES)('%s passes the official Adaptive Cards SDK (parse and validate)', (name) => {
    expect(sdkProblems(content(cards[name].card))).toEqual([]);
  });
});

describe('languages', () => {
  it('picks Swedish for sv, sv-SE and sv-FI, English for everything else', () => {
    expect(['sv', 'sv-SE', 'sv-FI', 'SV-se'].map(cardLocale)).toEqual(['sv-SE', 'sv-SE', 'sv-SE', 'sv-SE']);
    expect(['en-US', 'en-GB', 'de-DE', 'fi-FI', '', undefined, null].map(cardLocale)).toEqual(Array(7).fill('en-US'));
  });

  // The message card shows only the bot's own (already translated) title and text.
  it.each(CARD_NAMES.filter((name) => name !== 'message'))('%s reads differently in Swedish, and falls back to English for other locales', (name) => {
    const english = visibleText(content(everyCard('en-US')[name].card));
    const swedish = visibleText(content(everyCard('sv-SE')[name].card));
    const german = visibleText(content(everyCard('de-DE')[name].card));
    expect(swedish).not.toEqual(english);
    expect(german).toEqual(english);
  });

  it('shows times as UTC with a relative age in the card language', () => {
    const english = visibleText(content(everyCard('en-US').alert.card));
    const swedish = visibleText(content(everyCard('sv-SE').alert.card));
    expect(english).toContain('2024-05-01 12:00 UTC (3 hr. ago)');
    expect(swedish).toContain('2024-05-01 12:00 UTC (för 3 tim sedan)');
    expect(swedish).toContain('● Hög');
    expect(swedish).toContain('Tilldelat');
  });

  it('gives the bot its button titles in the card language', () => {
    expect(buttonTitles('en-US')).toEqual({
      open: 'Open', isolate: 'Isolate device', release: 'Release from isolation', confirmIsolate: 'Isolate', confirmRelease: 'Release', cancel: 'Cancel',
      cancelAction: 'Cancel the pending action', respond: 'Isolate or release…',
    });
    expect(buttonTitles('sv-FI').isolate).toBe('Isolera enhet');
  });
});

describe('alert card', () => {
  const context = viewContext('en-US', NOW);

  it('links to the alert in the Defender portal and summarises the evidence', () => {
    const card = content(renderCard('alert', alertView({ alert: alert(), buttons: [isolateButton] }, context)));
    expect(elements(card, 'Action.OpenUrl')).toEqual([
      { type: 'Action.OpenUrl', title: 'Open in Microsoft Defender', url: 'https://security.microsoft.com/alerts/da638500125839210000_-1234567890' },
    ]);
    const text = visibleText(card);
    expect(text).toContain('Processes 1 · Files 1 · Users 1 · IP addresses 1');
    expect(text).toContain('powershell.exe, a.ps1');
    expect(text).toContain('T1059.001, T1105');
    expect(text).toContain('CONTOSO\\frank');
    expect(text).not.toContain('Device isolation');
    expect(alertPortalUrl('a/b?c')).toBe('https://security.microsoft.com/alerts/a%2Fb%3Fc');
  });

  it('stays under 10 KB with many evidence items, techniques and buttons, and says how many were left out', () => {
    const many = Array.from({ length: 150 }, (_, index) =>
      evidence(index % 2 ? 'File' : 'Process', { fileName: `payload-${index}-${'x'.repeat(40)}.exe`, processCommandLine: 'y'.repeat(2000) }));
    const big = alert({
      evidence: many, mitreTechniques: Array.from({ length: 30 }, (_, index) => `T${1000 + index}`),
      title: 'T'.repeat(1000), description: 'D'.repeat(5000),
    });
    const buttons = [isolateButton, releaseButton, button('Open device', 'device.open', { machineId: 'a'.repeat(40) })];
    const attachment = renderCard('alert', alertView({ alert: big, isolation: isolated(), buttons, refresh: REFRESH }, context));
    expect(cardSize(attachment)).toBeLessThan(10 * 1024);
    const text = visibleText(content(attachment));
    expect(text).toContain('Processes 75 · Files 75');
    expect(text).toContain('and 145 more');
    expect(text).toContain('and 22 more');
    expectRenderedAs(content(attachment), buttons);
  });

  it('shows Defender text as plain text: no markdown, no template binding', () => {
    const hostile = alert({ title: 'Open [this](https://evil.example) **now** ${strings.alert.severity}', relatedUser: null, mitreTechniques: [] });
    const card = content(renderCard('alert', alertView({ alert: hostile, buttons: [] }, context)));
    const markdownBlocks = elements(card, 'TextBlock').map((block) => String(block.text));
    expect(markdownBlocks.some((text) => text.includes('evil.example'))).toBe(false);
    const title = elements(card, 'TextRun').map((run) => String(run.text)).find((text) => text.includes('evil.example'));
    expect(title).toBe('Open [this](https://evil.example) **now** $\u2060{strings.alert.severity}');
    expect(JSON.stringify(card)).not.toContain('${');
    expect(visibleText(card)).not.toContain('MITRE');
  });
});

describe('device card', () => {
  const context = viewContext('en-US', NOW);

  it('says who isolated the device and when, with the scope', () => {
    const card = content(renderCard('device', deviceView({
      machine: machine(), isolation: isolated(), recentActions: [], openAlerts: [], buttons: [releaseButton],
    }, context)));
    const text = visibleText(card);
    expect(text).toContain('Isolated (full)');
    expect(text).toContain('by alice@contoso.onmicrosoft.com, 2024-05-01 12:00 UTC (3 hr. ago)');
    expect(text).toContain('10.1.7.23, fe80::1c2d:3e4f:5a6b:7c8d');
    expect(text).not.toContain('127.0.0.1');
    expect(text).not.toContain('192.168.56.1');
    expect(text).toContain('Windows11 23H2 · 64-bit');
    expect(text).toContain('No recent actions.');
    expect(text).toContain('No open alerts.');
    const isolationRun = elements(card, 'TextRun').find((run) => run.text === 'Isolated (full)');
    expect(isolationRun?.color).toBe('attention');
  });

  it('shows a transition under way and a device that is not isolated', () => {
    const pending = machineAction({ id: 'p1', type: 'Unisolate', scope: null, status: 'Pending', requestor: 'bob@contoso.onmicrosoft.com',
      creationDateTimeUtc: '2024-05-01T14:55:00Z' });
    const releasing = visibleText(content(renderCard('device', deviceView({
      machine: machine(), isolation: { isolated: true, scope: 'Selective', pending, last: machineAction() }, recentActions: [], openAlerts: [], buttons: [],
    }, context))));
    expect(releasing).toContain('Release in progress');
    expect(releasing).toContain('by bob@contoso.onmicrosoft.com, 2024-05-01 14:55 UTC (5 min. ago)');
    const free = visibleText(content(renderCard('device', deviceView({
      machine: machine({ machineTags: [], rbacGroupName: null, rbacGroupId: 0, riskScore: null }),
      isolation: { isolated: false, scope: null, pending: null, last: null }, recentActions: [], openAlerts: [], buttons: [isolateButton],
    }, viewContext('sv-FI', NOW)))));
    expect(free).toContain('Inte isolerad');
    expect(free).toContain('Ingen grupp');
    expect(free).not.toContain('Taggar');
  });

  it('stays under 10 KB with long histories, many alerts, addresses and tags; a full refresh list adds its user ids', () => {
    const actions = Array.from({ length: 50 }, (_, index) =>
      machineAction({ id: `a${index}`, requestorComment: 'c'.repeat(900), requestor: `analyst${index}@contoso.onmicrosoft.com` }));
    const alerts = Array.from({ length: 40 }, (_, index) => alert({ id: `al${index}`, title: `Alert ${index} ${'t'.repeat(300)}` }));
    /** Teams user ids are about 90 characters long. */
    const userIds = (count: number) => Array.from({ length: count }, (_, index) => `29:1${'u'.repeat(84)}${index}`);
    const card = (refreshFor: string[]) => renderCard('device', deviceView({
      machine: machine({
        machineTags: Array.from({ length: 40 }, (_, index) => `tag-${index}`),
        ipAddresses: Array.from({ length: 30 }, (_, index) => ({ ipAddress: `10.0.0.${index}`, macAddress: null, type: 'Ethernet', operationalStatus: 'Up' as const })),
      }),
      isolation: isolated(), recentActions: actions, openAlerts: alerts, buttons: [releaseButton, button('Action history', 'actions.show', { machineId: 'a'.repeat(40) })],
      refresh: { ...REFRESH, userIds: refreshFor },
    }, viewContext('sv-SE', NOW)));
    const typical = card(userIds(5));
    expect(cardSize(typical)).toBeLessThan(10 * 1024);
    const text = visibleText(content(typical));
    expect(text).toContain('och 47 till');
    expect(text).toContain('och 37 till');
    expect(text).toContain('tag-0, tag-1, tag-2, tag-3, tag-4, tag-5 och 34 till');
    const fullRefreshList = card(userIds(MAX_REFRESH_USER_IDS));
    expect(cardSize(fullRefreshList) - cardSize(typical)).toBeLessThan((MAX_REFRESH_USER_IDS - 5) * 100);
    expect(cardSize(fullRefreshList)).toBeLessThan(12 * 1024);
  });

  it('refuses a refresh for more users than Teams refreshes automatically', () => {
    const userIds = Array.from({ length: MAX_REFRESH_USER_IDS + 1 }, (_, index) => `29:${index}`);
    expect(() => deviceView({ machine: machine(), isolation: isolated(), recentActions: [], openAlerts: [], buttons: [], refresh: { ...REFRESH, userIds } }, context))
      .toThrow(RangeError);
  });

  it('leaves userIds out when the bot gave none (Teams then refreshes for everyone in small chats)', () => {
    const refresh = { verb: REFRESH.verb, data: REFRESH.data };
    const card = content(renderCard('device', deviceView({ machine: machine(), isolation: isolated(), recentActions: [], openAlerts: [], buttons: [], refresh }, context)));
    expect(card.refresh).toEqual({ action: { type: 'Action.Execute', verb: refresh.verb, data: refresh.data } });
  });
});

describe('confirmation card', () => {
  const context = viewContext('en-US', NOW);
  const confirm = button('Isolate', 'isolate.confirm', { machineId: 'a'.repeat(40) }, 'destructive');
  const cancel = button('Cancel', 'response.cancel', { machineId: 'a'.repeat(40), back: 'device' });

  it('asks for a required comment and Full/Selective before an isolation', () => {
    const card = content(renderCard('confirm-action', confirmActionView({ ...confirmationOf(isolate, context.strings, { choice: 'Selective' }), machine: machine(), confirm, cancel }, context)));
    const [comment] = elements(card, 'Input.Text');
    expect(comment).toMatchObject({ id: CONFIRM_INPUT_IDS.comment, isRequired: true, errorMessage: 'Enter a comment: Defender requires one.', value: '' });
    const choiceSets = elements(card, 'Input.ChoiceSet');
    expect(choiceSets).toHaveLength(1);
    expect(choiceSets[0]).toMatchObject({ id: CONFIRM_INPUT_IDS.isolationType, isRequired: true, value: 'Selective' });
    expect((choiceSets[0].choices as Json[]).map((choice) => choice.value)).toEqual(['Full', 'Selective']);
    const [confirmAction, cancelAction] = elements(card, 'Action.Execute');
    expect(confirmAction).toMatchObject({ verb: 'isolate.confirm', data: confirm.data, associatedInputs: 'auto', style: 'destructive' });
    expect(cancelAction).toMatchObject({ verb: 'response.cancel', data: cancel.data, associatedInputs: 'none' });
    expect(visibleText(card)).toContain('Isolate pc-finance-07.contoso.local?');
  });

  it('offers no isolation type before a release, and keeps a prefilled comment', () => {
    const release = button('Release', 'release.confirm', { machineId: 'a'.repeat(40) }, 'positive');
    const card = content(renderCard('confirm-action', confirmActionView({ ...confirmationOf(releaseDefinition, viewContext('sv', NOW).strings, { comment: 'Cleaned by IR' }), machine: machine(), confirm: release, cancel }, viewContext('sv', NOW))));
    expect(elements(card, 'Input.ChoiceSet')).toEqual([]);
    expect(elements(card, 'Input.Text')[0]).toMatchObject({ isRequired: true, value: 'Cleaned by IR', errorMessage: 'Skriv en kommentar: Defender kräver en.' });
    expect(visibleText(card)).toContain('Häva isoleringen av pc-finance-07.contoso.local?');
    expectRenderedAs(card, [release, cancel]);
  });
});

describe('action status card', () => {
  const context = viewContext('en-US', NOW);

  it('shows who asked, when and why, the status in colour, and the next button once final', () => {
    const card = content(renderCard('action-status', actionStatusView({ action: machineAction(), requestorName: 'Alice Admin', buttons: [releaseButton] }, context)));
    const text = visibleText(card);
    expect(text).toContain('Isolate: pc-finance-07.contoso.local');
    expect(text).toContain('Alice Admin (alice@contoso.onmicrosoft.com)');
    expect(text).toContain('Isolating: alert 4711, C2 beaconing');
    expect(text).toContain('Full');
    expect(text).not.toContain('updates itself');
    expect(elements(card, 'TextRun').filter((run) => String(run.text).includes('Succeeded')).map((run) => run.color)).toEqual(['good', 'good']);
    expectRenderedAs(card, [releaseButton]);
  });

  it('says the card keeps itself up to date while the action runs, and who cancelled one', () => {
    const running = visibleText(content(renderCard('action-status', actionStatusView({
      action: machineAction({ status: 'InProgress' }), buttons: [], refresh: REFRESH,
    }, context))));
    expect(running).toContain('This card updates itself while the action runs.');
    expect(running).toContain('In progress');
    const cancelled = content(renderCard('action-status', actionStatusView({
      action: machineAction({ status: 'Cancelled', cancellationRequestor: 'carol@contoso.onmicrosoft.com', cancellationDateTimeUtc: '2024-05-01T12:01:00Z' }),
      buttons: [isolateButton],
    }, viewContext('sv-SE', NOW))));
    expect(visibleText(cancelled)).toContain('carol@contoso.onmicrosoft.com, 2024-05-01 12:01 UTC (för 3 tim sedan)');
    expect(elements(cancelled, 'TextRun').find((run) => run.text === 'Avbruten')?.color).toBe('warning');
  });
});

describe('lists', () => {
  const context = viewContext('en-US', NOW);

  it('alert list: newest alerts with severity colour, device, status and age, an Open button each, at most 20', () => {
    const items = Array.from({ length: 30 }, (_, index) => {
      const item = alert({ id: `al${index}`, severity: index % 2 ? 'Medium' : 'High', alertCreationTime: '2024-04-29T14:00:00Z' });
      return { alert: item, open: button('Open', 'alert.open', { alertId: item.id }) };
    });
    const attachment = renderCard('alert-list', alertListView({ items, filter: 'High/Medium · New' }, context));
    const card = content(attachment);
    expectRenderedAs(card, items.slice(0, 20).map((item) => item.open));
    const text = visibleText(card);
    expect(text).toContain('High/Medium · New');
    expect(text).toContain('20 shown, newest first');
    expect(text).toContain('and 10 more');
    expect(text).toContain('High · pc-finance-07.contoso.local · New · 2 days ago');
    expect(elements(card, 'TextRun').filter((run) => run.text === '●').map((run) => run.color).slice(0, 2)).toEqual(['attention', 'warning']);
    expect(cardSize(attachment)).toBeLessThan(30 * 1024);
  });

  it('alert list: an empty result says so', () => {
    const card = content(renderCard('alert-list', alertListView({ items: [], filter: { severities: [], statuses: ['Resolved'], mine: false } }, viewContext('sv-SE', NOW))));
    const text = visibleText(card);
    expect(text).toContain('Inga larm matchar filtret.');
    expect(text).toContain('alla allvarlighetsgrader · Löst');
    expect(elements(card, 'ColumnSet')).toEqual([]);
  });

  it('actions: type with scope, status, requestor and time; at most 10', () => {
    const actions = Array.from({ length: 12 }, (_, index) => machineAction({ id: `a${index}`, status: index === 0 ? 'Failed' : 'Succeeded' }));
    const card = content(renderCard('actions', actionsView({ device: 'pc-finance-07.contoso.local', actions }, context)));
    const text = visibleText(card);
    expect(text).toContain('Isolate (Full)');
    expect(text).toContain('alice@contoso.onmicrosoft.com · 2024-05-01 12:00 UTC (3 hr. ago)');
    expect(text).toContain('and 2 more');
    expect(elements(card, 'TextRun').find((run) => run.text === 'Failed')?.color).toBe('attention');
    expect(visibleText(content(renderCard('actions', actionsView({ device: 'x', actions: [] }, context))))).toContain('No response actions on this device.');
  });

  it('device choices: the closest matches, each with an Open button', () => {
    const choices = [machine(), machine({ id: 'b'.repeat(40), computerDnsName: 'pc-finance-08' })]
      .map((item) => ({ machine: item, open: button('Open', 'device.open', { machineId: item.id }) }));
    const card = content(renderCard('device-choices', deviceChoicesView({ query: 'pc-fin', ambiguous: true, choices }, context)));
    expect(visibleText(card)).toContain('Several devices match "pc-fin"');
    expect(visibleText(card)).toContain('Closest matches');
    expectRenderedAs(card, choices.map((choice) => choice.open));
    const none = visibleText(content(renderCard('device-choices', deviceChoicesView({ query: 'zz', ambiguous: false, choices: [] }, context))));
    expect(none).toContain('No device named "zz"');
    expect(none).toContain('No similar device names.');
  });
});

describe('help and message cards', () => {
  it('help lists every command with syntax, description and example, and the suggestion when given', () => {
    const views = createViews(() => NOW);
    const text = visibleText(content(views.help('en-US', 'alerts')));
    expect(text).toContain('Did you mean ');
    for (const command of ['alerts [high|medium|low|informational]', 'alert <alert id>', 'device <name | device id | IP address>', 'isolate <device>', 'release <device>', 'actions <device>', 'help']) {
      expect(text).toContain(command);
    }
    expect(text).toContain('isolate pc-finance-07 selective Suspicious beaconing');
    expect(visibleText(content(views.help('en-US')))).not.toContain('Did you mean');
  });

  it('message: title coloured by kind, text, suggestions and buttons', () => {
    const views = createViews(() => NOW);
    const card = content(views.message('en-US', { kind: 'warning', title: 'No such device', text: 'No device named "pc-x".', suggestions: ['device pc-1', 'device pc-2'] }));
    expect(elements(card, 'TextRun')[0]).toMatchObject({ text: 'No such device', color: 'warning' });
    expect(visibleText(card)).toContain('device pc-2');
    expect(card.actions).toEqual([]);
  });
});

describe('rendering', () => {
  it('removes whatever the template could not resolve instead of showing a binding', () => {
    const incomplete = { locale: 'en-US', title: 'Only a title', suggestions: [], actions: [] } as unknown as Parameters<typeof renderCard<'message'>>[1];
    const card = content(renderCard('message', incomplete));
    expect(JSON.stringify(card)).not.toContain('${');
    expect(elements(card, 'TextRun')).toEqual([{ type: 'TextRun', text: 'Only a title', size: 'Medium', weight: 'Bolder' }]);
    expect(sdkProblems(card)).toEqual([]);
    const withoutLists = { ...incomplete, text: 'x', suggestions: undefined, actions: undefined } as unknown as typeof incomplete;
    const other = content(renderCard('message', withoutLists));
    expect(JSON.stringify(other)).not.toContain('${');
    expect(sdkProblems(other)).toEqual([]);
  });

  it('uses the strings of the locale the view was built in, unless told otherwise', () => {
    const data = helpView({}, viewContext('sv-SE', NOW));
    expect(visibleText(content(renderCard('help', data)))).toContain('Exempel');
    expect(visibleText(content(renderCard('help', data, 'en-US')))).toContain('Example');
  });

  it('passes action data through untouched, even text that looks like a binding and null values', () => {
    const odd = { title: 'Go', verb: 'x.go', data: { p: { query: '${strings.help.title}' }, n: null, list: [1, null] } };
    const card = content(renderCard('message', messageView({ kind: 'info', title: 't', text: 'x', buttons: [odd] }, viewContext('en-US', NOW))));
    expect(executeActions(card)).toEqual([{ title: 'Go', verb: 'x.go', data: odd.data, style: 'default' }]);
  });

  it('renders every card through createViews as the bot calls it', () => {
    const views = createViews(() => NOW);
    const open = (item: { id: string }) => button('Open', 'x.open', { id: item.id });
    const attachments = [
      views.alertList('sv-SE', [alert()], 'Hög', open),
      views.alert('sv-SE', alert(), undefined, [isolateButton]),
      views.device('sv-SE', machine(), isolated(), [machineAction()], [alert()], [releaseButton], REFRESH),
      views.deviceChoices('sv-SE', 'pc', [machine()], open),
      views.confirm('sv-SE', machine(), confirmationOf(isolate, viewContext('sv-SE', NOW).strings), isolateButton, releaseButton),
      views.actionStatus('sv-SE', machineAction(), [releaseButton], REFRESH),
      views.actions('sv-SE', machine(), [machineAction()]),
    ];
    for (const attachment of attachments) {
      const card = content(attachment);
      expect(sdkProblems(card)).toEqual([]);
      expect(JSON.stringify(card)).not.toContain('${');
    }
  });
});
