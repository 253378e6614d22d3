/**
 * Defender's DateTimeOffset wire format: ISO-8601 UTC with 7 fractional digits and `Z`
 * (`2021-01-26T20:33:57.7220239Z`, reference §5.1), and instant comparison at that precision.
 */

const TICKS_PER_MILLISECOND = 10_000;
/** .NET ticks (100 ns since 0001-01-01) at the Unix epoch. */
const DOTNET_TICKS_AT_UNIX_EPOCH = 621_355_968_000_000_000n;

/**
 * Formats an instant the way Defender does. `subMillisecondTicks` (0..9999, 100 ns each) fills the
 * four digits a millisecond clock cannot provide.
 */
export function toDefenderTimestamp(epochMs: number, subMillisecondTicks = 0): string {
  if (!Number.isInteger(subMillisecondTicks) || subMillisecondTicks < 0 || subMillisecondTicks >= TICKS_PER_MILLISECOND) {
    throw new RangeError(`subMillisecondTicks must be an integer in 0..9999, got ${subMillisecondTicks}`);
  }
  const iso = new Date(Math.floor(epochMs)).toISOString(); // 2021-01-26T20:33:57.722Z
  return `${iso.slice(0, -1)}${String(subMillisecondTicks).padStart(4, '0')}Z`;
}

/** .NET ticks of an instant, the number Defender alert ids start with. */
export function dotnetTicks(epochMs: number, subMillisecondTicks = 0): bigint {
  return BigInt(Math.floor(epochMs)) * BigInt(TICKS_PER_MILLISECOND) + BigInt(subMillisecondTicks) + DOTNET_TICKS_AT_UNIX_EPOCH;
}

const INSTANT_PATTERN =
  /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,7}))?)?)?(Z|[+-]\d{2}:\d{2})?$/;

/**
 * Turns an ISO date or date-time into a fixed-width UTC form with 7 fractional digits, so that
 * comparing two normalised strings compares the instants. Accepts what OData clients send to
 * Defender: `2019-11-22T00:00:00Z`, `2019-11-22T01:00:00.1234567+01:00`, `2018-08-01Z`, `2018-08-01`.
 * A time of day needs a zone (`Z` or an offset). Returns undefined when the text is not such an instant.
 */
export function normalizeInstant(text: string): string | undefined {
  // Every filter or sort over a collection normalises each entity's timestamps again: remember them.
  if (normalized.has(text)) return normalized.get(text);
  if (normalized.size >= NORMALIZED_MEMORY) normalized.clear();
  const instant = parseInstant(text);
  normalized.set(text, instant);
  return instant;
}

const NORMALIZED_MEMORY = 200_000;
const normalized = new Map<string, string | undefined>();

function parseInstant(text: string): string | undefined {
  const match = INSTANT_PATTERN.exec(text);
  if (!match) return undefined;
  const [, year, month, day, hour, minute, second = '00', fraction = '', zone] = match;
  if (hour !== undefined && zone === undefined) return undefined;
  const fields = [year, month, day, hour ?? '00', minute ?? '00', second].map(Number);
  const [y, mo, d, h, mi, s] = fields;
  const utcMs = Date.UTC(y, mo - 1, d, h, mi, s);
  const check = new Date(utcMs);
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d
    || check.getUTCHours() !== h || check.getUTCMinutes() !== mi || check.getUTCSeconds() !== s) {
    return undefined;
  }
  const offsetMinutes = zone === undefined || zone === 'Z' ? 0 : zoneOffsetMinutes(zone);
  if (offsetMinutes === undefined) return undefined;
  const digits = fraction.padEnd(7, '0');
  const epochMs = utcMs - offsetMinutes * 60_000 + Number(digits.slice(0, 3));
  return toDefenderTimestamp(epochMs, Number(digits.slice(3)));
}

function zoneOffsetMinutes(zone: string): number | undefined {
  const hours = Number(zone.slice(1, 3));
  const minutes = Number(zone.slice(4, 6));
  if (hours > 14 || minutes > 59) return undefined;
  return (zone.startsWith('-') ? -1 : 1) * (hours * 60 + minutes);
}
