import type { DefenderErrorKind, DefenderOperation, DefenderSubject } from '../../defender/errors';
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
      subscribe: { usage: 'subscribe [high|medium|low|informational] [group <device group>]', description: 'A card here for each new alert at or above that severity, optionally for one device group.', example: 'subscribe high group Servers' },
      unsubscribe: { usage: 'unsubscribe', description: 'No more alert cards here.', example: 'unsubscribe' },
      subscriptions: { usage: 'subscriptions', description: "This conversation's alert subscriptions.", example: 'subscriptions' },
      audit: { usage: 'audit [device]', description: 'Who asked for which response action through the bot, and the result.', example: 'audit pc-finance-07' },
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

  /** What the bot itself writes: message cards, plain-text replies, sign-in prompts, invoke errors. */
  bot: {
    whoAreYou: 'I could not tell who you are. Please message me from Microsoft Teams.',
    signedOut: 'You are signed out of Defender in this bot. Your next command signs you in again.',
    signInFailed: 'Sign-in through Teams failed ({code}). Ask your admin to check the bot\'s single sign-on settings (see the deployment guide, "Troubleshooting").',
    turnError: 'Sorry, something went wrong on my side. Please try again.',
    otherTenant: 'Sorry, this bot serves only the organization that installed it. Your organization is not on its list.',
    signIn: {
      title: 'Sign in to Microsoft Defender',
      text: 'Defender ChatOps acts in Defender as you. Sign in once to continue.',
      button: 'Sign in',
    },
    input: {
      tooLongTitle: 'That message is too long',
      tooLongText: 'Type a short command such as `alerts high` or `device <name>`.',
      notUnderstoodTitle: 'I did not understand "{word}"',
      missingTitle: 'Something is missing',
      typeUsage: 'Type: `{usage}`',
    },
    /** Syntax of the commands the help card does not list (the others come from help.commands). */
    usage: {
      subscribe: 'subscribe [high|medium|low|informational] [group <device group>]',
      unsubscribe: 'unsubscribe',
      subscriptions: 'subscriptions',
      audit: 'audit [device]',
    },
    devices: {
      noDeviceAtIpTitle: 'No device found',
      noDeviceAtIpText: 'No device you can see used the IP address {ip} in the last 15 minutes.',
      noSuchDeviceTitle: 'No such device',
      noSuchDeviceText: 'No device named "{query}" that you can see in Defender.',
    },
    subscriptions: {
      notAllowedTitle: 'Not allowed to subscribe',
      notAllowedText: 'Only someone who can read alerts in Defender (role permission "View Data") can subscribe a conversation to alert notifications.',
      subscribedTitle: 'Subscribed to alert notifications',
      subscribedText: 'This conversation now gets a card for each new Defender alert of severity {severity} or higher{scope}. Cards are updated when the alert changes.',
      subscribedScope: ' on devices in the device group "{group}"',
      unsubscribedTitle: 'Unsubscribed',
      unsubscribedText: 'This conversation no longer gets alert notifications.',
      noSubscriptionTitle: 'No subscription',
      noSubscriptionText: 'This conversation had no alert notifications.',
      noneTitle: 'No subscriptions',
      noneText: 'This conversation gets no alert notifications.',
      listTitle: 'Alert notifications',
      listLine: '{severity} and higher{scope} (by {upn}): {state}',
      listScope: ', device group "{group}"',
      active: 'active',
      disabled: 'DISABLED: {reason}',
    },
    cardActions: {
      notFromUser: 'This action must come from a signed-in Teams user.',
      invalidAction: 'This card action is not valid here. Use a card the bot posted in this conversation.',
      unknownAction: 'This card action is not known to the bot.',
      expiredTitle: 'This card has expired',
      expiredText: 'Open the device again to get a fresh card, then repeat the action.',
      openedBelow: 'Opened below.',
      checkInputTitle: 'Check your input',
      alreadySubmittedTitle: 'Already submitted',
      alreadySubmittedText: 'This confirmation was already sent to Defender. Type `actions <device>` to see its status.',
    },
    responseInput: {
      commentRequired: 'A comment is required: say why, e.g. "Ransomware alert 1234, isolating pending triage".',
      commentTooLong: 'The comment is too long ({length} characters; at most {max}).',
      isolationType: 'Choose Full or Selective isolation.',
    },
    problems: {
      unexpectedTitle: 'Something went wrong',
      unexpectedText: 'The bot could not complete this. Please try again; if it keeps failing, give your admin the reference {reference}.',
      storageUnavailableTitle: 'Storage unavailable',
      storageUnavailableText: "The bot's storage is unavailable; try again in a minute.",
      teamsThrottledTitle: 'Teams is limiting the bot',
      teamsThrottledText: 'Teams is refusing more messages from the bot in this conversation for a moment; try again in a minute.',
      titles: {
        unauthorized: 'Please sign in again',
        forbidden: 'Not allowed',
        not_found: 'Not found',
        throttled: 'Defender is busy',
        already_in_progress: 'Already in progress',
        bad_request: 'Check your input',
        unsupported_os: 'Not supported on this device',
        server: 'Defender is not answering',
        timeout: 'Defender is not answering',
        network: 'Defender is not answering',
        malformed_response: 'Defender is not answering',
      } satisfies Record<DefenderErrorKind, string>,
      /** What the bot was doing, completing "You are not allowed to …", "Could not …", "while trying to …". */
      operations: {
        listAlerts: 'list alerts',
        getAlert: 'read the alert',
        getMachine: 'read the device',
        searchMachines: 'search devices',
        findMachinesByIp: 'find devices by IP address',
        machineAlerts: 'read the device\'s alerts',
        machineActions: 'read the device\'s response actions',
        getMachineAction: 'read the response action',
        isolate: 'isolate the device',
        unisolate: 'release the device from isolation',
      } satisfies Record<DefenderOperation, string>,
      anyOperation: 'complete the request',
      subjects: {
        alert: 'alert {id}',
        device: 'device "{id}"',
        responseAction: 'response action {id}',
      } satisfies Record<DefenderSubject['kind'], string>,
      thisDevice: 'this device',
      serverSaid: ' Defender said: "{message}"',
      actionOutcomeUnknown: ' The action may or may not have been accepted: check the device\'s response actions before trying again.',
      tryAgainSoon: ' Please try again in a moment.',
      unauthorized: 'Defender did not accept the sign-in used to {doing} (missing, invalid or expired token). Please sign in again.',
      forbidden: 'You are not allowed to {doing}.',
      forbiddenNeeds: ' This needs the Defender role permission "{rolePermission}" for the device\'s device group, and the app permission {apiPermissions}.',
      permissionSeparator: ' or ',
      notFound: {
        alert: 'Defender has no alert {id}, or it is outside the device groups you can see.',
        device: 'Defender has no device "{id}", or it is outside the device groups you can see.',
        responseAction: 'Defender has no response action {id}, or it is outside the device groups you can see.',
      } satisfies Record<DefenderSubject['kind'], string>,
      notFoundAnything: 'Defender did not find what was asked for, or it is outside the device groups you can see.',
      throttled: 'Defender is busy, try again in {seconds} s.',
      alreadyInProgress: 'Could not {doing}: an action of this kind is already in progress on {subject}.',
      invalidInput: 'The request is not valid. {detail}',
      rejected: 'Defender rejected the request to {doing}.',
      unsupportedOs: 'Could not {doing}: the device\'s operating system does not support this action.',
      server: 'Defender had an internal error (HTTP {status}) while trying to {doing}.',
      timeout: 'Defender did not answer within {seconds} s while trying to {doing}.',
      network: 'Could not reach Defender to {doing} (the connection failed).',
      malformed: 'Defender sent an answer that could not be read while trying to {doing}.',
    },
  },
};

export type CardStrings = typeof enUS;
