import net from 'node:net';

/** `hunt <KQL>` or a canned hunt that needs no KQL; the canned ones become a query here. */
export type HuntCommand = { name: 'hunt'; query: string; timespan?: string };

export type HuntParse =
  | { ok: true; command: HuntCommand }
  | { ok: false; problem: 'missing_argument' | 'bad_argument'; word?: string; command: 'hunt' };

const SHA1 = /^[0-9a-f]{40}$/i;
const SHA256 = /^[0-9a-f]{64}$/i;
const DEVICE_NAME = /^[A-Za-z0-9][A-Za-z0-9._'-]{0,254}$/;
const PROCESS_NAME = /^[A-Za-z0-9_][A-Za-z0-9_. ()-]{0,99}$/;
/** `24h`, `7d`, `30m`: at most the 30 days advanced hunting keeps. */
const WINDOW = /^(\d{1,3})([dhm])$/i;
const MAX_WINDOW_HOURS = 30 * 24;
const ROWS = 50;

/** Parses what follows `hunt`: a canned hunt by its keyword, anything else is KQL as typed. */
export function parseHuntCommand(words: string[]): HuntParse {
  const [keyword, ...args] = words;
  if (!keyword) return { ok: false, problem: 'missing_argument', command: 'hunt' };
  const bad = (word: string | undefined): HuntParse => (word === undefined
    ? { ok: false, problem: 'missing_argument', command: 'hunt' }
    : { ok: false, problem: 'bad_argument', word, command: 'hunt' });
  switch (keyword.toLowerCase()) {
    case 'hash': {
      const hash = args[0];
      if (!hash || args.length > 1 || !(SHA1.test(hash) || SHA256.test(hash))) return bad(args[0]);
      const column = SHA1.test(hash) ? 'SHA1' : 'SHA256';
      return canned(`DeviceProcessEvents | where ${column} == ${kqlString(hash.toLowerCase())} | project Timestamp, DeviceName, FileName, FolderPath, ProcessCommandLine | order by Timestamp desc | take ${ROWS}`);
    }
    case 'logons': {
      const [device, window = '24h', ...rest] = args;
      if (!device || !DEVICE_NAME.test(device)) return bad(device);
      const hours = windowHours(window);
      if (hours === undefined || rest.length) return bad(rest[0] ?? window);
      return canned(`DeviceLogonEvents | where DeviceName startswith ${kqlString(device.toLowerCase())} and Timestamp > ago(${window.toLowerCase()}) | project Timestamp, DeviceName, AccountDomain, AccountName, LogonType, ActionType | order by Timestamp desc | take ${ROWS}`);
    }
    case 'ip': {
      const ip = args[0];
      if (!ip || args.length > 1 || !net.isIP(ip)) return bad(ip);
      return canned(`DeviceNetworkEvents | where RemoteIP == ${kqlString(ip)} | project Timestamp, DeviceName, RemoteIP, RemoteUrl, ActionType | order by Timestamp desc | take ${ROWS}`);
    }
    case 'process': {
      const [name, device, ...rest] = args;
      if (!name || !PROCESS_NAME.test(name)) return bad(name);
      if (device !== undefined && !DEVICE_NAME.test(device)) return bad(device);
      if (rest.length) return bad(rest[0]);
      const onDevice = device ? ` and DeviceName startswith ${kqlString(device.toLowerCase())}` : '';
      return canned(`DeviceProcessEvents | where FileName =~ ${kqlString(name)}${onDevice} | project Timestamp, DeviceName, FileName, ProcessCommandLine, SHA256 | order by Timestamp desc | take ${ROWS}`);
    }
    default:
      return { ok: true, command: { name: 'hunt', query: typedKql(words.join(' ')) } };
  }
}

function canned(query: string): HuntParse {
  return { ok: true, command: { name: 'hunt', query } };
}

function windowHours(window: string): number | undefined {
  const match = WINDOW.exec(window);
  if (!match) return undefined;
  const amount = Number(match[1]);
  const hours = match[2].toLowerCase() === 'd' ? amount * 24 : match[2].toLowerCase() === 'h' ? amount : amount / 60;
  return hours > 0 && hours <= MAX_WINDOW_HOURS ? hours : undefined;
}

/** A KQL string literal: double quotes, backslash and quote escaped (the values are validated before anyway). */
export function kqlString(value: string): string {
  return `"${value.replace(/[\\"]/g, (char) => `\\${char}`)}"`;
}

/** Teams (and phones) turn straight quotes into typographic ones; KQL wants the straight ones. */
function typedKql(text: string): string {
  return text.replace(/[\u201c\u201d\u201e\u00ab\u00bb]/g, '"').replace(/[\u2018\u2019\u201a]/g, "'");
}
