import type {
  AlertSeverity, AlertStatus, HealthStatus, Machine, MachineActionStatus, MachineActionType,
} from '../../defender/model';

/**
 * Every user-facing text of the cards, in English. `{name}` marks a value filled in by the view
 * (see fill()). The Swedish file must have exactly these keys: CardStrings is this object's type.
 */
export const enUS = {
  justNow: 'just now',
  andMore: 'and {count} more',
  none: 'None',
  unknown: 'Unknown',
  labelSeparator: ': ',

  buttons: {
    open: 'Open',
    isolate: 'Isolate device',
    release: 'Release from isolation',
    confirmIsolate: 'Isolate',
    confirmRelease: 'Release',
    cancel: 'Cancel',
    openInPortal: 'Open in Microsoft Defender',
  },

  help: {
    title: 'Defender for Endpoint in Teams',
    intro: 'Type a command in this chat, or mention me in a channel. Response actions run with your own Defender permissions.',
    didYouMean: 'Did you mean',
    example: 'Example',
    commands: {
      alerts: { usage: 'alerts [high|medium|low|informational] [new|inprogress|resolved] [mine] [N]', description: 'Newest alerts, filtered by severity, status or assigned to you.', example: 'alerts high new 5' },
      alert: { usage: 'alert <alert id>', description: 'One alert: details, evidence and response buttons.', example: 'alert da637472900382838869_1364969609' },
      device: { usage: 'device <name | device id | IP address>', description: 'A device: health, risk, isolation state, recent actions and open alerts.', example: 'device pc-finance-07' },
      isolate: { usage: 'isolate <device> [selective] [comment…]', description: 'Isolate a device from the network (full or selective), after you confirm.', example: 'isolate pc-finance-07 selective Suspicious beaconing' },
      release: { usage: 'release <device> [comment…]', description: 'Release a device from isolation, after you confirm.', example: 'release pc-finance-07 Cleaned by IR' },
      actions: { usage: 'actions <device>', description: 'Recent response actions on a device and their status.', example: 'actions pc-finance-07' },
      signout: { usage: 'signout', description: 'Sign out of this bot.', example: 'signout' },
      help: { usage: 'help', description: 'This list.', example: 'help' },
    },
  },

  alertList: {
    title: 'Alerts',
    count: '{count} shown, newest first',
    empty: 'No alerts match this filter.',
    filter: 'Filter',
    anySeverity: 'any severity',
    anyStatus: 'any status',
    mine: 'assigned to me',
  },

  alert: {
    assignedTo: 'Assigned to',
    unassigned: 'Unassigned',
    device: 'Device',
    relatedUser: 'User',
    category: 'Category',
    detectionSource: 'Detection source',
    created: 'Created',
    lastUpdate: 'Last update',
    mitreTechniques: 'MITRE techniques',
    evidence: 'Evidence',
    evidenceNames: 'Files and processes',
    noEvidence: 'No evidence items.',
    deviceIsolation: 'Device isolation',
  },

  device: {
    os: 'OS',
    health: 'Health',
    riskScore: 'Risk',
    exposureLevel: 'Exposure',
    deviceValue: 'Device value',
    lastSeen: 'Last full report',
    ipAddresses: 'IP addresses',
    tags: 'Tags',
    deviceGroup: 'Device group',
    noGroup: 'Ungrouped',
    isolation: 'Isolation',
    recentActions: 'Recent actions',
    noRecentActions: 'No recent actions.',
    openAlerts: 'Open alerts',
    noOpenAlerts: 'No open alerts.',
  },

  isolation: {
    isolatedFull: 'Isolated (full)',
    isolatedSelective: 'Isolated (selective)',
    isolated: 'Isolated',
    notIsolated: 'Not isolated',
    isolating: 'Isolation in progress',
    releasing: 'Release in progress',
    byWhom: 'by {who}, {when}',
  },

  confirm: {
    isolateTitle: 'Isolate {device}?',
    releaseTitle: 'Release {device} from isolation?',
    isolateText: 'The device will be disconnected from the network; only the Defender service keeps its connection.',
    releaseText: 'The device will be reconnected to the network.',
    commentLabel: 'Comment (saved in Defender\'s action log)',
    commentPlaceholder: 'Why? For example: the alert or ticket number',
    commentError: 'Enter a comment: Defender requires one.',
    isolationTypeLabel: 'Isolation type',
    isolationTypeError: 'Choose an isolation type.',
    full: 'Full: the device can reach nothing but Defender',
    selective: 'Selective: Outlook, Teams and Skype keep working',
  },

  actionStatus: {
    title: '{action}: {device}',
    device: 'Device',
    action: 'Action',
    scope: 'Scope',
    requestedBy: 'Requested by',
    requestedAt: 'Requested at',
    comment: 'Comment',
    status: 'Status',
    lastUpdate: 'Last update',
    cancelledBy: 'Cancelled by',
    inProgressHint: 'This card updates itself while the action runs.',
  },

  actions: {
    title: 'Response actions: {device}',
    empty: 'No response actions on this device.',
  },

  audit: {
    title: 'Audit log: recent response actions',
    titleDevice: 'Audit log: {device}',
    empty: 'No response actions were requested through the bot yet.',
    results: {
      requested: 'Requested', refused: 'Refused', failed: 'Failed', Succeeded: 'Succeeded',
      Failed: 'Failed', TimeOut: 'Timed out', Cancelled: 'Cancelled',
    },
  },

  deviceChoices: {
    ambiguousTitle: 'Several devices match "{query}"',
    unknownTitle: 'No device named "{query}"',
    closestMatches: 'Closest matches',
    noMatches: 'No similar device names. Check the spelling, or try the device id or an IP address.',
  },

  severity: {
    UnSpecified: 'Unspecified', Informational: 'Informational', Low: 'Low', Medium: 'Medium', High: 'High',
  } satisfies Record<AlertSeverity, string>,
  alertStatus: {
    Unknown: 'Unknown', New: 'New', InProgress: 'In progress', Resolved: 'Resolved',
  } satisfies Record<AlertStatus, string>,
  health: {
    Active: 'Active', Inactive: 'Inactive', ImpairedCommunication: 'Impaired communication', NoSensorData: 'No sensor data',
    NoSensorDataImpairedCommunication: 'No sensor data, impaired communication', Unknown: 'Unknown',
  } satisfies Record<HealthStatus, string>,
  riskScore: {
    None: 'None', Informational: 'Informational', Low: 'Low', Medium: 'Medium', High: 'High',
  } satisfies Record<NonNullable<Machine['riskScore']>, string>,
  exposureLevel: {
    None: 'None', Low: 'Low', Medium: 'Medium', High: 'High',
  } satisfies Record<NonNullable<Machine['exposureLevel']>, string>,
  deviceValue: {
    Normal: 'Normal', Low: 'Low', High: 'High',
  } satisfies Record<NonNullable<Machine['deviceValue']>, string>,
  actionType: {
    RunAntiVirusScan: 'Antivirus scan', Offboard: 'Offboard', LiveResponse: 'Live response',
    CollectInvestigationPackage: 'Collect investigation package', Isolate: 'Isolate', Unisolate: 'Release from isolation',
    StopAndQuarantineFile: 'Stop and quarantine file', RestrictCodeExecution: 'Restrict app execution',
    UnrestrictCodeExecution: 'Remove app restriction',
  } satisfies Record<MachineActionType, string>,
  actionStatusName: {
    Pending: 'Pending', InProgress: 'In progress', Succeeded: 'Succeeded', Failed: 'Failed', TimeOut: 'Timed out',
    Cancelled: 'Cancelled',
  } satisfies Record<MachineActionStatus, string>,
  scope: { Full: 'Full', Selective: 'Selective', Quick: 'Quick' },
  entityType: {
    File: 'Files', Process: 'Processes', User: 'Users', Ip: 'IP addresses', Url: 'URLs', Registry: 'Registry',
    RegistryValue: 'Registry values', MailMessage: 'Emails', Machine: 'Devices',
  },
};

export type CardStrings = typeof enUS;
