/**
 * The Defender twin's seeded tenant: machines, alerts and machine-action history, generated
 * deterministically from a seed and relative to a given "now" (no wall clock, no Math.random).
 */
import { ALERT_TEMPLATES, type AlertTemplate } from './alert-templates';
import type {
  Alert, AlertClassification, AlertEvidence, AlertSeverity, AlertStatus, DeviceGroup, HealthStatus, Machine,
  MachineAction, MachineActionStatus, MachineActionType,
} from './model';
import { SEEDED_DEVICE_GROUPS } from './model';
import { deriveSeed, SeededRandom } from './random';
import { dotnetTicks, toDefenderTimestamp } from './timestamps';

export { toDefenderTimestamp } from './timestamps';
export { SeededRandom } from './random';

export interface DefenderSeedOptions {
  seed?: number;
  tenantId: string;
  /** Epoch ms every seeded time is relative to. */
  now: number;
  /** Default 60. The well-known devices come first, so a smaller tenant keeps as many of them as fit. */
  machineCount?: number;
  /** Default 240. */
  alertCount?: number;
}

export interface DefenderTenantData {
  machines: Machine[];
  alerts: Alert[];
  actions: MachineAction[];
  deviceGroups: readonly DeviceGroup[];
  /** The tenant's id (`aadTenantId` of its alerts); makeAlert uses it. */
  tenantId?: string;
}

/** Well-known seeded devices tests and the bot rely on (computerDnsName values; stable for any seed). */
export const WELL_KNOWN_DEVICES = {
  /** Isolated (Full) by a Succeeded Isolate newer than any Unisolate. Workstations. */
  isolated: 'ws-0042.contoso.local',
  /** Inactive, last seen days ago: actions on it time out. Workstations. */
  offline: 'lt-travel-07.contoso.local',
  /** Windows 10 1607: Selective isolation is not supported. Workstations. */
  selectiveUnsupported: 'kiosk-lobby-01.contoso.local',
  /** In the Finance device group. */
  finance: 'fin-ws-0007.contoso.local',
  /** Windows Server 2022 in the Servers device group. */
  server: 'srv-sql-01.contoso.local',
  /** A name with an apostrophe, for OData string escaping. Workstations. */
  apostrophe: "o'brien-laptop.contoso.local",
} as const;

const DEFAULT_SEED = 20240601;
const DNS_SUFFIX = '.contoso.local';
const UPN_SUFFIX = '@contoso.onmicrosoft.com';
const NETBIOS_DOMAIN = 'CONTOSO';
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const ANALYSTS = { alice: `alice${UPN_SUFFIX}`, bob: `bob${UPN_SUFFIX}`, carol: `carol${UPN_SUFFIX}` } as const;
const AUTOMATION_REQUESTOR = 'SOC Automation (contoso.onmicrosoft.com)';

const [WORKSTATIONS, SERVERS, FINANCE] = SEEDED_DEVICE_GROUPS;
type GroupSlot = DeviceGroup | 'ungrouped';

// ---------------------------------------------------------------------------------------------
// Operating systems

interface OsProfile {
  osPlatform: string;
  version: string | null;
  osVersion: string | null;
  osBuild: number | null;
  family: 'windows' | 'linux' | 'macos';
  server: boolean;
}

const windows = (osPlatform: string, version: string, osBuild: number, server = false): OsProfile =>
  ({ osPlatform, version, osVersion: null, osBuild, family: 'windows', server });

const OS = {
  win10v1607: windows('Windows10', '1607', 14393),
  win10v1703: windows('Windows10', '1703', 15063),
  win10v1709: windows('Windows10', '1709', 16299),
  win10v21H2: windows('Windows10', '21H2', 19044),
  win10v22H2: windows('Windows10', '22H2', 19045),
  win11v22H2: windows('Windows11', '22H2', 22621),
  win11v23H2: windows('Windows11', '23H2', 22631),
  server2016: windows('WindowsServer2016', '1607', 14393, true),
  server2019: windows('WindowsServer2019', '1809', 17763, true),
  server2022: windows('WindowsServer2022', '21H2', 20348, true),
  linux: { osPlatform: 'Linux', version: null, osVersion: 'Ubuntu 22.04', osBuild: null, family: 'linux', server: false },
  macos: { osPlatform: 'macOS', version: null, osVersion: '14.4.1', osBuild: null, family: 'macos', server: false },
} satisfies Record<string, OsProfile>;
type OsKey = keyof typeof OS;

const OS_WEIGHTS_BY_GROUP: Record<string, readonly (readonly [OsKey, number])[]> = {
  Workstations: [['win10v22H2', 4], ['win10v21H2', 3], ['win10v1709', 1], ['win10v1703', 1], ['win11v22H2', 3],
    ['win11v23H2', 3], ['macos', 2], ['linux', 1]],
  Servers: [['server2016', 2], ['server2019', 3], ['server2022', 3], ['linux', 3]],
  Finance: [['win11v23H2', 3], ['win11v22H2', 2], ['win10v22H2', 3], ['win10v21H2', 1], ['macos', 1]],
  ungrouped: [['win10v1607', 1], ['win10v1709', 1], ['win10v22H2', 2], ['win11v23H2', 1], ['linux', 2], ['macos', 2],
    ['server2019', 1]],
};

