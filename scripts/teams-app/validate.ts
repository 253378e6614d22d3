/**
 * Validation of a Teams app manifest by Microsoft's @microsoft/app-manifest package, against the
 * schema that package ships for the manifest's manifestVersion, so nothing is fetched.
 */
import fs from 'node:fs';
import { AppManifestUtils } from '@microsoft/app-manifest';
import { shippedSchemaFile } from './schema-file';

type AppManifest = Parameters<typeof AppManifestUtils.validateAgainstSchema>[0];
type AppManifestSchema = NonNullable<Parameters<typeof AppManifestUtils.validateAgainstSchema>[1]>;

/** The schema errors of the manifest (empty when it is valid). */
export async function validateTeamsManifest(manifest: Record<string, unknown>): Promise<string[]> {
  const version = manifest.manifestVersion;
  if (typeof version !== 'string' || !/^\d+\.\d+$/.test(version)) {
    return [`manifestVersion must be a version like "1.22" (got ${JSON.stringify(version)}).`];
  }
  const schemaFile = shippedSchemaFile(version);
  if (!fs.existsSync(schemaFile)) return [`@microsoft/app-manifest ships no schema for manifestVersion ${version}.`];
  const schema = JSON.parse(fs.readFileSync(schemaFile, 'utf8')) as AppManifestSchema;
  return AppManifestUtils.validateAgainstSchema(manifest as unknown as AppManifest, schema);
}
