/**
 * The bot speaks the language of the user's Teams (`activity.locale`): Swedish for sv-SE, English
 * for en-US and for any language it has no strings for. End to end through the real bot, for every
 * command, every kind of refusal, and card button outcomes; the wire is the Teams twin's.
 */
import { SEEDED_USERS } from '../src/twin/directory';
import { WELL_KNOWN_DEVICES } from '../src/twin/defender/seed';
import type { Machine } from '../src/defender/model';
import type { Conversation, TranscriptEntry } from '../src/twin/teams';
import { botMessages, cardText, eventually, isSignInCardFor, sayAndSignIn, startBotWithTwin, type BotWithTwin } from './support/bot-harness';

const { alice, carol } = SEEDED_USERS;
const OAUTH_CARD = 'application/vnd.microsoft.card.oauth';
let env: BotWithTwin;

beforeAll(async () => {
  env = await startBotWithTwin();
});
afterAll(() => env.close());

type Language = 'sv' | 'en';
/** What a reply says in each language: every phrase of its language, none of the other's. */
type Phrases = Record<Language, string[]>;

/** Words of the bot's own English that must never show up in a Swedish reply written by the bot. */
const ENGLISH_GIVEAWAYS = [
  /\bthe\b/i, /\byou\b/i, /\byour\b/i, /\bplease\b/i, /\bnot\b/i, /\bdevice\b/i, /\balerts?\b/i, /\bsign in\b/i,
  /\bcheck\b/i, /\bsubscri/i, /\bnotifications?\b/i, /\btype\b/i, /\bsomething\b/i, /\bno such\b/i, /\ballowed\b/i,
];