// ---------------------------------------------------------------------------------------------
// Machines

interface MachinePlan {
  name?: string;
  group: GroupSlot;
  os: OsKey;
  health?: HealthStatus;
  lastSeenDaysAgo?: number;
  tags?: string[];
  deviceValue?: Machine['deviceValue'];
}

const WELL_KNOWN_PLANS: readonly MachinePlan[] = [
  { name: WELL_KNOWN_DEVICES.isolated, group: WORKSTATIONS, os: 'win11v23H2', health: 'Active', tags: ['VIP'] },
  { name: WELL_KNOWN_DEVICES.offline, group: WORKSTATIONS, os: 'win10v22H2', health: 'Inactive', lastSeenDaysAgo: 9, tags: ['Remote'] },
  { name: WELL_KNOWN_DEVICES.selectiveUnsupported, group: WORKSTATIONS, os: 'win10v1607', health: 'Active', tags: ['Kiosk'] },
  { name: WELL_KNOWN_DEVICES.finance, group: FINANCE, os: 'win11v23H2', health: 'Active', tags: ['PCI'], deviceValue: 'High' },
  { name: WELL_KNOWN_DEVICES.server, group: SERVERS, os: 'server2022', health: 'Active', tags: ['Critical'], deviceValue: 'High' },
  { name: WELL_KNOWN_DEVICES.apostrophe, group: WORKSTATIONS, os: 'win11v22H2', health: 'Active', tags: [] },
];

/** Planned before the random ones so every group has several machines and every platform appears. */
const COVERAGE_PLANS: readonly MachinePlan[] = [
  { group: WORKSTATIONS, os: 'win10v1703' }, { group: SERVERS, os: 'server2016' }, { group: FINANCE, os: 'win10v22H2' },
  { group: 'ungrouped', os: 'win10v1607' }, { group: WORKSTATIONS, os: 'win10v1709' }, { group: SERVERS, os: 'server2019' },
  { group: FINANCE, os: 'macos' }, { group: 'ungrouped', os: 'linux' }, { group: WORKSTATIONS, os: 'win10v21H2' },
  { group: SERVERS, os: 'linux' }, { group: FINANCE, os: 'win11v22H2' }, { group: 'ungrouped', os: 'macos' },
  { group: WORKSTATIONS, os: 'macos' }, { group: WORKSTATIONS, os: 'linux' }, { group: WORKSTATIONS, os: 'win11v22H2' },
];

const GROUP_WEIGHTS: readonly (readonly [GroupSlot, number])[] = [[WORKSTATIONS, 5], [SERVERS, 2], [FINANCE, 2], ['ungrouped', 1]];
const SERVER_ROLES = ['web', 'app', 'db', 'file', 'dc', 'print', 'backup', 'build', 'sql', 'ca'] as const;
const TAG_POOL = ['Pilot', 'Remote', 'ContosoHQ', 'Berlin', 'Seattle', 'VIP', 'Lab', 'Contractor'] as const;

function groupName(group: GroupSlot): string {
  return group === 'ungrouped' ? 'ungrouped' : group.name;
}

class MachineFactory {
  private readonly names = new Set<string>();
  private readonly ips = new Set<string>();

  constructor(private readonly rng: SeededRandom, private readonly now: number) {
    for (const name of Object.values(WELL_KNOWN_DEVICES)) this.names.add(name);
  }

  randomPlan(): MachinePlan {
    const group = this.rng.weighted(GROUP_WEIGHTS);
    return { group, os: this.rng.weighted(OS_WEIGHTS_BY_GROUP[groupName(group)]) };
  }

