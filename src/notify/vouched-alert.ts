import type { Alert, AlertEvidence } from '../defender/model';

const NO_EVIDENCE_DETAIL: Omit<AlertEvidence, 'entityType'> = {
  evidenceCreationTime: null, sha1: null, sha256: null, fileName: null, filePath: null, processId: null,
  processCommandLine: null, processCreationTime: null, parentProcessId: null, parentProcessCreationTime: null,
  parentProcessFileName: null, parentProcessFilePath: null, ipAddress: null, url: null, registryKey: null,
  registryHive: null, registryValueType: null, registryValue: null, accountName: null, domainName: null, userSid: null,
  aadUserId: null, userPrincipalName: null, detectionStatus: null,
};

/**
 * The part of an alert a notification may show everyone in the conversation, read with the app's
 * token but vouched for by the subscriber (who can see the device's group): what it is (title,
 * severity, category, detection source), where (device and group), its state (status, assignee,
 * classification, times) and how many evidence items of each kind. Description, related and
 * logged-on users, evidence details, MITRE techniques, comments and threat names are left out:
 * each reader sees those by opening the alert, with their own rights.
 */
export function vouchedPart(alert: Alert): Alert {
  return {
    ...alert,
    description: '',
    threatFamilyName: null,
    threatName: null,
    mitreTechniques: [],
    relatedUser: null,
    loggedOnUsers: [],
    comments: [],
    evidence: alert.evidence.map((item) => ({ ...NO_EVIDENCE_DETAIL, entityType: item.entityType })),
    domains: [],
  };
}
