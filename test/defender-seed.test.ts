import { SEEDED } from '../src/twin/directory';
import type { Alert, Machine, MachineAction } from '../src/twin/defender/model';
import { SEEDED_DEVICE_GROUPS } from '../src/twin/defender/model';
import { applyODataQuery, MACHINE_ACTION_SPEC, parseODataQuery } from '../src/twin/defender/odata';
import {
  type DefenderTenantData, makeAlert, seedDefenderTenant, toDefenderTimestamp, sparseMachine, WELL_KNOWN_DEVICES,
} from '../src/twin/defender/seed';

// Value sets from shared/reference/defender-api.md §5 (kept here on purpose, independent of the twin's code).
const SEVERITIES = ['UnSpecified', 'Informational', 'Low', 'Medium', 'High'];
const ALERT_STATUSES = ['Unknown', 'New', 'InProgress', 'Resolved'];
const DETERMINATIONS: Record<string, string[]> = {
  TruePositive: ['MultiStagedAttack', 'MaliciousUserActivity', 'CompromisedUser', 'Malware', 'Phishing', 'UnwantedSoftware', 'Other'],
  InformationalExpectedActivity: ['SecurityTesting', 'LineOfBusinessApplication', 'ConfirmedUserActivity', 'Other'],
  FalsePositive: ['Clean', 'InsufficientData', 'Other'],
};
const INVESTIGATION_STATES = ['Unknown', 'Terminated', 'SuccessfullyRemediated', 'Benign', 'Failed', 'PartiallyRemediated',
  'Running', 'PendingApproval', 'PendingResource', 'PartiallyInvestigated', 'TerminatedByUser', 'TerminatedBySystem', 'Queued',
  'InnerFailure', 'PreexistingAlert', 'UnsupportedOs', 'UnsupportedAlertType', 'SuppressedAlert'];
const DETECTION_SOURCES = ['WindowsDefenderAtp', 'WindowsDefenderAv', 'WindowsDefenderSmartScreen', 'CustomerTI', 'CustomDetection',
  'AutomatedInvestigation', 'MTP', 'OfficeATP', 'ThreatExperts', 'ThirdPartySensors'];
const CATEGORIES = ['General', 'CommandAndControl', 'Collection', 'CredentialAccess', 'DefenseEvasion', 'Discovery', 'Exfiltration',
  'Exploit', 'Execution', 'InitialAccess', 'LateralMovement', 'Malware', 'Persistence', 'PrivilegeEscalation', 'Ransomware',
  'SuspiciousActivity'];
const EVIDENCE_FIELDS = ['entityType', 'evidenceCreationTime', 'sha1', 'sha256', 'fileName', 'filePath', 'processId',
  'processCommandLine', 'processCreationTime', 'parentProcessId', 'parentProcessCreationTime', 'parentProcessFileName',
  'parentProcessFilePath', 'ipAddress', 'url', 'registryKey', 'registryHive', 'registryValueType', 'registryValue',
  'accountName', 'domainName', 'userSid', 'aadUserId', 'userPrincipalName', 'detectionStatus'];
const HEALTH_STATUSES = ['Active', 'Inactive', 'ImpairedCommunication', 'NoSensorData', 'NoSensorDataImpairedCommunication', 'Unknown'];
const ACTION_TYPES = ['RunAntiVirusScan', 'Offboard', 'LiveResponse', 'CollectInvestigationPackage', 'Isolate', 'Unisolate',
  'StopAndQuarantineFile', 'RestrictCodeExecution', 'UnrestrictCodeExecution'];
const FINAL_STATUSES = ['Succeeded', 'Failed', 'TimeOut', 'Cancelled'];

const NOW = Date.parse('2026-01-15T12:00:00.000Z');
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{7}Z$/;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ALICE = 'alice@contoso.onmicrosoft.com';
const BOB = 'bob@contoso.onmicrosoft.com';

const seed = (seedValue?: number, extra: { machineCount?: number; alertCount?: number } = {}) =>
  seedDefenderTenant({ seed: seedValue, tenantId: SEEDED.tenantId, now: NOW, ...extra });

const tenant = seed();
const byName = (data: DefenderTenantData, name: string): Machine => {
  const machine = data.machines.find((candidate) => candidate.computerDnsName === name);
  if (!machine) throw new Error(`no machine ${name}`);
  return machine;
};