  build(plan: MachinePlan): Machine {
    const { rng, now } = this;
    const os = OS[plan.os];
    const group = plan.group === 'ungrouped' ? undefined : plan.group;
    const health = plan.health ?? rng.weighted<HealthStatus>([['Active', 85], ['Inactive', 8], ['ImpairedCommunication', 3], ['NoSensorData', 2]]);
    const lastSeenAgo = plan.lastSeenDaysAgo !== undefined
      ? plan.lastSeenDaysAgo * DAY + rng.int(0, 6 * HOUR)
      : health === 'Inactive' ? rng.int(8 * DAY, 40 * DAY) : rng.int(5 * MINUTE, 23 * HOUR);
    const firstSeenAgo = lastSeenAgo + rng.int(20 * DAY, 700 * DAY);
    const lastIpAddress = this.uniqueIp(plan.group);
    const aadJoined = os.family === 'windows' && !os.server && rng.chance(0.85);
    const intuneManaged = os.family !== 'linux' && !os.server && rng.chance(0.8);
    const name = plan.name ?? this.uniqueName(plan.group, os);
    return {
      id: rng.hex(40),
      computerDnsName: name,
      firstSeen: toDefenderTimestamp(now - firstSeenAgo, rng.int(0, 9999)),
      lastSeen: toDefenderTimestamp(now - lastSeenAgo, rng.int(0, 9999)),
      osPlatform: os.osPlatform,
      osVersion: os.osVersion,
      version: os.version,
      osProcessor: plan.os === 'win10v1607' ? 'x86' : 'x64',
      osArchitecture: plan.os === 'win10v1607' ? '32-bit' : '64-bit',
      osBuild: os.osBuild,
      agentVersion: os.family === 'windows'
        ? `10.${rng.int(8200, 8760)}.${os.osBuild ?? 19041}.${rng.int(1000, 4999)}`
        : `101.${rng.int(23052, 24062)}.${String(rng.int(1, 20)).padStart(4, '0')}`,
      lastIpAddress,
      lastExternalIpAddress: `203.0.113.${rng.int(2, 254)}`,
      ipAddresses: [
        { ipAddress: lastIpAddress, macAddress: rng.hex(12).toUpperCase(), type: rng.pick(['Ethernet', 'Ethernet', 'Wireless80211']), operationalStatus: 'Up' },
        { ipAddress: `fe80::${rng.hex(4)}:${rng.hex(4)}:${rng.hex(4)}:${rng.hex(4)}`, macAddress: null, type: 'Ethernet', operationalStatus: 'Up' },
        { ipAddress: '127.0.0.1', macAddress: null, type: 'SoftwareLoopback', operationalStatus: 'Up' },
      ],
      healthStatus: health,
      onboardingStatus: 'Onboarded',
      riskScore: rng.weighted<Machine['riskScore']>([['None', 4], ['Informational', 2], ['Low', 3], ['Medium', 2], ['High', 1]]),
      exposureLevel: rng.weighted<Machine['exposureLevel']>([['None', 1], ['Low', 3], ['Medium', 4], ['High', 2]]),
      deviceValue: plan.deviceValue ?? (os.server ? rng.pick<Machine['deviceValue']>(['Normal', 'High']) : rng.weighted<Machine['deviceValue']>([['Normal', 8], ['Low', 1], ['High', 1]])),
      rbacGroupId: group?.id ?? 0,
      rbacGroupName: group?.name ?? null,
      isAadJoined: aadJoined,
      aadDeviceId: aadJoined ? rng.guid() : null,
      machineTags: plan.tags ?? rng.sample(TAG_POOL, rng.weighted([[0, 5], [1, 4], [2, 1]])),
      defenderAvStatus: rng.weighted([['Updated', 9], ['NotUpdated', 1]]),
      managedBy: intuneManaged ? 'Intune' : 'Unknown',
      managedByStatus: intuneManaged ? 'Success' : 'Unknown',
      isPotentialDuplication: false,
      isExcluded: false,
      exclusionReason: null,
      mergedIntoMachineId: null,
      vmMetadata: os.server && rng.chance(0.5) ? this.azureVm(name) : null,
    };
  }

  private uniqueName(group: GroupSlot, os: OsProfile): string {
    const prefix = this.namePrefix(group, os);
    for (;;) {
      const name = os.server || (group === SERVERS)
        ? `${prefix}-${this.rng.pick(SERVER_ROLES)}-${String(this.rng.int(1, 19)).padStart(2, '0')}`
        : `${prefix}-${String(this.rng.int(100, 2999)).padStart(4, '0')}`;
      const qualified = os.family === 'windows' ? `${name}${DNS_SUFFIX}` : name;
      if (!this.names.has(qualified)) {
        this.names.add(qualified);
        return qualified;
      }
    }
  }

  private namePrefix(group: GroupSlot, os: OsProfile): string {
    const kind = os.server ? 'srv' : os.family === 'linux' ? 'lnx' : os.family === 'macos' ? 'mbp' : 'ws';
    if (group === FINANCE) return `fin-${kind}`;
    if (group === 'ungrouped') return `lab-${kind}`;
    return kind;
  }

  private uniqueIp(group: GroupSlot): string {
    const subnet = group === 'ungrouped' ? '192.168.50' : `10.${group.id - 91}.${group === WORKSTATIONS ? this.rng.int(0, 15) : 0}`;
    for (;;) {
      const ip = `${subnet}.${this.rng.int(2, 254)}`;
      if (!this.ips.has(ip)) {
        this.ips.add(ip);
        return ip;
      }
    }
  }

  private azureVm(name: string): Machine['vmMetadata'] {
    const subscriptionId = this.rng.guid();
    const vmName = name.split('.')[0];
    return {
      vmId: this.rng.guid(),
      cloudProvider: 'Azure',
      resourceId: `/subscriptions/${subscriptionId}/resourceGroups/rg-prod/providers/Microsoft.Compute/virtualMachines/${vmName}`,
      subscriptionId,
    };
  }
}

