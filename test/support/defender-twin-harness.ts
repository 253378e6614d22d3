import { TwinClock } from '../../src/twin/clock';
import { SEEDED, seedDirectory } from '../../src/twin/directory';
import { DefenderTwin, type DefenderTwinOptions } from '../../src/twin/defender/server';
import { EntraTwin } from '../../src/twin/entra';

export const DEFENDER_RESOURCE = 'https://api.securitycenter.microsoft.com';
export const ODATA_JSON = 'application/json; odata.metadata=minimal; odata.streaming=true; charset=utf-8';
export const CONTEXT_BASE = 'https://api.securitycenter.microsoft.com/api/$metadata';

export interface WireReply {
  status: number;
  headers: Headers;
  text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

export interface CallOptions {
  token?: string;
  /** An object is sent as JSON; a string is sent as is. */
  body?: unknown;
  headers?: Record<string, string>;
}

/** An Entra twin and a Defender twin on loopback, a frozen clock, and helpers to call Defender as someone. */
export class DefenderHarness {
  private constructor(readonly clock: TwinClock, readonly entra: EntraTwin, readonly defender: DefenderTwin) {}

  static async start(options: Partial<Omit<DefenderTwinOptions, 'entra' | 'clock'>> = {}): Promise<DefenderHarness> {
    const clock = new TwinClock();
    clock.freeze();
    const entra = await EntraTwin.start({ directory: seedDirectory(), clock });
    const defender = await DefenderTwin.start({ entra, clock, ...options });
    return new DefenderHarness(clock, entra, defender);
  }

  /** App-only token (default: the seeded SOC automation app, which may act on machines). */
  appToken(clientId = SEEDED.automationAppId): string {
    return this.entra.issueAccessToken({ clientId, resource: DEFENDER_RESOURCE });
  }

  /** Delegated token the bot app would get on behalf of the user (OBO, `.default`). */
  userToken(oid: string, clientId = SEEDED.botAppId): string {
    return this.entra.issueAccessToken({ clientId, resource: DEFENDER_RESOURCE, userOid: oid });
  }

  async call(method: string, path: string, options: CallOptions = {}): Promise<WireReply> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.Authorization = `Bearer ${options.token}`;
    let body: string | undefined;
    if (typeof options.body === 'string') body = options.body;
    else if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['Content-Type'] ??= 'application/json';
    }
    const url = path.startsWith('https://') ? path : `${this.defender.baseUrl}${path}`;
    const response = await fetch(url, { method, headers, body });
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: response.status, headers: response.headers, text, body: parsed };
  }

  machineByName(name: string) {
    const machine = this.defender.data.machines.find((candidate) => candidate.computerDnsName === name);
    if (!machine) throw new Error(`no seeded machine ${name}`);
    return machine;
  }

  async close(): Promise<void> {
    await this.defender.close();
    await this.entra.close();
  }
}

/** Field lists of reference §5 (what the API serialises), sorted, to compare with `Object.keys`. */
export const ALERT_FIELDS = [
  'id', 'incidentId', 'investigationId', 'assignedTo', 'severity', 'status', 'classification', 'determination',
  'investigationState', 'detectionSource', 'detectorId', 'category', 'threatFamilyName', 'threatName', 'title', 'description',
  'alertCreationTime', 'firstEventTime', 'lastEventTime', 'lastUpdateTime', 'resolvedTime', 'machineId', 'computerDnsName',
  'rbacGroupName', 'aadTenantId', 'mitreTechniques', 'relatedUser', 'loggedOnUsers', 'comments', 'evidence', 'domains',
].sort();

export const EVIDENCE_FIELDS = [
  'entityType', 'evidenceCreationTime', 'sha1', 'sha256', 'fileName', 'filePath', 'processId', 'processCommandLine',
  'processCreationTime', 'parentProcessId', 'parentProcessCreationTime', 'parentProcessFileName', 'parentProcessFilePath',
  'ipAddress', 'url', 'registryKey', 'registryHive', 'registryValueType', 'registryValue', 'accountName', 'domainName',
  'userSid', 'aadUserId', 'userPrincipalName', 'detectionStatus',
].sort();

export const MACHINE_FIELDS = [
  'id', 'computerDnsName', 'firstSeen', 'lastSeen', 'osPlatform', 'osVersion', 'version', 'osProcessor', 'osArchitecture',
  'osBuild', 'agentVersion', 'lastIpAddress', 'lastExternalIpAddress', 'ipAddresses', 'healthStatus', 'onboardingStatus',
  'riskScore', 'exposureLevel', 'deviceValue', 'rbacGroupId', 'rbacGroupName', 'isAadJoined', 'aadDeviceId', 'machineTags',
  'defenderAvStatus', 'managedBy', 'managedByStatus', 'isPotentialDuplication', 'isExcluded', 'exclusionReason',
  'mergedIntoMachineId', 'vmMetadata',
].sort();

/** The keys of the 201 example in reference §5.5. */
export const MACHINE_ACTION_FIELDS = [
  'id', 'type', 'title', 'requestor', 'requestorComment', 'status', 'machineId', 'computerDnsName', 'creationDateTimeUtc',
  'lastUpdateDateTimeUtc', 'cancellationRequestor', 'cancellationComment', 'cancellationDateTimeUtc', 'errorHResult', 'scope',
  'externalId', 'requestSource', 'relatedFileInfo', 'commands', 'troubleshootInfo',
].sort();

/** Defender's timestamp format (§5.1): 7 fractional digits and Z. */
export const DEFENDER_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{7}Z$/;

export function keysOf(entity: Record<string, unknown>): string[] {
  return Object.keys(entity).filter((key) => !key.startsWith('@odata.')).sort();
}
