/**
 * Validates Teams manifests with @microsoft/app-manifest in a separate process: that package loads an
 * ES module (strip-bom 5) which jest's CommonJS runtime cannot require on Node 20.
 * stdin: a JSON array of manifests; stdout: a JSON array with each manifest's schema errors.
 */
import fs from 'node:fs';
import { validateTeamsManifest } from '../../scripts/teams-app/validate';

async function main(): Promise<void> {
  const manifests = JSON.parse(fs.readFileSync(0, 'utf8')) as Array<Record<string, unknown>>;
  const results: string[][] = [];
  for (const manifest of manifests) results.push(await validateTeamsManifest(manifest));
  process.stdout.write(JSON.stringify(results));
}

void main();