// ---------------------------------------------------------------------------------------------
// Alerts

interface Employee {
  accountName: string;
  userSid: string;
  aadUserId: string;
}

const EMPLOYEES: readonly Employee[] = ['jdoe', 'asmith', 'mgarcia', 'kpatel', 'lchen', 'tnguyen', 'rmiller', 'sobrien', 'hmueller', 'ywang']
  .map((accountName, index) => ({
    accountName,
    userSid: `S-1-5-21-1004336348-1177238915-682003330-${1104 + index}`,
    aadUserId: new SeededRandom(deriveSeed(7, index)).guid(),
  }));

const DETERMINATIONS: Record<AlertClassification, readonly string[]> = {
  TruePositive: ['MultiStagedAttack', 'MaliciousUserActivity', 'CompromisedUser', 'Malware', 'Phishing', 'UnwantedSoftware', 'Other'],
  InformationalExpectedActivity: ['SecurityTesting', 'LineOfBusinessApplication', 'ConfirmedUserActivity', 'Other'],
  FalsePositive: ['Clean', 'InsufficientData', 'Other'],
};

const OPEN_INVESTIGATION_STATES = ['Running', 'PendingApproval', 'Queued', 'PartiallyInvestigated'] as const;
const CLOSED_INVESTIGATION_STATES = ['SuccessfullyRemediated', 'Benign', 'PartiallyRemediated', 'Failed', 'TerminatedBySystem'] as const;

interface AlertPlan {
  template: AlertTemplate;
  machine: Machine;
  severity: AlertSeverity;
  status: AlertStatus;
  createdAt: number;
  assignedTo?: string | null;
  classification?: AlertClassification;
}

function isUnix(machine: Machine): boolean {
  return machine.osPlatform === 'Linux' || machine.osPlatform === 'macOS';
}

function templatesFor(machine: Machine): AlertTemplate[] {
  const wanted = isUnix(machine) ? 'unix' : 'windows';
  return ALERT_TEMPLATES.filter((template) => template.platform === 'any' || template.platform === wanted);
}

function templateTitled(title: string): AlertTemplate {
  const template = ALERT_TEMPLATES.find((candidate) => candidate.title === title);
  if (!template) throw new Error(`no alert template titled ${title}`);
  return template;
}

function emptyEvidence(entityType: string, evidenceCreationTime: string): AlertEvidence {
  return {
    entityType, evidenceCreationTime, sha1: null, sha256: null, fileName: null, filePath: null, processId: null,
    processCommandLine: null, processCreationTime: null, parentProcessId: null, parentProcessCreationTime: null,
    parentProcessFileName: null, parentProcessFilePath: null, ipAddress: null, url: null, registryKey: null,
    registryHive: null, registryValueType: null, registryValue: null, accountName: null, domainName: null, userSid: null,
    aadUserId: null, userPrincipalName: null, detectionStatus: null,
  };
}

class AlertFactory {
  private readonly ids: Set<string>;

  constructor(private readonly rng: SeededRandom, private readonly tenantId: string, private readonly now: number, existingIds: Iterable<string> = []) {
    this.ids = new Set(existingIds);
  }