/** Reference §8: the newest Succeeded Isolate/Unisolate decides, found with the clients' own query. */
function isolationOf(data: DefenderTenantData, machine: Machine): MachineAction | undefined {
  const params = new URLSearchParams({
    $filter: `machineId eq '${machine.id}' and (type eq 'Isolate' or type eq 'Unisolate')`,
    $orderby: 'creationDateTimeUtc desc',
  });
  const { items } = applyODataQuery(data.actions, parseODataQuery(params, MACHINE_ACTION_SPEC));
  const newest = items.find((action) => action.status === 'Succeeded');
  return newest?.type === 'Isolate' ? newest : undefined;
}

const instant = (text: string) => Date.parse(text);

describe('seedDefenderTenant determinism', () => {
  it('gives identical data for the same seed and options', () => {
    expect(seed(7)).toEqual(seed(7));
    expect(seed()).toEqual(tenant);
  });

  it('gives different data for a different seed', () => {
    const a = seed(7);
    const b = seed(8);
    expect(a.machines.map((m) => m.id)).not.toEqual(b.machines.map((m) => m.id));
    expect(a.alerts.map((alert) => alert.id)).not.toEqual(b.alerts.map((alert) => alert.id));
  });

  it('places every time relative to now', () => {
    const later = seedDefenderTenant({ tenantId: SEEDED.tenantId, now: NOW + 86_400_000 });
    expect(instant(later.alerts[0].alertCreationTime) - instant(tenant.alerts[0].alertCreationTime)).toBeCloseTo(86_400_000, -1);
  });
});

