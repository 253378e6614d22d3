/**
 * `npm run package`: builds the Teams app package (dist/teams-app.zip) from manifest/ and the
 * configuration, read as the bot reads it (.env in the working directory, then the environment).
 * Options: --out <zip file>, --manifest-dir <folder with manifest.template.json and the icons>.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { buildTeamsAppPackage } from './teams-app/build';
import { readPackageSettings } from './teams-app/settings';

const REPO_ROOT = path.join(__dirname, '..');

async function main(): Promise<number> {
  let options: { out: string; manifestDir: string };
  try {
    const { values } = parseArgs({
      options: { out: { type: 'string' }, 'manifest-dir': { type: 'string' } },
      strict: true,
    });
    options = {
      out: path.resolve(values.out ?? path.join('dist', 'teams-app.zip')),
      manifestDir: path.resolve(values['manifest-dir'] ?? path.join(REPO_ROOT, 'manifest')),
    };
  } catch (error) {
    console.error(`${(error as Error).message}\nUsage: npm run package -- [--out <file.zip>] [--manifest-dir <folder>]`);
    return 2;
  }

  if (fs.existsSync('.env')) process.loadEnvFile('.env');
  const settings = readPackageSettings(process.env);
  if (!settings.ok) {
    return fail('The Teams app package cannot be built: its configuration is incomplete.', settings.problems,
      'Set these in .env (see .env.example) or in the environment, then run `npm run package` again.');
  }

  const packageJson = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string; description: string };
  const built = await buildTeamsAppPackage(settings.settings, packageJson, options.manifestDir);
  if (!built.ok) return fail('The Teams app package was not written:', built.problems);

  fs.mkdirSync(path.dirname(options.out), { recursive: true });
  fs.writeFileSync(options.out, built.zip);
  console.log(`Wrote ${path.relative(process.cwd(), options.out) || options.out} (Teams app ${settings.settings.appId}, version ${packageJson.version}, valid domain ${settings.settings.botDomain}).`);
  console.log('Upload it in the Teams admin center (Teams apps > Manage apps > Upload new app) or with "Upload a custom app" in Teams.');
  return 0;
}

function fail(headline: string, problems: string[], hint?: string): number {
  console.error(headline);
  for (const problem of problems) console.error(`  - ${problem}`);
  if (hint) console.error(`\n${hint}`);
  return 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`The Teams app package could not be built: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