  build(plan: AlertPlan): Alert {
    const { rng, now } = this;
    const { template, machine, severity, status, createdAt } = plan;
    const firstEventAt = createdAt - rng.int(1 * MINUTE, 90 * MINUTE);
    const lastEventAt = rng.int(firstEventAt, createdAt);
    const afterCreation = (maxDelayMs: number) => rng.int(createdAt, Math.min(now, createdAt + maxDelayMs));
    const resolvedAt = status === 'Resolved' ? afterCreation(4 * DAY) : undefined;
    const lastUpdatedAt = resolvedAt ?? afterCreation(status === 'InProgress' ? 2 * DAY : 10 * MINUTE);
    // Sub-millisecond digits must not carry a time past `now`.
    const stamp = (at: number) => toDefenderTimestamp(at, at >= now ? 0 : rng.int(0, 9999));
    const created = stamp(createdAt);
    const employee = rng.pick(EMPLOYEES);
    const assignedTo = plan.assignedTo !== undefined ? plan.assignedTo : this.assignee(status, machine);
    const classification = status === 'Resolved' ? plan.classification ?? rng.weighted<AlertClassification>(
      [['TruePositive', 5], ['FalsePositive', 3], ['InformationalExpectedActivity', 2]]) : null;
    const investigated = !isUnix(machine) && ['WindowsDefenderAtp', 'WindowsDefenderAv'].includes(template.detectionSource) && rng.chance(0.6);
    return {
      id: this.uniqueId(createdAt),
      incidentId: null,
      investigationId: investigated ? rng.int(1000, 99999) : null,
      assignedTo,
      severity,
      status,
      classification,
      determination: classification ? rng.pick(DETERMINATIONS[classification]) : null,
      investigationState: !investigated
        ? (isUnix(machine) ? 'UnsupportedOs' : 'UnsupportedAlertType')
        : rng.pick(status === 'Resolved' ? CLOSED_INVESTIGATION_STATES : OPEN_INVESTIGATION_STATES),
      detectionSource: template.detectionSource,
      detectorId: new SeededRandom(deriveSeed(11, ALERT_TEMPLATES.indexOf(template))).guid(),
      category: template.category,
      threatFamilyName: template.threatFamilyName,
      threatName: template.threatName,
      title: template.title,
      description: template.description,
      alertCreationTime: created,
      firstEventTime: stamp(firstEventAt),
      lastEventTime: stamp(lastEventAt),
      lastUpdateTime: stamp(lastUpdatedAt),
      resolvedTime: resolvedAt === undefined ? null : stamp(resolvedAt),
      machineId: machine.id,
      computerDnsName: machine.computerDnsName,
      rbacGroupName: machine.rbacGroupName,
      aadTenantId: this.tenantId,
      mitreTechniques: [...template.mitreTechniques],
      relatedUser: template.user ? { userName: employee.accountName, domainName: NETBIOS_DOMAIN } : null,
      loggedOnUsers: rng.chance(0.7) ? [{ accountName: employee.accountName, domainName: NETBIOS_DOMAIN }] : [],
      comments: assignedTo?.endsWith(UPN_SUFFIX) && status !== 'New'
        ? [{ comment: status === 'Resolved' ? 'Reviewed and closed.' : 'Looking into it.', createdBy: assignedTo, createdTime: stamp(lastUpdatedAt) }]
        : [],
      evidence: this.evidence(template, created, firstEventAt, employee),
      domains: template.url ? [new URL(template.url).hostname] : [],
    };
  }

  private assignee(status: AlertStatus, machine: Machine): string | null {
    // Bob (responder) only sees Workstations, so he only works alerts there.
    const analysts = machine.rbacGroupName === WORKSTATIONS.name ? [ANALYSTS.alice, ANALYSTS.bob] : [ANALYSTS.alice];
    switch (status) {
      case 'Unknown': return null;
      case 'New': return this.rng.chance(0.15) ? this.rng.pick(analysts) : null;
      case 'InProgress': return this.rng.pick(analysts);
      case 'Resolved': return this.rng.chance(0.2) ? 'Automation' : this.rng.pick(analysts);
    }
  }

  private uniqueId(createdAt: number): string {
    for (;;) {
      const id = `da${dotnetTicks(createdAt, this.rng.int(0, 9999))}_${this.rng.int(100_000_000, 2_147_483_647)}`;
      if (!this.ids.has(id)) {
        this.ids.add(id);
        return id;
      }
    }
  }

  private evidence(template: AlertTemplate, created: string, firstEventAt: number, employee: Employee): AlertEvidence[] {
    const { rng } = this;
    const items: AlertEvidence[] = [];
    const fileHashes = { sha1: rng.hex(40), sha256: rng.hex(64) };
    const detectionStatus = rng.pick(['Detected', 'Prevented', 'Blocked']);
    if (template.file) {
      items.push({ ...emptyEvidence('File', created), ...fileHashes, fileName: template.file.name, filePath: template.file.path, detectionStatus });
    }
    if (template.process) {
      const image = template.file ?? { name: template.process.commandLine.split(' ')[0], path: template.process.parentPath };
      items.push({
        ...emptyEvidence('Process', created), ...fileHashes, fileName: image.name, filePath: image.path,
        processId: rng.int(400, 65000),
        processCommandLine: template.process.commandLine,
        processCreationTime: toDefenderTimestamp(firstEventAt, rng.int(0, 9999)),
        parentProcessId: rng.int(400, 65000),
        parentProcessCreationTime: toDefenderTimestamp(firstEventAt - rng.int(1, 3 * HOUR), rng.int(0, 9999)),
        parentProcessFileName: template.process.parentName,
        parentProcessFilePath: template.process.parentPath,
        detectionStatus,
      });
    }
    if (template.user) {
      items.push({
        ...emptyEvidence('User', created), accountName: employee.accountName, domainName: NETBIOS_DOMAIN,
        userSid: employee.userSid, aadUserId: employee.aadUserId, userPrincipalName: `${employee.accountName}${UPN_SUFFIX}`,
      });
    }
    if (template.remoteIp) items.push({ ...emptyEvidence('Ip', created), ipAddress: `198.51.100.${rng.int(2, 254)}` });
    if (template.url) items.push({ ...emptyEvidence('Url', created), url: template.url });
    return items;
  }
}