/** Commands are typed in English in every language: code spans and suggested command lines are not prose. */
function prose(text: string): string {
  return text
    .replace(/`[^`]*`/g, ' ')
    .split('\n')
    .filter((line) => !/^(help|alerts?|device|isolate|release|actions|subscribe|unsubscribe|subscriptions|audit|signout)\b/.test(line.trim()))
    .join('\n');
}

function expectLanguage(language: Language, text: string, phrases: Phrases, options: { onlyBotText?: boolean } = {}): void {
  const other: Language = language === 'sv' ? 'en' : 'sv';
  for (const phrase of phrases[language]) expect(text).toContain(phrase);
  for (const phrase of phrases[other]) expect(text).not.toContain(phrase);
  // Replies without Defender data (alert titles, OS names are English in any language) are checked word by word.
  if (language === 'sv' && options.onlyBotText) for (const word of ENGLISH_GIVEAWAYS) expect(prose(text)).not.toMatch(word);
}

/** A fresh Windows 11 workstation nobody has acted on (for isolate/release confirmations). */
function quietWorkstation(): Machine {
  const { machines, actions } = env.twin.defender.data;
  const machine = machines.find((m) => m.rbacGroupName === 'Workstations' && m.healthStatus === 'Active'
    && m.osPlatform === 'Windows11' && !actions.some((a) => a.machineId === m.id));
  if (!machine) throw new Error('the seed has no quiet workstation');
  return machine;
}

/** The text of a bot message: its card's texts, an OAuthCard's texts, or its plain text. */
function messageText(entry: TranscriptEntry): string {
  if (entry.cards.length > 0) return cardText(entry.cards[0]);
  const oauth = entry.attachments.find((attachment) => attachment.contentType === OAUTH_CARD);
  return oauth ? cardText(oauth.content) : entry.text ?? '';
}

const isSignInCard = (entry: TranscriptEntry) =>
  isSignInCardFor(entry) || entry.attachments.some((attachment) => attachment.contentType === OAUTH_CARD);

describe.each([
  { locale: 'sv-SE', language: 'sv' as const },
  { locale: 'en-US', language: 'en' as const },
  { locale: 'de-DE', language: 'en' as const },
])('the bot in $locale', ({ locale, language }) => {
  let channel: Conversation;

  beforeAll(async () => {
    const { driver } = env.twin.teams;
    driver.setLocale(alice, locale);
    driver.setLocale(carol, locale);
    const team = driver.createTeam({ name: `SOC ${locale}`, members: [alice, carol] });
    await driver.install(team);
    channel = team.channels[0];
  });

  /** Says `text` and returns the bot's answer (after any sign-in: in a channel the user presses Sign in). */
  async function ask(user: string, text: string): Promise<{ id: string; text: string; entry: TranscriptEntry }> {
    const before = botMessages(env.twin, channel).length;
    await sayAndSignIn(env.twin, user, channel, text);
    return eventually(() => {
      const answers = botMessages(env.twin, channel).slice(before).filter((entry) => !isSignInCard(entry));
      const answer = answers[answers.length - 1];
      if (!answer) throw new Error('no answer yet');
      return { id: answer.id, text: messageText(answer), entry: answer };
    });
  }

  const is = (text: string, phrases: Phrases, options?: { onlyBotText?: boolean }) => expectLanguage(language, text, phrases, options);

  it('help', async () => {
    is((await ask(alice, 'help')).text, {
      sv: ['Defender för Endpoint i Teams', 'Skriv ett kommando', 'Exempel'],
      en: ['Defender for Endpoint in Teams', 'Type a command', 'Example'],
    });
  });

  it('an unknown command gets the help card with the closest command', async () => {
    const { text } = await ask(alice, 'devcie ws-0042');
    is(text, { sv: ['Menade du'], en: ['Did you mean'] });
    expect(text).toContain('device');
  });

  it('a bad argument names the word and the command\'s syntax', async () => {
    is((await ask(alice, 'alerts purple')).text, {
      sv: ['Jag förstod inte "purple"', 'Skriv: `alerts [high|'],
      en: ['I did not understand "purple"', 'Type: `alerts [high|'],
    }, { onlyBotText: true });
  });

  it('a missing argument shows the syntax in the user\'s language', async () => {
    is((await ask(alice, 'device')).text, {
      sv: ['Något saknas', 'device <namn | enhets-id | IP-adress>'],
      en: ['Something is missing', 'device <name | device id | IP address>'],
    }, { onlyBotText: true });
  });

  it('alerts, with the filter described in the user\'s language', async () => {
    is((await ask(alice, 'alerts high')).text, {
      sv: ['Larm', 'Hög · Ny, Pågår', 'nyaste först'],
      en: ['Alerts', 'High · New, In progress', 'newest first'],
    });
  });

  it('alert <id>', async () => {
    const alert = env.twin.defender.data.alerts.find((a) => a.machineId && a.evidence.length > 0)!;
    is((await ask(alice, `alert ${alert.id}`)).text, {
      sv: ['Tilldelat', 'Kategori', 'Öppna i Microsoft Defender'],
      en: ['Assigned to', 'Category', 'Open in Microsoft Defender'],
    });
  });

  it('an alert that does not exist', async () => {
    is((await ask(alice, 'alert da000000000000000000_0000000000')).text, {
      sv: ['Hittades inte', 'Defender har inget larm da000000000000000000_0000000000', 'enhetsgrupper du kan se'],
      en: ['Not found', 'Defender has no alert da000000000000000000_0000000000', 'device groups you can see'],
    });
  });

  it('device', async () => {
    is((await ask(alice, `device ${WELL_KNOWN_DEVICES.isolated}`)).text, {
      sv: ['Enhetsgrupp', 'Hälsa', 'Isolerad', 'Häv isolering'],
      en: ['Device group', 'Health', 'Isolated', 'Release from isolation'],
    });
  });

  it('a device name nobody has', async () => {
    is((await ask(alice, 'device zz-nothing-like-it')).text, {
      sv: ['Enheten finns inte', 'Det finns ingen enhet med namnet "zz-nothing-like-it"'],
      en: ['No such device', 'No device named "zz-nothing-like-it"'],
    });
  });

  it('an IP address no device used', async () => {
    is((await ask(alice, 'device 198.51.100.77')).text, {
      sv: ['Ingen enhet hittades', 'IP-adressen 198.51.100.77 de senaste 15 minuterna'],
      en: ['No device found', 'the IP address 198.51.100.77 in the last 15 minutes'],
    }, { onlyBotText: true });
  });

  it('isolate asks for confirmation', async () => {
    const machine = quietWorkstation();
    is((await ask(alice, `isolate ${machine.computerDnsName}`)).text, {
      sv: [`Isolera ${machine.computerDnsName}?`, 'Kommentar', 'Typ av isolering', 'Avbryt'],
      en: [`Isolate ${machine.computerDnsName}?`, 'Comment', 'Isolation type', 'Cancel'],
    });
  });

  it('release asks for confirmation', async () => {
    is((await ask(alice, `release ${WELL_KNOWN_DEVICES.isolated}`)).text, {
      sv: [`Häva isoleringen av ${WELL_KNOWN_DEVICES.isolated}?`, 'Enheten kopplas in i nätverket igen.'],
      en: [`Release ${WELL_KNOWN_DEVICES.isolated} from isolation?`, 'The device will be reconnected to the network.'],
    });
  });

  it('actions', async () => {
    is((await ask(alice, `actions ${WELL_KNOWN_DEVICES.isolated}`)).text, {
      sv: [`Åtgärder: ${WELL_KNOWN_DEVICES.isolated}`, 'Lyckades'],
      en: [`Response actions: ${WELL_KNOWN_DEVICES.isolated}`, 'Succeeded'],
    });
  });

  it('subscribe, subscriptions, unsubscribe', async () => {
    is((await ask(alice, 'subscribe high group Workstations')).text, {
      sv: ['Prenumeration på larmaviseringar startad', 'allvarlighetsgraden Hög eller högre på enheter i enhetsgrupperna "Workstations"'],
      en: ['Subscribed to alert notifications', 'severity High or higher on devices in the device groups "Workstations"'],
    }, { onlyBotText: true });
    is((await ask(alice, 'subscriptions')).text, {
      sv: ['Larmaviseringar', 'Hög och högre, enhetsgrupper "Workstations" (av alice@contoso.onmicrosoft.com): aktiv'],
      en: ['Alert notifications', 'High and higher, device groups "Workstations" (by alice@contoso.onmicrosoft.com): active'],
    });
    is((await ask(alice, 'unsubscribe')).text, {
      sv: ['Prenumerationen avslutad', 'får inte längre några larmaviseringar'],
      en: ['Unsubscribed', 'no longer gets alert notifications'],
    }, { onlyBotText: true });
    is((await ask(alice, 'unsubscribe')).text, {
      sv: ['Ingen prenumeration', 'hade inga larmaviseringar'],
      en: ['No subscription', 'had no alert notifications'],
    }, { onlyBotText: true });
    is((await ask(alice, 'subscriptions')).text, {
      sv: ['Inga prenumerationer', 'får inga larmaviseringar'],
      en: ['No subscriptions', 'gets no alert notifications'],
    }, { onlyBotText: true });
  });

  it('audit', async () => {
    is((await ask(alice, 'audit')).text, {
      sv: ['Granskningslogg'],
      en: ['Audit log'],
    });
  });

  it('a viewer confirming an isolation is told which permission is missing, and nothing reaches Defender as an action', async () => {
    const machine = quietWorkstation();
    const confirmation = await ask(carol, `isolate ${machine.computerDnsName}`);
    const click = await env.twin.teams.driver.click(carol, confirmation.id, 'isolate.confirm', { comment: 'Suspicious beaconing', isolationType: 'Full' });
    const outcome = click.body as { statusCode: number; value: unknown };
    expect(outcome.statusCode).toBe(200);
    const text = cardText(outcome.value);
    is(text, {
      sv: ['Behörighet saknas', 'Du har inte behörighet att isolera enheten.', 'rollbehörigheten "Active remediation actions"'],
      en: ['Not allowed', 'You are not allowed to isolate the device.', 'role permission "Active remediation actions"'],
    });
    expect(text).toContain('Machine.Isolate');
    expect(env.twin.defender.data.actions.filter((action) => action.machineId === machine.id)).toHaveLength(0);
  });

  it('a confirmation without a comment asks for one', async () => {
    const machine = quietWorkstation();
    const confirmation = await ask(alice, `isolate ${machine.computerDnsName}`);
    const click = await env.twin.teams.driver.click(alice, confirmation.id, 'isolate.confirm', { comment: '   ', isolationType: 'Full' });
    is(cardText((click.body as { value: unknown }).value), {
      sv: ['Kontrollera det du har angett', 'En kommentar krävs'],
      en: ['Check your input', 'A comment is required'],
    }, { onlyBotText: true });
  });

  it('Defender throttling says when to try again', async () => {
    env.twin.defender.faults.inject('alerts', { kind: 'throttle', retryAfterSeconds: 120 });
    try {
      is((await ask(alice, 'alerts')).text, {
        sv: ['Defender är upptaget', 'försök igen om 120 s'],
        en: ['Defender is busy', 'try again in 120 s'],
      }, { onlyBotText: true });
    } finally {
      env.twin.defender.faults.clear('alerts');
    }
  });

  it('a failed isolation warns that it may still have reached Defender', async () => {
    const machine = quietWorkstation();
    const confirmation = await ask(alice, `isolate ${machine.computerDnsName}`);
    env.twin.defender.faults.inject('machines.isolate', { kind: 'serverError', status: 500 }, 1);
    const click = await env.twin.teams.driver.click(alice, confirmation.id, 'isolate.confirm', { comment: 'C2 beaconing', isolationType: 'Full' });
    is(cardText((click.body as { value: unknown }).value), {
      sv: ['Defender svarar inte', 'vid försöket att isolera enheten', 'Det är oklart om Defender tog emot åtgärden'],
      en: ['Defender is not answering', 'while trying to isolate the device', 'may or may not have been accepted'],
    }, { onlyBotText: true });
  });

  it('a forged button is refused with a message in the user\'s language', async () => {
    const { response } = await env.twin.teams.driver.invoke(alice, channel, 'adaptiveCard/action', {
      action: { type: 'Action.Execute', verb: 'isolate.confirm', data: { p: { machineId: quietWorkstation().id }, comment: 'forged' } },
      trigger: 'manual',
    });
    const body = response.body as { statusCode: number; value: { message: string } };
    expect(body.statusCode).toBe(400);
    is(body.value.message, {
      sv: ['Kortåtgärden är inte giltig här', 'i den här konversationen'],
      en: ['This card action is not valid here', 'in this conversation'],
    }, { onlyBotText: true });
  });

  it('signout, and the sign-in card the next command brings', async () => {
    is((await ask(alice, 'signout')).text, {
      sv: ['Du är utloggad från Defender', 'Nästa kommando loggar in dig igen'],
      en: ['You are signed out of Defender', 'Your next command signs you in again'],
    }, { onlyBotText: true });
    const before = botMessages(env.twin, channel).length;
    await ask(alice, 'audit');
    const signIn = botMessages(env.twin, channel).slice(before).find(isSignInCard);
    expect(signIn).toBeDefined();
    is(messageText(signIn!), {
      sv: ['Logga in i Microsoft Defender', 'Defender ChatOps agerar i Defender som du'],
      en: ['Sign in to Microsoft Defender', 'Defender ChatOps acts in Defender as you'],
    });
  });
});
