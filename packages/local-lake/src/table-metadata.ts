import { isInteger, isSafeNumber, parse, stringify } from 'lossless-json';
import { z } from 'zod';

import { InvalidMetadataError } from './errors.js';
import type { IcebergField, IcebergSchema, IcebergType, PartitionSpec, SortOrder } from './iceberg-schema.js';

/**
 * Table metadata, format v2 (Iceberg spec, "Table Metadata Fields", Appendix C). 64-bit ids and
 * sequence numbers are `bigint` in memory and written as bare JSON integers.
 */
export interface Snapshot {
  readonly 'snapshot-id': bigint;
  readonly 'parent-snapshot-id'?: bigint;
  readonly 'sequence-number': bigint;
  readonly 'timestamp-ms': number;
  readonly 'manifest-list': string;
  readonly summary: Readonly<Record<string, string>>;
  readonly 'schema-id'?: number;
}

export interface SnapshotLogEntry {
  readonly 'timestamp-ms': number;
  readonly 'snapshot-id': bigint;
}

export interface MetadataLogEntry {
  readonly 'timestamp-ms': number;
  readonly 'metadata-file': string;
}

export interface SnapshotRef {
  readonly 'snapshot-id': bigint;
  readonly type: 'branch' | 'tag';
  readonly 'max-ref-age-ms'?: number;
  readonly 'max-snapshot-age-ms'?: number;
  readonly 'min-snapshots-to-keep'?: number;
}

export interface TableMetadata {
  readonly 'format-version': 2;
  readonly 'table-uuid': string;
  readonly location: string;
  readonly 'last-sequence-number': bigint;
  readonly 'last-updated-ms': number;
  readonly 'last-column-id': number;
  readonly 'current-schema-id': number;
  readonly schemas: readonly IcebergSchema[];
  readonly 'default-spec-id': number;
  readonly 'partition-specs': readonly PartitionSpec[];
  readonly 'last-partition-id': number;
  readonly 'default-sort-order-id': number;
  readonly 'sort-orders': readonly SortOrder[];
  readonly properties: Readonly<Record<string, string>>;
  readonly 'current-snapshot-id'?: bigint;
  readonly snapshots: readonly Snapshot[];
  readonly 'snapshot-log': readonly SnapshotLogEntry[];
  readonly 'metadata-log': readonly MetadataLogEntry[];
  readonly refs: Readonly<Record<string, SnapshotRef>>;
}

/** 64-bit integers: the JSON parser keeps unsafe integers as bigint (see `parseMetadataJson`). */
const long = z.union([z.bigint(), z.number().int()]).transform((v) => BigInt(v));
const int = z.number().int();
/** Milliseconds since the epoch fit a double exactly. */
const millis = z.union([z.number().int(), z.bigint()]).transform((v) => Number(v));

const icebergType: z.ZodType<IcebergType> = z.lazy(() =>
  z.union([
    z.string(),
    z.looseObject({ type: z.literal('struct'), fields: z.array(icebergField) }),
    z.looseObject({
      type: z.literal('list'),
      'element-id': int,
      element: icebergType,
      'element-required': z.boolean(),
    }),
  ]),
);
const icebergField: z.ZodType<IcebergField> = z.lazy(() =>
  z.looseObject({
    id: int,
    name: z.string(),
    required: z.boolean(),
    type: icebergType,
    doc: z.string().optional(),
  }),
);
const schemaJson = z.looseObject({
  type: z.literal('struct'),
  'schema-id': int,
  'identifier-field-ids': z.array(int).optional(),
  fields: z.array(icebergField),
});
const specJson = z.looseObject({
  'spec-id': int,
  fields: z.array(
    z.looseObject({ 'source-id': int, 'field-id': int, name: z.string(), transform: z.string() }),
  ),
});
const sortOrderJson = z.looseObject({
  'order-id': int,
  fields: z.array(
    z.looseObject({
      transform: z.string(),
      'source-id': int,
      direction: z.enum(['asc', 'desc']),
      'null-order': z.enum(['nulls-first', 'nulls-last']),
    }),
  ),
});
const snapshotJson = z.looseObject({
  'snapshot-id': long,
  'parent-snapshot-id': long.nullish().transform((v) => v ?? undefined),
  // v1 snapshots have no sequence number: 0 (spec, "Sequence Numbers").
  'sequence-number': long.default(0n),
  'timestamp-ms': millis,
  'manifest-list': z.string(),
  summary: z.record(z.string(), z.string()),
  'schema-id': int.optional(),
});
const refJson = z.looseObject({
  'snapshot-id': long,
  type: z.enum(['branch', 'tag']),
  'max-ref-age-ms': int.optional(),
  'max-snapshot-age-ms': int.optional(),
  'min-snapshots-to-keep': int.optional(),
});

