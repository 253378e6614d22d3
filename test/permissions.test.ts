/**
 * `permissions` (alias `whoami`): what the signed-in user holds through the bot, read from the
 * claims of their own Defender and Graph tokens (never the tokens), which actions that enables or
 * lacks, and the app's own read-only permissions; en-US and sv-SE.
 */
import { DEFENDER_API, SEEDED, SEEDED_USERS } from '../src/twin/directory';
import { askForCard, botInSocChannel } from './support/bot-harness';

const { alice, bob, carol } = SEEDED_USERS;
const soc = botInSocChannel();

const JWT = /eyJ[\w-]{5,}\.[\w-]{5,}\.[\w-]*/;

describe('permissions', () => {
  it('names the user, their Defender and Graph permissions and the app\'s, and what each action needs; no token on the card', async () => {
    const { card, text } = await askForCard(soc.env.twin, bob, soc.channel, 'permissions');
    expect(text).toContain('bob@contoso.onmicrosoft.com');
    expect(text).toMatch(/Your Defender permissions.*Alert\.ReadWrite, Machine\.CollectForensics, Machine\.Isolate, Machine\.Read, Machine\.RestrictExecution, Machine\.Scan, Machine\.StopAndQuarantine, Ti\.ReadWrite/s);
    expect(text).toMatch(/Your Microsoft Graph permissions.*SecurityIncident\.Read\.All/s);
    expect(text).toMatch(/The bot's own permissions.*Alert\.Read\.All, Machine\.Read\.All/s);
    expect(text).toMatch(/Device groups Defender shows you\s*"Workstations"/);
    expect(text).toMatch(/Isolate: Machine\.Isolate; Defender also needs your role to grant "Active remediation actions"/);
    expect(text).toMatch(/Block indicator: Ti\.ReadWrite/);
    expect(text).toMatch(/Stop and quarantine file: Machine\.StopAndQuarantine/);
    expect(text).not.toContain('{');
    expect(text).not.toContain('You cannot');
    expect(JSON.stringify(card)).not.toMatch(JWT);
  });

  it('says which action a missing app permission rules out, by the permission\'s name (alias whoami)', async () => {
    const app = soc.env.twin.entra.directory.apps.get(SEEDED.botAppId)!;
    app.delegatedPermissions[DEFENDER_API.appId] = app.delegatedPermissions[DEFENDER_API.appId].filter((scope) => scope !== 'Ti.ReadWrite');
    const { text } = await askForCard(soc.env.twin, alice, soc.channel, 'whoami');
    expect(text).toContain('alice@contoso.onmicrosoft.com');
    expect(text).toMatch(/Device groups Defender shows you\s*"\w+", "\w+"/);
    expect(text).toMatch(/You cannot.*Block indicator: the bot lacks the app permission Ti\.ReadWrite/s);
    expect(text).toMatch(/You can.*Isolate: Machine\.Isolate/s);
  });

  it('speaks Swedish to a Swedish Teams client', async () => {
    soc.env.twin.teams.driver.setLocale(carol, 'sv-SE');
    const { text } = await askForCard(soc.env.twin, carol, soc.channel, 'permissions');
    expect(text).toContain('Vad du kan göra via boten');
    expect(text).toContain('Dina behörigheter i Defender');
    expect(text).toMatch(/Isolering: Machine\.Isolate; Defender kräver också/);
  });
});
