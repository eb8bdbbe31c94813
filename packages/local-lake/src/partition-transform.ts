import { InvalidValueError, UnsupportedFeatureError } from './errors.js';
import { murmur3x86_32 } from './murmur3.js';
import type { IcebergType, PartitionField } from './iceberg-schema.js';

/**
 * Iceberg partition transforms (Iceberg spec, "Partition Transforms" and Appendix B "32-bit Hash
 * Requirements"), evaluated on values in staging encoding (see @ddb-athena-sync/schemas
 * column-type: bigint, decimal, timestamp, date and binary travel as strings).
 */
export type PartitionValue = number | string | bigint | null;

const encoder = new TextEncoder();

function longBytes(v: bigint): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigInt64(0, BigInt.asIntN(64, v), true);
  return b;
}

/** Minimum two's-complement big-endian bytes of an unscaled decimal (spec: "decimal hash"). */
function decimalBytes(unscaled: bigint): Uint8Array {
  let hex: string;
  let bytes: number[];
  if (unscaled >= 0n) {
    hex = unscaled.toString(16);
    if (hex.length % 2) hex = '0' + hex;
    bytes = hex.match(/../g)!.map((h) => parseInt(h, 16));
    if ((bytes[0]! & 0x80) !== 0) bytes.unshift(0);
  } else {
    hex = BigInt.asUintN(2048, unscaled).toString(16);
    bytes = hex.match(/../g)!.map((h) => parseInt(h, 16));
    while (bytes.length > 1 && bytes[0] === 0xff && (bytes[1]! & 0x80) !== 0) bytes.shift();
  }
  return Uint8Array.from(bytes);
}

export function unscaledDecimal(text: string, scale: number): bigint {
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text.trim());
  if (!m) throw new InvalidValueError('decimal', 'not a decimal number');
  const frac = (m[3] ?? '').padEnd(scale, '0');
  if (frac.length > scale) throw new InvalidValueError('decimal', `more than ${scale} fraction digits`);
  const v = BigInt(m[2]! + frac);
  return m[1] === '-' ? -v : v;
}

const isLeapYear = (y: number): boolean => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * Days from 1970-01-01 to a proleptic Gregorian date, in integer arithmetic (the "days from civil"
 * algorithm: count days in 400-year eras of 146097 days, with the year starting in March so that
 * the leap day is last). Not `Date.UTC`, which maps years 0-99 to 1900-1999 (ECMA-262, MakeFullYear
 * in Date.UTC), while Iceberg dates run from year 1 (Iceberg spec, "Primitive Types": date is days
 * from 1970-01-01, any calendar date). Throws `InvalidValueError` for a date that does not exist.
 */
function daysFromCivil(type: string, year: number, month: number, day: number): number {
  if (year < 1 || year > 9999) throw new InvalidValueError(type, 'year outside 1..9999');
  if (month < 1 || month > 12) throw new InvalidValueError(type, 'month outside 1..12');
  const monthDays = month === 2 && isLeapYear(year) ? 29 : DAYS_IN_MONTH[month - 1]!;
  if (day < 1 || day > monthDays) throw new InvalidValueError(type, 'day outside its month');
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

/** Year and month (1-12) of a day count from 1970-01-01: the inverse of `daysFromCivil`. */
function civilFromDays(days: number): { year: number; month: number } {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor(
    (dayOfEra -
      Math.floor(dayOfEra / 1460) +
      Math.floor(dayOfEra / 36_524) -
      Math.floor(dayOfEra / 146_096)) /
      365,
  );
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const mp = Math.floor((5 * dayOfYear + 2) / 153);
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month };
}

/** Microseconds since the epoch of 'YYYY-MM-DD HH:MM:SS[.ffffff]' (UTC, no zone), years 1 to 9999. */
export function timestampMicros(text: string): bigint {
  const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?$/.exec(text);
  if (!m) throw new InvalidValueError('timestamp', "not 'YYYY-MM-DD HH:MM:SS[.ffffff]'");
  const [hours, minutes, seconds] = [Number(m[4]), Number(m[5]), Number(m[6])];
  if (hours > 23 || minutes > 59 || seconds > 59)
    throw new InvalidValueError('timestamp', 'time of day outside 00:00:00..23:59:59');
  const days = daysFromCivil('timestamp', Number(m[1]), Number(m[2]), Number(m[3]));
  const secondsOfDay = hours * 3600 + minutes * 60 + seconds;
  return (BigInt(days) * 86_400n + BigInt(secondsOfDay)) * 1_000_000n + BigInt((m[7] ?? '').padEnd(6, '0'));
}

/** Days since 1970-01-01 of 'YYYY-MM-DD', years 1 to 9999. */
export function dateDays(text: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) throw new InvalidValueError('date', "not 'YYYY-MM-DD'");
  return daysFromCivil('date', Number(m[1]), Number(m[2]), Number(m[3]));
}