describe('seeded machines', () => {
  it('has 60 machines by default and honours machineCount, down to an empty tenant', () => {
    expect(tenant.machines).toHaveLength(60);
    expect(seed(1, { machineCount: 75 }).machines).toHaveLength(75);
    const empty = seed(1, { machineCount: 0 });
    expect(empty).toMatchObject({ machines: [], alerts: [], actions: [] });
  });

  it('uses unique 40-hex ids and unique, realistic names', () => {
    expect(new Set(tenant.machines.map((m) => m.id)).size).toBe(tenant.machines.length);
    expect(new Set(tenant.machines.map((m) => m.computerDnsName)).size).toBe(tenant.machines.length);
    for (const machine of tenant.machines) {
      expect(machine.id).toMatch(/^[0-9a-f]{40}$/);
      expect(machine.computerDnsName).toMatch(/^[a-z0-9'.-]+$/);
    }
  });

  it('covers the platforms and Windows 10 versions the isolation rules depend on', () => {
    const platforms = new Set(tenant.machines.map((m) => m.osPlatform));
    for (const platform of ['Windows10', 'Windows11', 'WindowsServer2016', 'WindowsServer2019', 'WindowsServer2022', 'Linux', 'macOS']) {
      expect(platforms).toContain(platform);
    }
    const win10Versions = new Set(tenant.machines.filter((m) => m.osPlatform === 'Windows10').map((m) => m.version));
    for (const version of ['1607', '1703', '1709', '21H2', '22H2']) expect(win10Versions).toContain(version);
  });

  it('spreads machines over the three device groups (several each) and a few ungrouped', () => {
    for (const group of SEEDED_DEVICE_GROUPS) {
      const members = tenant.machines.filter((m) => m.rbacGroupId === group.id);
      expect(members.length).toBeGreaterThanOrEqual(4);
      expect(members.every((m) => m.rbacGroupName === group.name)).toBe(true);
    }
    const ungrouped = tenant.machines.filter((m) => m.rbacGroupId === 0);
    expect(ungrouped.length).toBeGreaterThanOrEqual(2);
    expect(ungrouped.every((m) => m.rbacGroupName === null)).toBe(true);
    const known = new Set([0, ...SEEDED_DEVICE_GROUPS.map((g) => g.id)]);
    expect(tenant.machines.every((m) => known.has(m.rbacGroupId))).toBe(true);
  });

  it('has a device whose optional arrays are missing or null, as in Microsoft\'s examples, and alerts on it with null arrays', () => {
    const sparse = sparseMachine(tenant)!;
    expect(sparse).toBeDefined();
    expect(sparse).not.toHaveProperty('ipAddresses');
    expect(sparse.machineTags).toBeNull();
    const alerts = tenant.alerts.filter((alert) => alert.machineId === sparse.id);
    expect(alerts.length).toBeGreaterThan(0);
    for (const alert of alerts) {
      expect(alert).toMatchObject({ mitreTechniques: null, comments: null, loggedOnUsers: null });
      expect(alert).not.toHaveProperty('domains');
    }
  });

  it('keeps every enum within the reference value sets, mostly Active', () => {
    for (const machine of tenant.machines) {
      expect(HEALTH_STATUSES).toContain(machine.healthStatus);
      expect([null, 'None', 'Informational', 'Low', 'Medium', 'High']).toContain(machine.riskScore);
      expect([null, 'None', 'Low', 'Medium', 'High']).toContain(machine.exposureLevel);
      expect([null, 'Normal', 'Low', 'High']).toContain(machine.deviceValue);
      expect(['32-bit', '64-bit']).toContain(machine.osArchitecture);
      expect(machine.onboardingStatus).toBe('Onboarded');
      expect(machine.firstSeen).toMatch(TIMESTAMP);
      expect(machine.lastSeen).toMatch(TIMESTAMP);
      expect(instant(machine.firstSeen)).toBeLessThan(instant(machine.lastSeen));
      expect(instant(machine.lastSeen)).toBeLessThanOrEqual(NOW);
      if (machine === sparseMachine(tenant)) continue; // checked below
      expect(machine.ipAddresses.map((ip) => ip.ipAddress)).toContain(machine.lastIpAddress);
      for (const ip of machine.ipAddresses) expect(['Up', 'Down']).toContain(ip.operationalStatus);
      expect(Array.isArray(machine.machineTags)).toBe(true);
      expect(machine).not.toHaveProperty('isolated');
      expect(machine.aadDeviceId === null || GUID.test(machine.aadDeviceId)).toBe(true);
    }
    const active = tenant.machines.filter((m) => m.healthStatus === 'Active').length;
    expect(active / tenant.machines.length).toBeGreaterThan(0.7);
    expect(tenant.machines.some((m) => m.healthStatus === 'Inactive')).toBe(true);
  });
});

describe('well-known devices', () => {
  it.each([1, 2, 3, 42])('exist with the same names and roles for seed %i', (seedValue) => {
    const data = seed(seedValue);
    const isolated = byName(data, WELL_KNOWN_DEVICES.isolated);
    expect(isolated.rbacGroupName).toBe('Workstations');

    const offline = byName(data, WELL_KNOWN_DEVICES.offline);
    expect(offline.healthStatus).toBe('Inactive');
    expect(NOW - instant(offline.lastSeen)).toBeGreaterThan(3 * 86_400_000);

    const legacy = byName(data, WELL_KNOWN_DEVICES.selectiveUnsupported);
    expect(legacy).toMatchObject({ osPlatform: 'Windows10', version: '1607', rbacGroupName: 'Workstations' });

    expect(byName(data, WELL_KNOWN_DEVICES.finance)).toMatchObject({ rbacGroupId: 103, rbacGroupName: 'Finance' });

    const server = byName(data, WELL_KNOWN_DEVICES.server);
    expect(server.osPlatform).toMatch(/^WindowsServer/);
    expect(server.rbacGroupName).toBe('Servers');

    const apostrophe = byName(data, WELL_KNOWN_DEVICES.apostrophe);
    expect(apostrophe.computerDnsName).toContain("'");
    expect(apostrophe.rbacGroupName).toBe('Workstations');
  });

  it('shows the isolated device as isolated (Full) through its action history only', () => {
    const isolated = byName(tenant, WELL_KNOWN_DEVICES.isolated);
    const isolation = isolationOf(tenant, isolated);
    expect(isolation).toMatchObject({ type: 'Isolate', status: 'Succeeded', scope: 'Full', requestSource: 'PublicApi' });
    const history = tenant.actions.filter((a) => a.machineId === isolated.id && (a.type === 'Isolate' || a.type === 'Unisolate'));
    expect(history.some((a) => a.type === 'Unisolate')).toBe(true);
    const lastUnisolate = Math.max(...history.filter((a) => a.type === 'Unisolate').map((a) => instant(a.creationDateTimeUtc)));
    expect(instant(isolation!.creationDateTimeUtc)).toBeGreaterThan(lastUnisolate);
  });

  it('has no other isolated device', () => {
    const isolatedNames = tenant.machines.filter((m) => isolationOf(tenant, m)).map((m) => m.computerDnsName);
    expect(isolatedNames).toEqual([WELL_KNOWN_DEVICES.isolated]);
  });

  it('gives the offline device a timed-out action in its history', () => {
    const offline = byName(tenant, WELL_KNOWN_DEVICES.offline);
    expect(tenant.actions.some((a) => a.machineId === offline.id && a.status === 'TimeOut')).toBe(true);
  });

  it('puts alerts on each well-known device', () => {
    for (const name of Object.values(WELL_KNOWN_DEVICES)) {
      expect(tenant.alerts.some((alert) => alert.computerDnsName === name)).toBe(true);
    }
  });
});

describe('seeded alerts', () => {
  const machinesById = new Map(tenant.machines.map((m) => [m.id, m]));

  it('has 240 alerts by default, honours alertCount, with unique Defender-style ids', () => {
    expect(tenant.alerts).toHaveLength(240);
    expect(seed(3, { alertCount: 300 }).alerts).toHaveLength(300);
    expect(new Set(tenant.alerts.map((a) => a.id)).size).toBe(240);
    for (const alert of tenant.alerts) expect(alert.id).toMatch(/^da\d{18}_\d{9,10}$/);
  });

  it('uses every severity and every status', () => {
    expect(new Set(tenant.alerts.map((a) => a.severity))).toEqual(new Set(SEVERITIES));
    expect(new Set(tenant.alerts.map((a) => a.status))).toEqual(new Set(ALERT_STATUSES));
  });

  it('keeps every field within the reference value sets', () => {
    for (const alert of tenant.alerts) {
      expect(SEVERITIES).toContain(alert.severity);
      expect(ALERT_STATUSES).toContain(alert.status);
      expect(DETECTION_SOURCES).toContain(alert.detectionSource);
      expect(CATEGORIES).toContain(alert.category);
      expect(alert.investigationState === null || INVESTIGATION_STATES.includes(alert.investigationState)).toBe(true);
      expect(alert.detectorId).toMatch(GUID);
      expect(alert.aadTenantId).toBe(SEEDED.tenantId);
      for (const technique of alert.mitreTechniques ?? []) expect(technique).toMatch(/^T\d{4}(\.\d{3})?$/);
      expect([null, ALICE, BOB, 'Automation']).toContain(alert.assignedTo);
      expect(alert.title.length).toBeGreaterThan(0);
      expect(alert.description.length).toBeGreaterThan(0);
    }
  });

  it('classifies resolved alerts only, with a matching determination and a resolvedTime', () => {
    for (const alert of tenant.alerts) {
      if (alert.status === 'Resolved') {
        expect(Object.keys(DETERMINATIONS)).toContain(alert.classification);
        expect(DETERMINATIONS[alert.classification!]).toContain(alert.determination);
        expect(alert.resolvedTime).toMatch(TIMESTAMP);
      } else {
        expect(alert).toMatchObject({ classification: null, determination: null, resolvedTime: null });
      }
    }
  });

  it('belongs to existing machines, with their name and device group', () => {
    for (const alert of tenant.alerts) {
      const machine = machinesById.get(alert.machineId);
      expect(machine).toBeDefined();
      expect(alert.computerDnsName).toBe(machine!.computerDnsName);
      expect(alert.rbacGroupName).toBe(machine!.rbacGroupName);
    }
  });

  it('assigns Bob (Workstations only) only alerts on Workstations', () => {
    const bobs = tenant.alerts.filter((a) => a.assignedTo === BOB);
    expect(bobs.length).toBeGreaterThan(0);
    expect(bobs.every((a) => a.rbacGroupName === 'Workstations')).toBe(true);
  });

  it('uses the 7-digit UTC timestamp format, in a consistent order, never after now', () => {
    for (const alert of tenant.alerts) {
      const times = [alert.alertCreationTime, alert.firstEventTime, alert.lastEventTime, alert.lastUpdateTime, alert.resolvedTime];
      for (const time of times) if (time !== null) expect(time).toMatch(TIMESTAMP);
      expect(instant(alert.firstEventTime!)).toBeLessThanOrEqual(instant(alert.lastEventTime!));
      expect(instant(alert.lastEventTime!)).toBeLessThanOrEqual(instant(alert.alertCreationTime));
      expect(instant(alert.alertCreationTime)).toBeLessThanOrEqual(instant(alert.lastUpdateTime));
      expect(instant(alert.lastUpdateTime)).toBeLessThanOrEqual(NOW);
      expect(NOW - instant(alert.alertCreationTime)).toBeLessThanOrEqual(31 * 86_400_000);
    }
  });

  it('groups alerts into incidents', () => {
    const incidents = new Set(tenant.alerts.map((a) => a.incidentId));
    expect(incidents.has(null)).toBe(false);
    expect(incidents.size).toBeLessThan(tenant.alerts.length);
  });

  it('carries evidence with all §5.3 fields, filled per entity type and null elsewhere', () => {
    const seen = new Set<string>();
    for (const alert of tenant.alerts) {
      for (const item of alert.evidence) {
        seen.add(item.entityType);
        expect(Object.keys(item).sort()).toEqual([...EVIDENCE_FIELDS].sort());
        expect(item.evidenceCreationTime).toMatch(TIMESTAMP);
        switch (item.entityType) {
          case 'File':
            expect(item.sha1).toMatch(/^[0-9a-f]{40}$/);
            expect(item.sha256).toMatch(/^[0-9a-f]{64}$/);
            expect(item.fileName).toEqual(expect.any(String));
            expect(item.processId).toBeNull();
            break;
          case 'Process':
            expect(item.processId).toEqual(expect.any(Number));
            expect(item.processCommandLine).toEqual(expect.any(String));
            expect(item.parentProcessFileName).toEqual(expect.any(String));
            expect(item.processCreationTime).toMatch(TIMESTAMP);
            break;
          case 'User':
            expect(item.accountName).toEqual(expect.any(String));
            expect(item.userSid).toMatch(/^S-1-5-21-/);
            expect(item.aadUserId).toMatch(GUID);
            expect(item.userPrincipalName).toMatch(/@contoso\.onmicrosoft\.com$/);
            expect(item.sha1).toBeNull();
            break;
          case 'Ip':
            expect(item.ipAddress).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
            expect(item.url).toBeNull();
            expect(item.fileName).toBeNull();
            break;
          case 'Url':
            expect(() => new URL(item.url!)).not.toThrow();
            expect(item.ipAddress).toBeNull();
            break;
          default:
            throw new Error(`unexpected entityType ${item.entityType}`);
        }
        expect(item.registryKey).toBeNull();
      }
    }
    expect(seen).toEqual(new Set(['File', 'Process', 'User', 'Ip', 'Url']));
  });
});

describe('seeded machine actions', () => {
  it('has about twenty final actions of several types, as issued through the public API', () => {
    expect(tenant.actions.length).toBeGreaterThanOrEqual(15);
    expect(tenant.actions.length).toBeLessThanOrEqual(30);
    expect(new Set(tenant.actions.map((a) => a.type)).size).toBeGreaterThanOrEqual(5);
    expect(new Set(tenant.actions.map((a) => a.status))).toEqual(new Set(FINAL_STATUSES));
    const machines = new Map(tenant.machines.map((m) => [m.id, m]));
    for (const action of tenant.actions) {
      expect(action.id).toMatch(GUID);
      expect(ACTION_TYPES).toContain(action.type);
      expect(FINAL_STATUSES).toContain(action.status);
      expect(action.requestSource).toBe('PublicApi');
      expect(action.requestor).toMatch(/@contoso\.onmicrosoft\.com$|\(contoso\.onmicrosoft\.com\)$/);
      expect(action.requestorComment.length).toBeGreaterThan(0);
      expect(action.computerDnsName).toBe(machines.get(action.machineId)?.computerDnsName);
      expect(action.creationDateTimeUtc).toMatch(TIMESTAMP);
      expect(action.lastUpdateDateTimeUtc).toMatch(TIMESTAMP);
      expect(instant(action.creationDateTimeUtc)).toBeLessThan(instant(action.lastUpdateDateTimeUtc));
      expect(instant(action.lastUpdateDateTimeUtc)).toBeLessThanOrEqual(NOW);
      if (action.type === 'Isolate') expect(['Full', 'Selective']).toContain(action.scope);
      if (action.type === 'RunAntiVirusScan') expect(['Quick', 'Full']).toContain(action.scope);
      if (action.status === 'Cancelled') {
        expect(action.cancellationRequestor).toEqual(expect.any(String));
        expect(action.cancellationDateTimeUtc).toMatch(TIMESTAMP);
      } else {
        expect(action).toMatchObject({ cancellationRequestor: null, cancellationComment: null, cancellationDateTimeUtc: null });
      }
      if (action.type === 'StopAndQuarantineFile') expect(action.relatedFileInfo).toMatchObject({ fileIdentifierType: 'Sha1' });
    }
  });

  it('lists actions oldest first', () => {
    const times = tenant.actions.map((a) => instant(a.creationDateTimeUtc));
    expect(times).toEqual([...times].sort((a, b) => a - b));
  });

  it("only shows Bob's requests on Workstations devices", () => {
    const bobs = tenant.actions.filter((a) => a.requestor === BOB);
    expect(bobs.length).toBeGreaterThan(0);
    const groups = new Map(tenant.machines.map((m) => [m.id, m.rbacGroupName]));
    expect(bobs.every((a) => groups.get(a.machineId) === 'Workstations')).toBe(true);
  });
});

describe('toDefenderTimestamp', () => {
  it('formats UTC with 7 fractional digits and Z', () => {
    expect(toDefenderTimestamp(Date.parse('2021-01-26T20:33:57.722Z'), 239)).toBe('2021-01-26T20:33:57.7220239Z');
    expect(toDefenderTimestamp(Date.parse('2026-01-15T12:00:00Z'))).toBe('2026-01-15T12:00:00.0000000Z');
  });

  it('rejects sub-millisecond ticks outside 0..9999', () => {
    expect(() => toDefenderTimestamp(0, 10_000)).toThrow(RangeError);
    expect(() => toDefenderTimestamp(0, -1)).toThrow(RangeError);
  });
});

describe('makeAlert', () => {
  const later = NOW + 3_600_000;
  const finance = byName(tenant, WELL_KNOWN_DEVICES.finance);
  const ungrouped = tenant.machines.find((m) => m.rbacGroupId === 0)!;

  it('raises a New alert at now on the machine, filled from the machine and the tenant', () => {
    const before = tenant.alerts.length;
    const alert: Alert = makeAlert(tenant, { machineId: finance.id }, later);
    expect(tenant.alerts).toHaveLength(before);
    expect(alert).toMatchObject({
      machineId: finance.id, computerDnsName: finance.computerDnsName, rbacGroupName: 'Finance', aadTenantId: SEEDED.tenantId,
      status: 'New', assignedTo: null, classification: null, resolvedTime: null,
      alertCreationTime: toDefenderTimestamp(later), lastUpdateTime: toDefenderTimestamp(later),
    });
    expect(alert.id).toMatch(/^da\d{18}_\d{9,10}$/);
    expect(tenant.alerts.map((a) => a.id)).not.toContain(alert.id);
    expect(SEVERITIES).toContain(alert.severity);
    expect(alert.incidentId).toBeGreaterThan(Math.max(...tenant.alerts.map((a) => a.incidentId ?? 0)));
  });

  it('lets the caller choose fields, and keeps rbacGroupName null for ungrouped machines', () => {
    const alert = makeAlert(tenant, { machineId: ungrouped.id, severity: 'High', title: 'Test alert from the twin' }, later);
    expect(alert).toMatchObject({ severity: 'High', title: 'Test alert from the twin', rbacGroupName: null });
  });

  it('is deterministic for the same inputs', () => {
    expect(makeAlert(tenant, { machineId: finance.id }, later)).toEqual(makeAlert(tenant, { machineId: finance.id }, later));
  });

  it('refuses an unknown machine', () => {
    expect(() => makeAlert(tenant, { machineId: 'f'.repeat(40) }, later)).toThrow(/no machine/);
  });
});
