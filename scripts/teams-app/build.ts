/**
 * Builds the Teams app package: fills manifest.template.json from the settings, validates the result
 * and the icons, and zips manifest.json, color.png and outline.png at the zip's root.
 */
import fs from 'node:fs';
import path from 'node:path';
import AdmZip from 'adm-zip';
import { manifestCommandLists } from '../../src/bot/manifest-commands';
import { iconProblems, type IconKind } from './icons';
import type { PackageSettings } from './settings';
import { validateTeamsManifest } from './validate';

export const TEMPLATE_FILE = 'manifest.template.json';

export interface AppInfo {
  /** x.y.z, from package.json. */
  version: string;
  description: string;
}

export type BuildResult =
  | { ok: true; manifest: Record<string, unknown>; zip: Buffer }
  | { ok: false; problems: string[] };

export async function buildTeamsAppPackage(settings: PackageSettings, app: AppInfo, manifestDir: string): Promise<BuildResult> {
  if (!/^\d+\.\d+\.\d+$/.test(app.version)) {
    return { ok: false, problems: [`The version in package.json must look like 1.2.3 for Teams (got "${app.version}").`] };
  }
  const templateFile = path.join(manifestDir, TEMPLATE_FILE);
  if (!fs.existsSync(templateFile)) return { ok: false, problems: [`${templateFile} does not exist.`] };

  const filled = fillTemplate(fs.readFileSync(templateFile, 'utf8'), {
    MICROSOFT_APP_ID: settings.appId,
    BOT_DOMAIN: settings.botDomain,
    DEVELOPER_NAME: settings.developerName,
    WEBSITE_URL: settings.websiteUrl,
    PRIVACY_URL: settings.privacyUrl,
    TERMS_URL: settings.termsUrl,
    APP_VERSION: app.version,
    APP_DESCRIPTION: app.description,
  });
  if (!filled.ok) return filled;

  let manifest: Record<string, unknown>;
  try {
    manifest = JSON.parse(filled.text) as Record<string, unknown>;
  } catch (error) {
    return { ok: false, problems: [`${templateFile} is not valid JSON: ${(error as Error).message}`] };
  }
  withCommandLists(manifest);
  const schemaProblems = await validateTeamsManifest(manifest);
  if (schemaProblems.length > 0) {
    return { ok: false, problems: schemaProblems.map((problem) => `The manifest does not match its schema: ${problem}`) };
  }

  const icons = manifest.icons as Record<IconKind, string>;
  const problems: string[] = [];
  const zip = new AdmZip();
  zip.addFile('manifest.json', Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`));
  for (const kind of ['color', 'outline'] as const) {
    const iconFile = path.join(manifestDir, icons[kind]);
    if (!fs.existsSync(iconFile)) {
      problems.push(`${iconFile} (${kind} icon named in the manifest) does not exist.`);
      continue;
    }
    const bytes = fs.readFileSync(iconFile);
    problems.push(...iconProblems(kind, icons[kind], bytes));
    zip.addFile(icons[kind], bytes);
  }
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, manifest, zip: zip.toBuffer() };
}

/** The bot's command lists come from its commands (src/bot/manifest-commands.ts), not from the template, which leaves them empty. */
function withCommandLists(manifest: Record<string, unknown>): void {
  const [bot] = (manifest.bots ?? []) as { commandLists?: unknown[] }[];
  if (bot && (bot.commandLists ?? []).length === 0) bot.commandLists = manifestCommandLists();
}

/** Replaces `${{NAME}}` placeholders with JSON-escaped values; an unknown name is a problem. */
export function fillTemplate(template: string, values: Record<string, string>): { ok: true; text: string } | { ok: false; problems: string[] } {
  const unknown = new Set<string>();
  const text = template.replace(/\$\{\{\s*([A-Z0-9_]+)\s*\}\}/g, (placeholder, name: string) => {
    const value = values[name];
    if (value === undefined) {
      unknown.add(name);
      return placeholder;
    }
    return JSON.stringify(value).slice(1, -1);
  });
  if (unknown.size > 0) {
    return { ok: false, problems: [`The manifest template uses unknown placeholders: ${[...unknown].join(', ')}. Known: ${Object.keys(values).join(', ')}.`] };
  }
  return { ok: true, text };
}
