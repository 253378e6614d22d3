import type { Alert, Machine } from '../defender/model';

export type HuntingValue = string | number | boolean | null;
export type HuntingRow = Record<string, HuntingValue>;
export type ColumnType = 'String' | 'DateTime' | 'Int64';

export interface HuntingTable {
  columns: Record<string, ColumnType>;
  rows: HuntingRow[];
}

const MINUTE = 60_000;

/**
 * Advanced hunting tables (learn.microsoft.com/defender-xdr/advanced-hunting-schema-tables) built
 * from the Defender twin's devices and alerts, with a subset of their documented columns: devices
 * report in (DeviceInfo), the alerts' users logged on, their files and processes ran, their IPs and
 * URLs were contacted. Only what the caller's device groups cover is passed in.
 */
export function huntingTables(machines: readonly Machine[], alerts: readonly Alert[]): Record<string, HuntingTable> {
  const device = (alert: Alert) => ({ DeviceId: alert.machineId, DeviceName: alert.computerDnsName });
  const withEvidence = alerts.flatMap((alert) => (alert.evidence ?? []).map((evidence) => ({ alert, evidence })));
  return {
    DeviceInfo: {
      columns: { Timestamp: 'DateTime', DeviceId: 'String', DeviceName: 'String', OSPlatform: 'String', PublicIP: 'String', MachineGroup: 'String' },
      rows: machines.map((machine) => ({
        Timestamp: machine.lastSeen, DeviceId: machine.id, DeviceName: machine.computerDnsName, OSPlatform: machine.osPlatform,
        PublicIP: machine.lastExternalIpAddress, MachineGroup: machine.rbacGroupName ?? null,
      })),
    },
    DeviceLogonEvents: {
      columns: {
        Timestamp: 'DateTime', DeviceId: 'String', DeviceName: 'String', ActionType: 'String', AccountDomain: 'String', AccountName: 'String', LogonType: 'String',
      },
      rows: alerts.flatMap((alert) => (alert.loggedOnUsers ?? []).map((user) => ({
        Timestamp: shifted(alert.firstEventTime ?? alert.alertCreationTime, -5), ...device(alert), ActionType: 'LogonSuccess',
        AccountDomain: user.domainName, AccountName: user.accountName, LogonType: 'Interactive',
      }))),
    },
    DeviceProcessEvents: {
      columns: {
        Timestamp: 'DateTime', DeviceId: 'String', DeviceName: 'String', FileName: 'String', FolderPath: 'String', SHA1: 'String', SHA256: 'String',
        ProcessCommandLine: 'String', InitiatingProcessFileName: 'String',
      },
      rows: withEvidence.filter(({ evidence }) => evidence.entityType === 'Process').map(({ alert, evidence }) => ({
        Timestamp: evidence.processCreationTime ?? alert.alertCreationTime, ...device(alert), FileName: evidence.fileName, FolderPath: evidence.filePath,
        SHA1: evidence.sha1, SHA256: evidence.sha256, ProcessCommandLine: evidence.processCommandLine,
        InitiatingProcessFileName: evidence.parentProcessFileName,
      })),
    },
    DeviceNetworkEvents: {
      columns: { Timestamp: 'DateTime', DeviceId: 'String', DeviceName: 'String', ActionType: 'String', RemoteIP: 'String', RemoteUrl: 'String' },
      rows: withEvidence.filter(({ evidence }) => evidence.entityType === 'Ip' || evidence.entityType === 'Url').map(({ alert, evidence }) => ({
        Timestamp: alert.firstEventTime ?? alert.alertCreationTime, ...device(alert), ActionType: 'ConnectionSuccess',
        RemoteIP: evidence.ipAddress, RemoteUrl: evidence.url,
      })),
    },
    AlertInfo: {
      columns: { Timestamp: 'DateTime', AlertId: 'String', Title: 'String', Category: 'String', Severity: 'String', ServiceSource: 'String', DetectionSource: 'String' },
      rows: alerts.map((alert) => ({
        Timestamp: alert.alertCreationTime, AlertId: alert.id, Title: alert.title, Category: alert.category, Severity: alert.severity,
        ServiceSource: 'Microsoft Defender for Endpoint', DetectionSource: alert.detectionSource,
      })),
    },
    AlertEvidence: {
      columns: {
        Timestamp: 'DateTime', AlertId: 'String', Title: 'String', EntityType: 'String', DeviceId: 'String', DeviceName: 'String', FileName: 'String',
        SHA1: 'String', SHA256: 'String', RemoteIP: 'String', RemoteUrl: 'String', AccountName: 'String',
      },
      rows: withEvidence.map(({ alert, evidence }) => ({
        Timestamp: alert.alertCreationTime, AlertId: alert.id, Title: alert.title, EntityType: evidence.entityType, ...device(alert),
        FileName: evidence.fileName, SHA1: evidence.sha1, SHA256: evidence.sha256, RemoteIP: evidence.ipAddress, RemoteUrl: evidence.url,
        AccountName: evidence.accountName,
      })),
    },
  };
}

function shifted(iso: string, minutes: number): string {
  return new Date(Date.parse(iso) + minutes * MINUTE).toISOString();
}
