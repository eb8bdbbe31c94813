import type { ColumnType } from '@ddb-athena-sync/schemas/column-type';
import { icebergColumns } from '@ddb-athena-sync/schemas/declaration';
import type { TableDeclaration } from '@ddb-athena-sync/schemas/declaration';
import { isLosslessNumber, LosslessNumber, parse, stringify } from 'lossless-json';

import type { StagedValue } from '../stream/change-row.js';
import { formatMicros, parseIso8601Micros } from '../stream/timestamp.js';

/**
 * The JSON a Firehose Iceberg destination receives differs from the staging encoding in two ways
 * the Firehose developer guide prescribes ("Understand supported data types"): timestamps "must
 * always" be sent in microseconds, and numbers travel as JSON numbers. Both are written as exact
 * digit text (never through a double): a 38-digit decimal or a year-9999 timestamp in microseconds
 * does not fit a double. Values are mapped once (stream/map-value.ts) and only re-encoded here, so
 * both modes convert every DynamoDB value identically.
 */
type Wire = LosslessNumber | string | number | boolean | null | Wire[] | { [field: string]: Wire };

function toWire(value: StagedValue, type: ColumnType): Wire {
  if (value === null) return null;
  switch (type.kind) {
    case 'timestamp':
      return new LosslessNumber(stagedTimestampToMicros(value as string).toString());
    case 'bigint':
    case 'decimal':
      return new LosslessNumber(value as string);
    case 'array':
      return (value as readonly StagedValue[]).map((v) => toWire(v, type.element));
    case 'struct': {
      const record = value as { readonly [field: string]: StagedValue };
      return Object.fromEntries(type.fields.map((f) => [f.name, toWire(record[f.name] ?? null, f.type)]));
    }
    default:
      return value as Wire;
  }
}

/** Digit text of a number read by lossless-json (or a plain number, when a test builds the input). */
function numberText(value: unknown): string {
  if (isLosslessNumber(value)) return value.toString();
  if (typeof value === 'number' || typeof value === 'string') return String(value);
  throw new TypeError('expected a number');
}

function fromWire(value: unknown, type: ColumnType): StagedValue {
  if (value === null || value === undefined) return null;
  switch (type.kind) {
    case 'timestamp':
      return formatMicros(BigInt(numberText(value)));
    case 'bigint':
    case 'decimal':
      return numberText(value);
    case 'int':
    case 'double':
    case 'float':
      return Number(numberText(value));
    case 'array':
      return (value as unknown[]).map((v) => fromWire(v, type.element));
    case 'struct': {
      const record = value as Record<string, unknown>;
      return Object.fromEntries(type.fields.map((f) => [f.name, fromWire(record[f.name], f.type)]));
    }
    default:
      return value as StagedValue;
  }
}

/** `YYYY-MM-DD HH:MM:SS.ffffff` (UTC) -> epoch microseconds, exactly. */
function stagedTimestampToMicros(text: string): bigint {
  const micros = parseIso8601Micros(`${text.replace(' ', 'T')}Z`);
  if (micros === undefined) throw new RangeError('not a staged timestamp');
  return micros;
}

/**
 * The record body for Firehose: the Iceberg table's columns (declared ones, `_extra` when kept,
 * `_seq`, `_updated_at`) from a row in staging encoding. Columns the row lacks are left out.
 */
export function encodeFirehoseRow(
  table: TableDeclaration,
  row: { readonly [column: string]: StagedValue },
): string {
  const out: Record<string, Wire> = {};
  for (const c of icebergColumns(table)) {
    if (c.name in row) out[c.name] = toWire(row[c.name] ?? null, c.type);
  }
  return stringify(out) ?? '{}';
}

/**
 * Reads a Firehose record body back into staging encoding, losslessly, the way the destination
 * reads it into Iceberg types (the local Firehose stand-in uses this; so do the tests).
 */
export function decodeFirehoseRow(table: TableDeclaration, text: string): Record<string, StagedValue> {
  const parsed = parse(text) as Record<string, unknown>;
  const out: Record<string, StagedValue> = {};
  for (const c of icebergColumns(table)) {
    if (c.name in parsed) out[c.name] = fromWire(parsed[c.name], c.type);
  }
  return out;
}