/** Hash of a value of `type` per Appendix B. */
export function icebergHash(type: IcebergType, value: unknown): number {
  if (typeof type !== 'string') throw new UnsupportedFeatureError('cannot hash a nested value');
  if (type === 'int' || type === 'long') return murmur3x86_32(longBytes(BigInt(value as string | number)));
  if (type === 'date') return murmur3x86_32(longBytes(BigInt(dateDays(String(value)))));
  if (type === 'timestamp') return murmur3x86_32(longBytes(timestampMicros(String(value))));
  if (type === 'string') return murmur3x86_32(encoder.encode(String(value)));
  if (type === 'binary') return murmur3x86_32(Buffer.from(String(value), 'base64'));
  const decimal = /^decimal\((\d+),\s*(\d+)\)$/.exec(type);
  if (decimal) return murmur3x86_32(decimalBytes(unscaledDecimal(String(value), Number(decimal[2]))));
  throw new UnsupportedFeatureError(`cannot hash a ${type}`);
}

/** Result type of a transform on a source type (spec, "Partition Transforms" table). */
export function partitionResultType(
  transform: string,
  source: IcebergType,
): 'int' | 'long' | 'string' | 'date' | 'binary' {
  if (transform.startsWith('bucket[') || ['year', 'month', 'day', 'hour'].includes(transform)) return 'int';
  if (typeof source !== 'string') throw new UnsupportedFeatureError('cannot partition by a nested column');
  if (
    source === 'int' ||
    source === 'long' ||
    source === 'string' ||
    source === 'date' ||
    source === 'binary'
  )
    return source;
  throw new UnsupportedFeatureError(`unsupported partition source type ${source} for ${transform}`);
}

/** A scalar staged value as text; objects and arrays cannot be partition sources. */
function asText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean')
    return String(value);
  throw new InvalidValueError(typeof value, 'not a scalar value');
}

const floorDiv = (a: bigint, b: bigint): bigint => (a >= 0n ? a / b : -((-a + b - 1n) / b));

/** Applies one partition field's transform to a staged value. */
export function applyTransform(field: PartitionField, source: IcebergType, value: unknown): PartitionValue {
  if (value === null || value === undefined) return null;
  const t = field.transform;
  const bucket = /^bucket\[(\d+)\]$/.exec(t);
  if (bucket) return (icebergHash(source, value) & 0x7fffffff) % Number(bucket[1]);
  const truncate = /^truncate\[(\d+)\]$/.exec(t);
  if (truncate) {
    const w = BigInt(truncate[1]!);
    if (source === 'string') return [...asText(value)].slice(0, Number(w)).join('');
    if (source === 'int') return Number(BigInt(value as number) - (((BigInt(value as number) % w) + w) % w));
    if (source === 'long') {
      const v = BigInt(value as string);
      return v - (((v % w) + w) % w);
    }
    throw new UnsupportedFeatureError(`truncate of ${JSON.stringify(source)} is not supported`);
  }
  if (t === 'identity') {
    if (source === 'long') return BigInt(value as string);
    if (source === 'int') return Number(value);
    if (source === 'date') return dateDays(asText(value));
    if (source === 'string' || source === 'binary') return asText(value);
    throw new UnsupportedFeatureError(`identity partition on ${JSON.stringify(source)} is not supported`);
  }
  // year/month/day/hour: counted from 1970-01-01 (spec: "Partition Transforms").
  let micros: bigint;
  if (source === 'timestamp') micros = timestampMicros(asText(value));
  else if (source === 'date') micros = BigInt(dateDays(asText(value))) * 86_400_000_000n;
  else throw new UnsupportedFeatureError(`${t} needs a date or timestamp`);
  if (t === 'hour') return Number(floorDiv(micros, 3_600_000_000n));
  if (t === 'day') return Number(floorDiv(micros, 86_400_000_000n));
  const { year, month } = civilFromDays(Number(floorDiv(micros, 86_400_000_000n)));
  if (t === 'month') return (year - 1970) * 12 + month - 1;
  if (t === 'year') return year - 1970;
  throw new UnsupportedFeatureError(`unsupported transform ${t}`);
}

/** Iceberg's single-value binary serialization (Appendix D) of a partition value, for summaries. */
export function partitionValueBytes(type: string, value: PartitionValue): Buffer | null {
  if (value === null) return null;
  if (type === 'int' || type === 'date') {
    const b = Buffer.alloc(4);
    b.writeInt32LE(Number(value));
    return b;
  }
  if (type === 'long') {
    const b = Buffer.alloc(8);
    b.writeBigInt64LE(BigInt(value));
    return b;
  }
  if (type === 'string') return Buffer.from(asText(value), 'utf8');
  if (type === 'binary') return Buffer.from(asText(value), 'base64');
  return null;
}