/**
 * Table metadata, format v2, as the spec requires it (Iceberg spec, "Table Metadata Fields":
 * required fields; optional lists default to empty). `current-snapshot-id` -1 or null means none.
 */
export const tableMetadataSchema = z.looseObject({
  'format-version': z.literal(2),
  'table-uuid': z.string(),
  location: z.string(),
  'last-sequence-number': long,
  'last-updated-ms': millis,
  'last-column-id': int,
  'current-schema-id': int,
  schemas: z.array(schemaJson),
  'default-spec-id': int,
  'partition-specs': z.array(specJson),
  'last-partition-id': int,
  'default-sort-order-id': int,
  'sort-orders': z.array(sortOrderJson),
  properties: z.record(z.string(), z.string()).default({}),
  'current-snapshot-id': long
    .nullish()
    .transform((v) => (v === null || v === undefined || v === -1n ? undefined : v)),
  snapshots: z.array(snapshotJson).default([]),
  'snapshot-log': z.array(z.looseObject({ 'timestamp-ms': millis, 'snapshot-id': long })).default([]),
  'metadata-log': z.array(z.looseObject({ 'timestamp-ms': millis, 'metadata-file': z.string() })).default([]),
  refs: z.record(z.string(), refJson).default({}),
});

/**
 * JSON with exact 64-bit integers: Iceberg snapshot ids are 63-bit longs (Java/Athena use all the
 * bits), which `JSON.parse` would round. The lossless-json package parses numbers through our
 * parser: integers outside Number's safe range become bigint, everything else a number.
 */
export function parseMetadataJson(text: string): unknown {
  return parse(text, null, (n) => (isInteger(n) && !isSafeNumber(n) ? BigInt(n) : Number(n)));
}

/** JSON text of a metadata value; `bigint` is written as a bare integer literal. */
export function stringifyMetadataJson(value: unknown, indent = 2): string {
  return stringify(value, null, indent) ?? 'null';
}

/** Parses and validates a metadata JSON file; ids and sequence numbers come back as bigint. */
export function parseTableMetadata(text: string, file: string): TableMetadata {
  let raw: unknown;
  try {
    raw = parseMetadataJson(text);
  } catch (error) {
    throw new InvalidMetadataError(file, 'not valid JSON', { cause: error });
  }
  const parsed = tableMetadataSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new InvalidMetadataError(file, `not Iceberg v2 table metadata: ${issues.join('; ')}`, {
      cause: parsed.error,
    });
  }
  return parsed.data;
}

export function stringifyTableMetadata(m: TableMetadata): string {
  return stringifyMetadataJson(m);
}

export function currentSnapshot(m: TableMetadata): Snapshot | undefined {
  const id = m['current-snapshot-id'];
  return id === undefined ? undefined : m.snapshots.find((s) => s['snapshot-id'] === id);
}

export function currentSchema(m: TableMetadata): IcebergSchema {
  const s = m.schemas.find((x) => x['schema-id'] === m['current-schema-id']);
  if (s === undefined) throw new InvalidMetadataError(m.location, 'current schema not found');
  return s;
}

export function defaultSpec(m: TableMetadata): PartitionSpec {
  const s = m['partition-specs'].find((x) => x['spec-id'] === m['default-spec-id']);
  if (s === undefined) throw new InvalidMetadataError(m.location, 'default partition spec not found');
  return s;
}