/** Alerts placed on the well-known devices; together they use every severity and every status. */
const PINNED_ALERTS: readonly {
  device: keyof typeof WELL_KNOWN_DEVICES; title: string; severity: AlertSeverity; status: AlertStatus; hoursAgo: number;
  assignedTo?: string | null; classification?: AlertClassification;
}[] = [
  { device: 'isolated', title: 'Ransomware behavior detected in the file system', severity: 'High', status: 'InProgress', hoursAgo: 50, assignedTo: ANALYSTS.bob },
  { device: 'offline', title: "'Emotet' malware was detected", severity: 'Medium', status: 'New', hoursAgo: 10 * 24, assignedTo: null },
  { device: 'selectiveUnsupported', title: 'Potentially unwanted application', severity: 'Low', status: 'New', hoursAgo: 30, assignedTo: null },
  { device: 'finance', title: 'Possible data exfiltration to cloud storage', severity: 'High', status: 'New', hoursAgo: 6, assignedTo: null },
  { device: 'server', title: "An active 'CobaltStrike' backdoor was detected", severity: 'High', status: 'InProgress', hoursAgo: 12, assignedTo: ANALYSTS.alice },
  { device: 'apostrophe', title: 'Suspicious URL clicked', severity: 'Medium', status: 'New', hoursAgo: 3, assignedTo: null },
  { device: 'apostrophe', title: 'Suspicious PowerShell command line', severity: 'Informational', status: 'Resolved', hoursAgo: 5 * 24, assignedTo: ANALYSTS.bob, classification: 'FalsePositive' },
  { device: 'server', title: 'Third-party sensor test alert', severity: 'UnSpecified', status: 'Unknown', hoursAgo: 20 * 24, assignedTo: null },
];

function randomAlertPlan(rng: SeededRandom, machines: readonly Machine[], now: number): AlertPlan {
  const machine = rng.pick(machines);
  const template = rng.pick(templatesFor(machine));
  const ageMs = rng.chance(0.25) ? rng.int(5 * MINUTE, DAY) : rng.int(DAY, 30 * DAY);
  const status = rng.weighted<AlertStatus>([['New', 4], ['InProgress', 2], ['Resolved', ageMs > 3 * DAY ? 6 : 2], ['Unknown', 0.2]]);
  return { template, machine, severity: rng.pick(template.severities), status, createdAt: now - ageMs };
}

