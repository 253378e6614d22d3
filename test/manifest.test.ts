/**
 * The Teams app package as an admin builds it: `scripts/package.ts` run as a process with a test
 * configuration, its zip opened, the manifest checked by Microsoft's validator package against the
 * schema that package ships, and the icons read back as PNGs.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import AdmZip from 'adm-zip';
import { PNG } from 'pngjs';
import { USAGE } from '../src/bot/commands/parse';
import { enUS } from '../src/cards/strings/en-US';
import { shippedSchemaFile } from '../scripts/teams-app/schema-file';

const REPO = path.join(__dirname, '..');
const TSX = path.join(REPO, 'node_modules', '.bin', 'tsx');
const APP_ID = '2f0f5b84-7d3e-4c49-9d0e-4f8b1c2a6d11';
const PACKAGE_JSON = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { version: string };

interface Run { status: number | null; stdout: string; stderr: string }
interface CommandList { scopes: string[]; commands: Array<{ title: string; description: string }> }
interface Manifest {
  $schema: string; manifestVersion: string; id: string; version: string;
  developer: { name: string; websiteUrl: string; privacyUrl: string; termsOfUseUrl: string };
  icons: { color: string; outline: string };
  bots: Array<{ botId: string; scopes: string[]; commandLists: CommandList[] }>;
  validDomains: string[];
  webApplicationInfo: { id: string; resource: string };
}

const workDirs: string[] = [];
function workDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'teams-package-'));
  workDirs.push(dir);
  return dir;
}
afterAll(() => workDirs.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

/** `npm run package` in `cwd`, with only these settings in the environment (none inherited). */
function runPackaging(cwd: string, env: Record<string, string>, args: string[] = []): Run {
  const result = spawnSync(TSX, [path.join(REPO, 'scripts', 'package.ts'), ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? cwd, ...env },
    encoding: 'utf8',
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Schema errors from @microsoft/app-manifest, one list per manifest. */
function validateWithPackage(manifests: unknown[]): string[][] {
  const result = spawnSync(TSX, [path.join(REPO, 'test', 'support', 'validate-teams-manifest.ts')], {
    input: JSON.stringify(manifests),
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`validator process failed: ${result.stderr}`);
  return JSON.parse(result.stdout) as string[][];
}

function blankPng(size: number, rgba: [number, number, number, number]): Buffer {
  const png = new PNG({ width: size, height: size });
  for (let offset = 0; offset < png.data.length; offset += 4) png.data.set(rgba, offset);
  return PNG.sync.write(png);
}

function copyOfManifestDir(): string {
  const dir = path.join(workDir(), 'manifest');
  fs.cpSync(path.join(REPO, 'manifest'), dir, { recursive: true });
  return dir;
}

const VALID_ENV = { MICROSOFT_APP_ID: APP_ID, BOT_PUBLIC_URL: 'https://chatops.contoso.example' };

describe('npm run package with a complete configuration', () => {
  let run: Run;
  let zip: AdmZip;
  let manifest: Manifest;

  beforeAll(() => {
    const cwd = workDir();
    // Read as the bot reads it: .env in the working directory, the environment on top.
    fs.writeFileSync(path.join(cwd, '.env'), `MICROSOFT_APP_ID=${APP_ID}\nBOT_PUBLIC_URL=https://chatops.contoso.example:8443/bot\nTEAMS_APP_DEVELOPER_NAME=Contoso SOC\n`);
    run = runPackaging(cwd, { TEAMS_APP_PRIVACY_URL: 'https://contoso.example/privacy' });
    zip = new AdmZip(path.join(cwd, 'dist', 'teams-app.zip'));
    manifest = JSON.parse(zip.readAsText('manifest.json')) as Manifest;
  });

  test('writes dist/teams-app.zip with manifest.json and both icons at its root', () => {
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('teams-app.zip');
    expect(zip.getEntries().map((entry) => entry.entryName).sort()).toEqual(['color.png', 'manifest.json', 'outline.png']);
    expect(manifest.icons).toEqual({ color: 'color.png', outline: 'outline.png' });
  });

  test('the manifest passes @microsoft/app-manifest with the schema it ships for the manifest version', () => {
    expect(manifest.$schema).toBe(`https://developer.microsoft.com/json-schemas/teams/v${manifest.manifestVersion}/MicrosoftTeams.schema.json`);
    expect(fs.existsSync(shippedSchemaFile(manifest.manifestVersion))).toBe(true);
    expect(validateWithPackage([manifest])).toEqual([[]]);
  });

  test('the same validator rejects broken variants of the manifest', () => {
    const tooManyCommands = structuredClone(manifest);
    const list = tooManyCommands.bots[0].commandLists[0];
    list.commands = Array.from({ length: 11 }, (_, index) => ({ title: `c${index}`, description: 'x' }));
    const [badId, elevenCommands, unknownProperty] = validateWithPackage([
      { ...manifest, id: 'not-a-guid' },
      tooManyCommands,
      { ...manifest, botSecret: 'x' },
    ]);
    expect(badId.join('\n')).toContain('/id');
    expect(elevenCommands.join('\n')).toContain('/bots/0/commandLists/0/commands');
    expect(unknownProperty.join('\n')).toContain('additional properties');
  });

  test('ties the app, the bot and Teams SSO to the bot\'s Entra app registration', () => {
    expect(manifest.id).toBe(APP_ID);
    expect(manifest.bots).toHaveLength(1);
    expect(manifest.bots[0].botId).toBe(APP_ID);
    expect(manifest.webApplicationInfo).toEqual({ id: APP_ID, resource: `api://botid-${APP_ID}` });
  });

  test('takes validDomains from BOT_PUBLIC_URL, the version from package.json and the developer from the settings', () => {
    expect(manifest.validDomains).toEqual(['chatops.contoso.example']);
    expect(manifest.version).toBe(PACKAGE_JSON.version);
    expect(manifest.developer).toEqual({
      name: 'Contoso SOC',
      websiteUrl: 'https://chatops.contoso.example:8443/bot',
      privacyUrl: 'https://contoso.example/privacy',
      termsOfUseUrl: 'https://chatops.contoso.example:8443/bot',
    });
  });

  test('installs in personal, team and group chat, with one command list per scope within Teams\' limits', () => {
    const bot = manifest.bots[0];
    expect([...bot.scopes].sort()).toEqual(['groupChat', 'personal', 'team']);
    for (const scope of bot.scopes) {
      expect(bot.commandLists.filter((list) => list.scopes.includes(scope))).toHaveLength(1);
    }
    for (const list of bot.commandLists) {
      expect(list.commands.length).toBeGreaterThan(0);
      expect(list.commands.length).toBeLessThanOrEqual(10);
      expect(new Set(list.commands.map((command) => command.title)).size).toBe(list.commands.length);
      for (const { title, description } of list.commands) {
        expect(title.length).toBeLessThanOrEqual(32);
        expect(description.length).toBeGreaterThan(0);
        expect(description.length).toBeLessThanOrEqual(128);
      }
    }
  });

  test('lists commands of the bot chosen per scope (help lists every command), and signout only in personal chat', () => {
    const titles = (scope: string) => manifest.bots[0].commandLists.find((list) => list.scopes.includes(scope))!.commands.map((command) => command.title);
    const listed = new Set(['personal', 'team', 'groupChat'].flatMap(titles));
    for (const command of listed) expect(Object.keys(USAGE)).toContain(command);
    for (const command of Object.keys(USAGE)) expect(Object.keys(enUS.help.commands)).toContain(command);
    expect(titles('team')).toContain('scan');
    expect(titles('personal')).toContain('signout');
    expect(titles('team')).not.toContain('signout');
    expect(titles('groupChat')).not.toContain('signout');
    expect(titles('team')).toContain('subscribe');
    expect(titles('team')).toContain('isolated');
    expect(titles('personal')).toContain('isolated');
  });

  test('icons: color is 192x192; outline is 32x32, white on a transparent background', () => {
    const color = PNG.sync.read(zip.readFile('color.png')!);
    expect([color.width, color.height]).toEqual([192, 192]);

    const outline = PNG.sync.read(zip.readFile('outline.png')!);
    expect([outline.width, outline.height]).toEqual([32, 32]);
    let transparent = 0;
    let white = 0;
    for (let offset = 0; offset < outline.data.length; offset += 4) {
      const [r, g, b, a] = outline.data.subarray(offset, offset + 4);
      if (a === 0) transparent++;
      else {
        expect([r, g, b]).toEqual([255, 255, 255]);
        white++;
      }
    }
    expect(outline.data[3]).toBe(0); // the corner is background
    expect(transparent).toBeGreaterThan(0);
    expect(white).toBeGreaterThan(0);
  });
});

describe('npm run package refuses to build from bad input, and writes nothing', () => {
  const noZipIn = (cwd: string) => expect(fs.existsSync(path.join(cwd, 'dist', 'teams-app.zip'))).toBe(false);
  const noStackTrace = (run: Run) => expect(run.stderr).not.toMatch(/^\s+at /m);

  test('names each missing setting', () => {
    const cwd = workDir();
    const run = runPackaging(cwd, {});
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('MICROSOFT_APP_ID is missing');
    expect(run.stderr).toContain('BOT_PUBLIC_URL is missing');
    noStackTrace(run);
    noZipIn(cwd);
  });

  test('says what is wrong with malformed settings', () => {
    const cwd = workDir();
    const run = runPackaging(cwd, {
      MICROSOFT_APP_ID: 'my-bot',
      BOT_PUBLIC_URL: 'http://chatops.contoso.example',
      TEAMS_APP_TERMS_URL: 'not a url',
      TEAMS_APP_DEVELOPER_NAME: 'A developer name that is far too long for Teams',
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('MICROSOFT_APP_ID must be a GUID');
    expect(run.stderr).toContain('BOT_PUBLIC_URL must be an https:// URL (got "http://chatops.contoso.example")');
    expect(run.stderr).toContain('TEAMS_APP_TERMS_URL must be an https:// URL');
    expect(run.stderr).toContain('TEAMS_APP_DEVELOPER_NAME must be at most 32 characters');
    noStackTrace(run);
    noZipIn(cwd);
  });

  test('rejects icons of the wrong size or colours', () => {
    const manifestDir = copyOfManifestDir();
    fs.writeFileSync(path.join(manifestDir, 'outline.png'), blankPng(48, [0, 120, 212, 255]));
    fs.writeFileSync(path.join(manifestDir, 'color.png'), blankPng(96, [0, 120, 212, 255]));
    const cwd = workDir();
    const run = runPackaging(cwd, VALID_ENV, ['--manifest-dir', manifestDir]);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('color.png (color icon) must be 192x192 pixels (got 96x96)');
    expect(run.stderr).toContain('outline.png (outline icon) must be 32x32 pixels (got 48x48)');
    expect(run.stderr).toContain('outline.png (outline icon) must have a transparent background');
    noZipIn(cwd);
  });

  test('rejects a template that the validator does not accept', () => {
    const manifestDir = copyOfManifestDir();
    const templateFile = path.join(manifestDir, 'manifest.template.json');
    const template = JSON.parse(fs.readFileSync(templateFile, 'utf8')) as Manifest;
    // A template that names its own command lists keeps them; eleven commands are one too many.
    template.bots[0].commandLists = [{ scopes: ['personal'], commands: Array.from({ length: 11 }, (_, index) => ({ title: `c${index}`, description: 'x' })) }];
    fs.writeFileSync(templateFile, JSON.stringify(template));
    const cwd = workDir();
    const run = runPackaging(cwd, VALID_ENV, ['--manifest-dir', manifestDir]);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('does not match its schema: /bots/0/commandLists/0/commands');
    noStackTrace(run);
    noZipIn(cwd);
  });

  test('rejects a template with a placeholder it cannot fill', () => {
    const manifestDir = copyOfManifestDir();
    const templateFile = path.join(manifestDir, 'manifest.template.json');
    fs.writeFileSync(templateFile, fs.readFileSync(templateFile, 'utf8').replace('${{DEVELOPER_NAME}}', '${{SUPPORT_TEAM}}'));
    const cwd = workDir();
    const run = runPackaging(cwd, VALID_ENV, ['--manifest-dir', manifestDir]);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('unknown placeholders: SUPPORT_TEAM');
    noZipIn(cwd);
  });
});
