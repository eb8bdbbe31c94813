/**
 * Timestamps travel as `YYYY-MM-DD HH:MM:SS.ffffff` (UTC, microseconds): the precision of Iceberg's
 * `timestamp` type and of Athena's timestamp(6), and a literal both Trino and DuckDB CAST from text.
 */
const MICROS_PER_MS = 1000n;

/** Earliest and latest instants a staging timestamp may hold: years 0001-9999. */
export const MIN_MICROS = -62135596800000000n;
export const MAX_MICROS = 253402300799999999n;

export function formatMicros(micros: bigint): string {
  if (micros < MIN_MICROS || micros > MAX_MICROS)
    throw new RangeError(`timestamp out of range (years 0001-9999)`);
  const ms = micros / MICROS_PER_MS - (micros % MICROS_PER_MS < 0n ? 1n : 0n);
  const subMs = micros - ms * MICROS_PER_MS;
  const iso = new Date(Number(ms)).toISOString(); // YYYY-MM-DDTHH:MM:SS.mmmZ
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)}${subMs.toString().padStart(3, '0')}`;
}

export function formatDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** `YYYY-MM-DD HH:MM:SS.ffffff` for epoch seconds as DynamoDB Streams gives them (may be fractional). */
export function formatEpochSeconds(seconds: number): string {
  return formatMicros(BigInt(Math.round(seconds * 1_000_000)));
}

const ISO =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?([Zz]|[+-]\d{2}(?::?\d{2})?)?)?$/;

/**
 * Parses ISO 8601 (`2024-05-01`, `2024-05-01T12:00:00Z`, `...12:00:00.123456+02:00`) to epoch
 * microseconds. No offset means UTC. Undefined for anything else, including impossible dates.
 */
export function parseIso8601Micros(text: string): bigint | undefined {
  const m = ISO.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i] ?? 0)) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return undefined;
  const dayMs = Date.UTC(year, month - 1, day);
  const check = new Date(dayMs);
  if (check.getUTCDate() !== day || check.getUTCMonth() !== month - 1) return undefined;
  let offsetMinutes = 0;
  const zone = m[8];
  if (zone !== undefined && zone !== 'Z' && zone !== 'z') {
    const digits = zone.slice(1).replace(':', '');
    const h = Number(digits.slice(0, 2));
    const min = digits.length > 2 ? Number(digits.slice(2, 4)) : 0;
    if (h > 23 || min > 59) return undefined;
    offsetMinutes = (zone.startsWith('-') ? -1 : 1) * (h * 60 + min);
  }
  const fraction = BigInt((m[7] ?? '').padEnd(6, '0').slice(0, 6));
  const wholeMs = Date.UTC(year, month - 1, day, hour, minute, second) - offsetMinutes * 60_000;
  // Date.UTC maps years 0-99 to 1900-1999; setUTCFullYear does not.
  const fixed = year < 100 ? new Date(wholeMs).setUTCFullYear(year) : wholeMs;
  const micros = BigInt(fixed) * 1000n + fraction;
  return micros < MIN_MICROS || micros > MAX_MICROS ? undefined : micros;
}

/** A staged timestamp (`YYYY-MM-DD HH:MM:SS.ffffff`, UTC) as a Date (millisecond precision). */
export function parseStagedTimestamp(text: string): Date | undefined {
  const d = new Date(`${text.replace(' ', 'T').slice(0, 23)}Z`);
  return Number.isNaN(d.getTime()) ? undefined : d;
}
