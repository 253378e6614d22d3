import type { CardStrings } from './en-US';

/** Svenska. Same keys as en-US (the type makes a missing or extra key a compile error). */
export const svSE: CardStrings = {
  justNow: 'nyss',
  andMore: 'och {count} till',
  none: 'Inga',
  unknown: 'Okänt',
  labelSeparator: ': ',

  buttons: {
    open: 'Öppna',
    isolate: 'Isolera enhet',
    release: 'Häv isolering',
    confirmIsolate: 'Isolera',
    confirmRelease: 'Häv isolering',
    cancel: 'Avbryt',
    openInPortal: 'Öppna i Microsoft Defender',
  },

  help: {
    title: 'Defender för Endpoint i Teams',
    intro: 'Skriv ett kommando i den här chatten, eller nämn mig i en kanal. Åtgärder körs med dina egna behörigheter i Defender.',
    didYouMean: 'Menade du',
    example: 'Exempel',
    commands: {
      alerts: { usage: 'alerts [high|medium|low|informational] [new|inprogress|resolved] [mine] [N]', description: 'Senaste larmen, filtrerade på allvarlighetsgrad, status eller tilldelade dig.', example: 'alerts high new 5' },
      alert: { usage: 'alert <larm-id>', description: 'Ett larm: detaljer, bevis och åtgärdsknappar.', example: 'alert da637472900382838869_1364969609' },
      device: { usage: 'device <namn | enhets-id | IP-adress>', description: 'En enhet: hälsa, risk, isoleringsläge, senaste åtgärder och öppna larm.', example: 'device pc-finance-07' },
      isolate: { usage: 'isolate <enhet> [selective] [kommentar…]', description: 'Isolera en enhet från nätverket (fullständigt eller selektivt) efter att du bekräftat.', example: 'isolate pc-finance-07 selective Misstänkt beaconing' },
      release: { usage: 'release <enhet> [kommentar…]', description: 'Häv isoleringen av en enhet efter att du bekräftat.', example: 'release pc-finance-07 Rensad av IR' },
      actions: { usage: 'actions <enhet>', description: 'Senaste åtgärderna på en enhet och deras status.', example: 'actions pc-finance-07' },
      signout: { usage: 'signout', description: 'Logga ut från boten.', example: 'signout' },
      help: { usage: 'help', description: 'Den här listan.', example: 'help' },
    },
  },

  alertList: {
    title: 'Larm',
    count: '{count} visas, nyaste först',
    empty: 'Inga larm matchar filtret.',
    filter: 'Filter',
    anySeverity: 'alla allvarlighetsgrader',
    anyStatus: 'alla statusar',
    mine: 'tilldelade mig',
  },

  alert: {
    assignedTo: 'Tilldelat',
    unassigned: 'Ej tilldelat',
    device: 'Enhet',
    relatedUser: 'Användare',
    category: 'Kategori',
    detectionSource: 'Detektionskälla',
    created: 'Skapat',
    lastUpdate: 'Senast uppdaterat',
    mitreTechniques: 'MITRE-tekniker',
    evidence: 'Bevis',
    evidenceNames: 'Filer och processer',
    noEvidence: 'Inga bevis.',
    deviceIsolation: 'Enhetens isolering',
  },

  device: {
    os: 'OS',
    health: 'Hälsa',
    riskScore: 'Risk',
    exposureLevel: 'Exponering',
    deviceValue: 'Enhetsvärde',
    lastSeen: 'Senaste fullständiga rapport',
    ipAddresses: 'IP-adresser',
    tags: 'Taggar',
    deviceGroup: 'Enhetsgrupp',
    noGroup: 'Ingen grupp',
    isolation: 'Isolering',
    recentActions: 'Senaste åtgärder',
    noRecentActions: 'Inga åtgärder nyligen.',
    openAlerts: 'Öppna larm',
    noOpenAlerts: 'Inga öppna larm.',
  },

  isolation: {
    isolatedFull: 'Isolerad (fullständigt)',
    isolatedSelective: 'Isolerad (selektivt)',
    isolated: 'Isolerad',
    notIsolated: 'Inte isolerad',
    isolating: 'Isolering pågår',
    releasing: 'Hävning av isolering pågår',
    byWhom: 'av {who}, {when}',
  },

  confirm: {
    isolateTitle: 'Isolera {device}?',
    releaseTitle: 'Häva isoleringen av {device}?',
    isolateText: 'Enheten kopplas bort från nätverket; bara tjänsten Defender behåller sin anslutning.',
    releaseText: 'Enheten kopplas in i nätverket igen.',
    commentLabel: 'Kommentar (sparas i Defenders åtgärdslogg)',
    commentPlaceholder: 'Varför? Till exempel larmet eller ärendenumret',
    commentError: 'Skriv en kommentar: Defender kräver en.',
    isolationTypeLabel: 'Typ av isolering',
    isolationTypeError: 'Välj typ av isolering.',
    full: 'Fullständig: enheten når bara Defender',
    selective: 'Selektiv: Outlook, Teams och Skype fortsätter att fungera',
  },

  actionStatus: {
    title: '{action}: {device}',
    device: 'Enhet',
    action: 'Åtgärd',
    scope: 'Omfattning',
    requestedBy: 'Begärd av',
    requestedAt: 'Begärd',
    comment: 'Kommentar',
    status: 'Status',
    lastUpdate: 'Senast uppdaterad',
    cancelledBy: 'Avbruten av',
    inProgressHint: 'Kortet uppdateras medan åtgärden pågår.',
  },

  actions: {
    title: 'Åtgärder: {device}',
    empty: 'Inga åtgärder på den här enheten.',
  },

  audit: {
    title: 'Granskningslogg: senaste åtgärderna',
    titleDevice: 'Granskningslogg: {device}',
    empty: 'Inga åtgärder har begärts via boten ännu.',
    results: {
      requested: 'Begärd', refused: 'Nekad', failed: 'Misslyckades', Succeeded: 'Slutförd',
      Failed: 'Misslyckades', TimeOut: 'Tidsgräns nådd', Cancelled: 'Avbruten',
    },
  },

  deviceChoices: {
    ambiguousTitle: 'Flera enheter matchar "{query}"',
    unknownTitle: 'Ingen enhet heter "{query}"',
    closestMatches: 'Närmaste träffar',
    noMatches: 'Inga liknande enhetsnamn. Kontrollera stavningen, eller försök med enhetens id eller en IP-adress.',
  },

  severity: {
    UnSpecified: 'Ospecificerad', Informational: 'Information', Low: 'Låg', Medium: 'Medel', High: 'Hög',
  },
  alertStatus: {
    Unknown: 'Okänd', New: 'Ny', InProgress: 'Pågår', Resolved: 'Löst',
  },
  health: {
    Active: 'Aktiv', Inactive: 'Inaktiv', ImpairedCommunication: 'Nedsatt kommunikation', NoSensorData: 'Inga sensordata',
    NoSensorDataImpairedCommunication: 'Inga sensordata, nedsatt kommunikation', Unknown: 'Okänd',
  },
  riskScore: {
    None: 'Ingen', Informational: 'Information', Low: 'Låg', Medium: 'Medel', High: 'Hög',
  },
  exposureLevel: {
    None: 'Ingen', Low: 'Låg', Medium: 'Medel', High: 'Hög',
  },
  deviceValue: {
    Normal: 'Normal', Low: 'Låg', High: 'Hög',
  },
  actionType: {
    RunAntiVirusScan: 'Antivirusgenomsökning', Offboard: 'Avregistrering', LiveResponse: 'Live response',
    CollectInvestigationPackage: 'Insamling av undersökningspaket', Isolate: 'Isolering', Unisolate: 'Hävd isolering',
    StopAndQuarantineFile: 'Stoppa och sätt fil i karantän', RestrictCodeExecution: 'Begränsa appkörning',
    UnrestrictCodeExecution: 'Ta bort appbegränsning',
  },
  actionStatusName: {
    Pending: 'Väntar', InProgress: 'Pågår', Succeeded: 'Lyckades', Failed: 'Misslyckades', TimeOut: 'Tidsgränsen nåddes',
    Cancelled: 'Avbruten',
  },
  scope: { Full: 'Fullständig', Selective: 'Selektiv', Quick: 'Snabb' },
  entityType: {
    File: 'Filer', Process: 'Processer', User: 'Användare', Ip: 'IP-adresser', Url: 'URL:er', Registry: 'Register',
    RegistryValue: 'Registervärden', MailMessage: 'E-post', Machine: 'Enheter',
  },
};
