import path from 'node:path';

/** Where @microsoft/app-manifest keeps the Teams manifest schema of a manifestVersion (e.g. "1.22"). */
export function shippedSchemaFile(manifestVersion: string): string {
  const packageRoot = path.dirname(require.resolve('@microsoft/app-manifest/package.json'));
  return path.join(packageRoot, 'build', 'json-schemas', 'teams', `v${manifestVersion}`, 'MicrosoftTeams.schema.json');
}
