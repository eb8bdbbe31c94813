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
  if (!m) throw new Error(`not a decimal: ${text}`);
  const frac = (m[3] ?? '').padEnd(scale, '0');
  if (frac.length > scale) throw new Error(`decimal ${text} has more than ${scale} fraction digits`);
  const v = BigInt(m[2]! + frac);
  return m[1] === '-' ? -v : v;
}

/** Microseconds since the epoch of 'YYYY-MM-DD HH:MM:SS[.ffffff]' (UTC, no zone). */
export function timestampMicros(text: string): bigint {
  const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?$/.exec(text);
  if (!m) throw new Error(`not a timestamp: ${text}`);
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
  return BigInt(ms) * 1000n + BigInt((m[7] ?? '').padEnd(6, '0'));
}

export function dateDays(text: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) throw new Error(`not a date: ${text}`);
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) / 86_400_000;
}

/** Hash of a value of `type` per Appendix B. */
export function icebergHash(type: IcebergType, value: unknown): number {
  if (typeof type !== 'string') throw new Error('cannot hash a nested value');
  if (type === 'int' || type === 'long') return murmur3x86_32(longBytes(BigInt(value as string | number)));
  if (type === 'date') return murmur3x86_32(longBytes(BigInt(dateDays(String(value)))));
  if (type === 'timestamp') return murmur3x86_32(longBytes(timestampMicros(String(value))));
  if (type === 'string') return murmur3x86_32(encoder.encode(String(value)));
  if (type === 'binary') return murmur3x86_32(Buffer.from(String(value), 'base64'));
  const decimal = /^decimal\((\d+),\s*(\d+)\)$/.exec(type);
  if (decimal) return murmur3x86_32(decimalBytes(unscaledDecimal(String(value), Number(decimal[2]))));
  throw new Error(`cannot hash a ${type}`);
}

/** Result type of a transform on a source type (spec, "Partition Transforms" table). */
export function partitionResultType(
  transform: string,
  source: IcebergType,
): 'int' | 'long' | 'string' | 'date' | 'binary' {
  if (transform.startsWith('bucket[') || ['year', 'month', 'day', 'hour'].includes(transform)) return 'int';
  if (typeof source !== 'string') throw new Error('cannot partition by a nested column');
  if (
    source === 'int' ||
    source === 'long' ||
    source === 'string' ||
    source === 'date' ||
    source === 'binary'
  )
    return source;
  throw new Error(`unsupported partition source type ${source} for ${transform}`);
}

/** A scalar staged value as text; objects and arrays cannot be partition sources. */
function asText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean')
    return String(value);
  throw new Error(`${JSON.stringify(value)} is not a scalar value`);
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
    throw new Error(`truncate of ${JSON.stringify(source)} is not supported`);
  }
  if (t === 'identity') {
    if (source === 'long') return BigInt(value as string);
    if (source === 'int') return Number(value);
    if (source === 'date') return dateDays(asText(value));
    if (source === 'string' || source === 'binary') return asText(value);
    throw new Error(`identity partition on ${JSON.stringify(source)} is not supported`);
  }
  // year/month/day/hour: counted from 1970-01-01 (spec: "Partition Transforms").
  let micros: bigint;
  if (source === 'timestamp') micros = timestampMicros(asText(value));
  else if (source === 'date') micros = BigInt(dateDays(asText(value))) * 86_400_000_000n;
  else throw new Error(`${t} needs a date or timestamp`);
  if (t === 'hour') return Number(floorDiv(micros, 3_600_000_000n));
  if (t === 'day') return Number(floorDiv(micros, 86_400_000_000n));
  const d = new Date(Number(floorDiv(micros, 1000n)));
  if (t === 'month') return (d.getUTCFullYear() - 1970) * 12 + d.getUTCMonth();
  if (t === 'year') return d.getUTCFullYear() - 1970;
  throw new Error(`unsupported transform ${t}`);
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
