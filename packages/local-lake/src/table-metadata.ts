import { InvalidMetadataError } from './errors.js';
import { parseLossless, stringifyLossless } from './lossless-json.js';
import type { IcebergSchema, PartitionSpec, SortOrder } from './iceberg-schema.js';
import type { LosslessJson } from './lossless-json.js';

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

const big = (v: LosslessJson | undefined, what: string, file: string): bigint => {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v);
  throw new InvalidMetadataError(file, `${what} is not an integer`);
};

type Obj = Record<string, LosslessJson>;
const obj = (v: LosslessJson | undefined): Obj =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? v : {};
const arr = (v: LosslessJson | undefined): LosslessJson[] => (Array.isArray(v) ? v : []);

/** Parses a metadata JSON file losslessly and normalizes ids to bigint. */
export function parseTableMetadata(text: string, file: string): TableMetadata {
  let raw: LosslessJson;
  try {
    raw = parseLossless(text);
  } catch (error) {
    throw new InvalidMetadataError(file, 'not valid JSON', { cause: error });
  }
  const m = obj(raw);
  if (m['format-version'] !== 2)
    throw new InvalidMetadataError(
      file,
      `format-version ${JSON.stringify(m['format-version'], (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))} is not 2`,
    );
  const current = m['current-snapshot-id'];
  const snapshots = arr(m.snapshots).map((s) => {
    const o = obj(s);
    const parent = o['parent-snapshot-id'];
    return {
      ...o,
      'snapshot-id': big(o['snapshot-id'], 'snapshot-id', file),
      ...(parent === undefined || parent === null
        ? {}
        : { 'parent-snapshot-id': big(parent, 'parent-snapshot-id', file) }),
      'sequence-number': big(o['sequence-number'] ?? 0, 'sequence-number', file),
      'timestamp-ms': Number(o['timestamp-ms']),
    } as unknown as Snapshot;
  });
  const refs: Record<string, SnapshotRef> = {};
  for (const [k, v] of Object.entries(obj(m.refs))) {
    const o = obj(v);
    refs[k] = {
      ...o,
      'snapshot-id': big(o['snapshot-id'], `refs.${k}.snapshot-id`, file),
    } as unknown as SnapshotRef;
  }
  return {
    ...(m as unknown as TableMetadata),
    'last-sequence-number': big(m['last-sequence-number'], 'last-sequence-number', file),
    'last-updated-ms': Number(m['last-updated-ms']),
    ...(current === undefined || current === null || current === -1
      ? { 'current-snapshot-id': undefined }
      : { 'current-snapshot-id': big(current, 'current-snapshot-id', file) }),
    snapshots,
    'snapshot-log': arr(m['snapshot-log']).map((e) => ({
      'timestamp-ms': Number(obj(e)['timestamp-ms']),
      'snapshot-id': big(obj(e)['snapshot-id'], 'snapshot-log id', file),
    })),
    'metadata-log': arr(m['metadata-log']).map((e) => obj(e) as unknown as MetadataLogEntry),
    refs,
    properties: obj(m.properties) as Record<string, string>,
  };
}

export function stringifyTableMetadata(m: TableMetadata): string {
  return stringifyLossless(m);
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