/** Alerts on the same device within a day of each other belong to one incident. */
function assignIncidents(alerts: Alert[], rng: SeededRandom): void {
  const openIncidents = new Map<string, { incidentId: number; lastAt: number }>();
  let nextIncidentId = rng.int(1000, 5000);
  for (const alert of alerts) {
    const at = Date.parse(alert.alertCreationTime);
    const open = openIncidents.get(alert.machineId);
    if (open && at - open.lastAt <= DAY) {
      alert.incidentId = open.incidentId;
      open.lastAt = at;
    } else {
      alert.incidentId = nextIncidentId;
      openIncidents.set(alert.machineId, { incidentId: nextIncidentId, lastAt: at });
      nextIncidentId += rng.int(1, 7);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Machine-action history

interface ActionPlan {
  machine: Machine;
  type: MachineActionType;
  status: Exclude<MachineActionStatus, 'Pending' | 'InProgress'>;
  scope?: string;
  requestor: string;
  comment: string;
  createdAt: number;
}

function buildAction(rng: SeededRandom, plan: ActionPlan): MachineAction {
  const stamp = (at: number) => toDefenderTimestamp(at, rng.int(0, 9999));
  const endedAt = plan.createdAt + (plan.status === 'TimeOut' ? 3 * DAY : rng.int(2 * MINUTE, 40 * MINUTE));
  const cancelled = plan.status === 'Cancelled';
  return {
    id: rng.guid(),
    type: plan.type,
    title: null,
    scope: plan.scope ?? null,
    requestor: plan.requestor,
    requestorComment: plan.comment,
    status: plan.status,
    machineId: plan.machine.id,
    computerDnsName: plan.machine.computerDnsName,
    creationDateTimeUtc: stamp(plan.createdAt),
    lastUpdateDateTimeUtc: stamp(endedAt),
    cancellationRequestor: cancelled ? plan.requestor : null,
    cancellationComment: cancelled ? 'Requested by mistake' : null,
    cancellationDateTimeUtc: cancelled ? stamp(endedAt) : null,
    errorHResult: plan.status === 'Failed' ? -2147467259 : 0,
    externalId: null,
    requestSource: 'PublicApi',
    relatedFileInfo: plan.type === 'StopAndQuarantineFile' ? { fileIdentifier: rng.hex(40), fileIdentifierType: 'Sha1' } : null,
    commands: plan.type === 'LiveResponse' ? [{
      index: 0, startTime: stamp(plan.createdAt + MINUTE), endTime: stamp(endedAt), commandStatus: 'Completed', errors: [],
      command: { type: 'RunScript', params: [{ key: 'ScriptName', value: 'collect-triage.ps1' }] },
    }] : [],
    troubleshootInfo: null,
  };
}

function actionHistory(rng: SeededRandom, machines: readonly Machine[], now: number): MachineAction[] {
  const byName = new Map(machines.map((machine) => [machine.computerDnsName, machine]));
  const others = machines.filter((machine) => !Object.values<string>(WELL_KNOWN_DEVICES).includes(machine.computerDnsName));
  const workstations = others.filter((machine) => machine.rbacGroupId === WORKSTATIONS.id);
  const ago = (days: number, extraMinutes = 0) => now - days * DAY + extraMinutes * MINUTE + rng.int(0, 30 * MINUTE);
  const plans: (Omit<ActionPlan, 'machine'> & { machine: Machine | undefined })[] = [];
  const plan = (machine: Machine | undefined, type: MachineActionType, status: ActionPlan['status'], requestor: string,
    comment: string, createdAt: number, scope?: string) => plans.push({ machine, type, status, requestor, comment, createdAt, scope });

  const isolated = byName.get(WELL_KNOWN_DEVICES.isolated);
  plan(isolated, 'Isolate', 'Succeeded', ANALYSTS.alice, 'Suspicious sign-in burst, isolating while we check', ago(40), 'Full');
  plan(isolated, 'Unisolate', 'Succeeded', ANALYSTS.alice, 'False alarm, releasing', ago(38), undefined);
  plan(isolated, 'RunAntiVirusScan', 'Succeeded', ANALYSTS.bob, 'Scan after ransomware alert', ago(3), 'Full');
  plan(isolated, 'Isolate', 'Succeeded', ANALYSTS.bob, 'Ransomware behaviour, isolating', ago(2), 'Full');
  plan(isolated, 'CollectInvestigationPackage', 'Succeeded', ANALYSTS.alice, 'Forensics for the ransomware incident', ago(2, 45));
  plan(byName.get(WELL_KNOWN_DEVICES.offline), 'RunAntiVirusScan', 'TimeOut', ANALYSTS.alice, 'Emotet follow-up scan', ago(5), 'Quick');
  const server = byName.get(WELL_KNOWN_DEVICES.server);
  plan(server, 'Isolate', 'Succeeded', AUTOMATION_REQUESTOR, 'Automated containment of beacon traffic', ago(12), 'Selective');
  plan(server, 'Unisolate', 'Succeeded', ANALYSTS.alice, 'Beacon removed, releasing', ago(11));
  const finance = byName.get(WELL_KNOWN_DEVICES.finance);
  plan(finance, 'RestrictCodeExecution', 'Succeeded', ANALYSTS.alice, 'Unknown binaries seen, restricting', ago(15));
  plan(finance, 'UnrestrictCodeExecution', 'Succeeded', ANALYSTS.alice, 'Binaries confirmed as line-of-business', ago(14));
  plan(finance, 'StopAndQuarantineFile', 'Succeeded', ANALYSTS.alice, 'Quarantine rclone.exe', ago(6));
  plan(byName.get(WELL_KNOWN_DEVICES.selectiveUnsupported), 'RunAntiVirusScan', 'Succeeded', ANALYSTS.bob, 'PUA cleanup', ago(1), 'Quick');
  plan(byName.get(WELL_KNOWN_DEVICES.apostrophe), 'RunAntiVirusScan', 'Cancelled', ANALYSTS.bob, 'Check after phishing click', ago(4), 'Full');

  if (others.length > 0) {
    const pickOther = () => rng.pick(others);
    const releasedWorkstation = workstations.length > 0 ? rng.pick(workstations) : pickOther();
    plan(releasedWorkstation, 'Isolate', 'Succeeded', ANALYSTS.bob, 'Lateral movement suspected', ago(25), 'Full');
    plan(releasedWorkstation, 'Unisolate', 'Succeeded', ANALYSTS.bob, 'Investigation complete', ago(24));
    plan(pickOther(), 'Isolate', 'Cancelled', ANALYSTS.alice, 'Isolate for triage', ago(18), 'Full');
    plan(pickOther(), 'RunAntiVirusScan', 'Succeeded', AUTOMATION_REQUESTOR, 'Weekly scan of flagged devices', ago(8), 'Quick');
    plan(pickOther(), 'RunAntiVirusScan', 'Failed', ANALYSTS.alice, 'Full scan requested by the service desk', ago(7), 'Full');
    plan(pickOther(), 'CollectInvestigationPackage', 'Failed', ANALYSTS.alice, 'Collect package for the archive alert', ago(9));
    plan(pickOther(), 'LiveResponse', 'Succeeded', ANALYSTS.alice, 'Triage script', ago(13));
    plan(pickOther(), 'RunAntiVirusScan', 'TimeOut', AUTOMATION_REQUESTOR, 'Weekly scan of flagged devices', ago(21), 'Quick');
  }
  return plans
    .filter((entry): entry is ActionPlan => entry.machine !== undefined)
    .sort((a, b) => a.createdAt - b.createdAt)
    .map((entry) => buildAction(rng, entry));
}

// ---------------------------------------------------------------------------------------------
// The tenant

export function seedDefenderTenant(options: DefenderSeedOptions): DefenderTenantData {
  const { tenantId, now, machineCount = 60, alertCount = 240 } = options;
  const rng = new SeededRandom(options.seed ?? DEFAULT_SEED);

  const machineFactory = new MachineFactory(rng, now);
  const plans = [...WELL_KNOWN_PLANS, ...COVERAGE_PLANS].slice(0, machineCount);
  while (plans.length < machineCount) plans.push(machineFactory.randomPlan());
  const machines = plans.map((plan) => machineFactory.build(plan));

  const alertFactory = new AlertFactory(rng, tenantId, now);
  const byName = new Map(machines.map((machine) => [machine.computerDnsName, machine]));
  const alertPlans: AlertPlan[] = PINNED_ALERTS.flatMap((pin) => {
    const machine = byName.get(WELL_KNOWN_DEVICES[pin.device]);
    return machine ? [{
      template: templateTitled(pin.title), machine, severity: pin.severity, status: pin.status,
      createdAt: now - pin.hoursAgo * HOUR - rng.int(0, 50 * MINUTE), assignedTo: pin.assignedTo, classification: pin.classification,
    }] : [];
  }).slice(0, alertCount);
  while (machines.length > 0 && alertPlans.length < alertCount) alertPlans.push(randomAlertPlan(rng, machines, now));
  const alerts = alertPlans
    .sort((a, b) => a.createdAt - b.createdAt)
    .map((plan) => alertFactory.build(plan));
  assignIncidents(alerts, rng);
  const actions = actionHistory(rng, machines, now);
  withSparseShapes(machines, alerts);

  return { machines, alerts, actions, deviceGroups: SEEDED_DEVICE_GROUPS, tenantId };
}

/**
 * Optional fields left out or null, as real answers have them: Microsoft's own Machine examples
 * (machine.md, get-machines.md) carry no `ipAddresses`, and third-party captures show null arrays
 * on alerts [O]. The ungrouped Linux device has no `ipAddresses` and `machineTags: null`; its
 * alerts have null `mitreTechniques`, `comments` and `loggedOnUsers`, and no `domains`.
 */
function withSparseShapes(machines: Machine[], alerts: Alert[]): void {
  const sparse = machines.find((machine) => machine.rbacGroupName === null && machine.osPlatform === 'Linux');
  if (!sparse) return;
  const loose = sparse as unknown as Record<string, unknown>;
  delete loose.ipAddresses;
  loose.machineTags = null;
  for (const alert of alerts.filter((candidate) => candidate.machineId === sparse.id)) {
    const record = alert as unknown as Record<string, unknown>;
    record.mitreTechniques = null;
    record.comments = null;
    record.loggedOnUsers = null;
    delete record.domains;
  }
}

/** The seeded device whose optional arrays are missing or null (see withSparseShapes). */
export function sparseMachine(data: Pick<DefenderTenantData, 'machines'>): Machine | undefined {
  return data.machines.find((machine) => machine.rbacGroupName === null && machine.osPlatform === 'Linux' && !('ipAddresses' in machine));
}

/**
 * A new alert on one of the tenant's machines, raised at `now` (status New unless `partial` says
 * otherwise). Ids, times, computerDnsName, rbacGroupName and aadTenantId are filled from the
 * machine and the tenant; fields in `partial` win. The alert is returned, not added to `data`.
 * What `partial` leaves open (the template, its evidence) follows from how many alerts the tenant
 * holds, not from the time of day: a test that fails fails again when it is run again.
 */
export function makeAlert(
  data: DefenderTenantData,
  partial: Partial<Alert> & { machineId: string },
  now: number,
  rng: SeededRandom = new SeededRandom(deriveSeed(DEFAULT_SEED, data.alerts.length)),
): Alert {
  const machine = data.machines.find((candidate) => candidate.id === partial.machineId);
  if (!machine) throw new Error(`no machine with id ${partial.machineId} in the Defender twin`);
  const tenantId = partial.aadTenantId ?? data.tenantId ?? data.alerts[0]?.aadTenantId;
  if (!tenantId) throw new Error('makeAlert needs the tenant id: pass aadTenantId or seed the data with seedDefenderTenant');
  const template = (partial.title && ALERT_TEMPLATES.find((candidate) => candidate.title === partial.title)) || rng.pick(templatesFor(machine));
  const factory = new AlertFactory(rng, tenantId, now, data.alerts.map((alert) => alert.id));
  const alert = factory.build({
    template, machine, severity: partial.severity ?? rng.pick(template.severities), status: partial.status ?? 'New',
    createdAt: now, assignedTo: partial.assignedTo ?? null, classification: partial.classification ?? undefined,
  });
  const incidentId = Math.max(0, ...data.alerts.map((existing) => existing.incidentId ?? 0)) + 1;
  return { ...alert, incidentId, ...partial, computerDnsName: machine.computerDnsName, rbacGroupName: machine.rbacGroupName };
}
