/**
 * Defender for Endpoint entities as the API serialises them (field names and casing as in
 * the Defender API reference, defender-api.md §5). Isolation state is deliberately absent from Machine
 * (reference §8): it is visible only through machine actions (see ./isolation.ts).
 */

export type AlertSeverity = 'UnSpecified' | 'Informational' | 'Low' | 'Medium' | 'High';
export type AlertStatus = 'Unknown' | 'New' | 'InProgress' | 'Resolved';
export type AlertClassification = 'TruePositive' | 'InformationalExpectedActivity' | 'FalsePositive';

export interface AlertEvidence {
  entityType: string;
  evidenceCreationTime: string | null;
  sha1: string | null;
  sha256: string | null;
  fileName: string | null;
  filePath: string | null;
  processId: number | null;
  processCommandLine: string | null;
  processCreationTime: string | null;
  parentProcessId: number | null;
  parentProcessCreationTime: string | null;
  parentProcessFileName: string | null;
  parentProcessFilePath: string | null;
  ipAddress: string | null;
  url: string | null;
  registryKey: string | null;
  registryHive: string | null;
  registryValueType: string | null;
  registryValue: string | null;
  accountName: string | null;
  domainName: string | null;
  userSid: string | null;
  aadUserId: string | null;
  userPrincipalName: string | null;
  detectionStatus: string | null;
}

export interface AlertComment {
  comment: string;
  createdBy: string;
  createdTime: string;
}

export interface Alert {
  id: string;
  incidentId: number | null;
  investigationId: number | null;
  assignedTo: string | null;
  severity: AlertSeverity;
  status: AlertStatus;
  classification: AlertClassification | null;
  determination: string | null;
  investigationState: string | null;
  detectionSource: string;
  detectorId: string;
  category: string;
  threatFamilyName: string | null;
  threatName: string | null;
  title: string;
  description: string;
  alertCreationTime: string;
  firstEventTime: string | null;
  lastEventTime: string | null;
  lastUpdateTime: string;
  resolvedTime: string | null;
  machineId: string;
  computerDnsName: string;
  rbacGroupName: string | null;
  aadTenantId: string;
  mitreTechniques: string[];
  relatedUser: { userName: string; domainName: string } | null;
  loggedOnUsers: { accountName: string; domainName: string }[];
  comments: AlertComment[];
  evidence: AlertEvidence[];
  domains: string[];
}

export type HealthStatus =
  | 'Active' | 'Inactive' | 'ImpairedCommunication' | 'NoSensorData' | 'NoSensorDataImpairedCommunication' | 'Unknown';

export interface MachineIpAddress {
  ipAddress: string;
  macAddress: string | null;
  type: string;
  operationalStatus: 'Up' | 'Down';
}

export interface Machine {
  id: string;
  computerDnsName: string;
  firstSeen: string;
  lastSeen: string;
  osPlatform: string;
  osVersion: string | null;
  version: string | null;
  osProcessor: string;
  osArchitecture: string;
  osBuild: number | null;
  agentVersion: string;
  lastIpAddress: string;
  lastExternalIpAddress: string;
  ipAddresses: MachineIpAddress[];
  healthStatus: HealthStatus;
  onboardingStatus: string;
  riskScore: 'None' | 'Informational' | 'Low' | 'Medium' | 'High' | null;
  exposureLevel: 'None' | 'Low' | 'Medium' | 'High' | null;
  deviceValue: 'Normal' | 'Low' | 'High' | null;
  rbacGroupId: number;
  rbacGroupName: string | null;
  isAadJoined: boolean;
  aadDeviceId: string | null;
  machineTags: string[];
  defenderAvStatus: string;
  managedBy: string;
  managedByStatus: string;
  isPotentialDuplication: boolean;
  isExcluded: boolean;
  exclusionReason: string | null;
  mergedIntoMachineId: string | null;
  vmMetadata: { vmId: string; cloudProvider: string; resourceId: string; subscriptionId: string } | null;
}

export type MachineActionType =
  | 'RunAntiVirusScan' | 'Offboard' | 'LiveResponse' | 'CollectInvestigationPackage' | 'Isolate' | 'Unisolate'
  | 'StopAndQuarantineFile' | 'RestrictCodeExecution' | 'UnrestrictCodeExecution';

export type MachineActionStatus = 'Pending' | 'InProgress' | 'Succeeded' | 'Failed' | 'TimeOut' | 'Cancelled';

export interface MachineAction {
  id: string;
  type: MachineActionType;
  title: string | null;
  scope: string | null;
  requestor: string;
  requestorComment: string;
  status: MachineActionStatus;
  machineId: string;
  computerDnsName: string;
  creationDateTimeUtc: string;
  lastUpdateDateTimeUtc: string;
  cancellationRequestor: string | null;
  cancellationComment: string | null;
  cancellationDateTimeUtc: string | null;
  errorHResult: number;
  externalId: string | null;
  requestSource: string;
  relatedFileInfo: { fileIdentifier: string; fileIdentifierType: 'Sha1' | 'Sha256' | 'Md5' } | null;
  commands: unknown[];
  troubleshootInfo: unknown;
}

/** A device group as Defender's RBAC defines it; `id` is the Machine's `rbacGroupId`. */
export interface DeviceGroup {
  id: number;
  name: string;
}

export const FINAL_ACTION_STATUSES: readonly MachineActionStatus[] = ['Succeeded', 'Failed', 'TimeOut', 'Cancelled'];
