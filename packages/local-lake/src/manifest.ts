import { decodeAvroFile, encodeAvroFile } from './avro-file.js';
import { InvalidMetadataError } from './errors.js';
import { partitionResultType, partitionValueBytes } from './partition-transform.js';
import type { IcebergSchema, PartitionSpec } from './iceberg-schema.js';
import type { PartitionValue } from './partition-transform.js';

/**
 * Manifests and manifest lists (Iceberg spec, "Manifests" and "Manifest Lists"), format v2.
 * Field ids below are the spec's; Iceberg readers project these files by them.
 */

export type FileContent = 0 | 1 | 2; // data, position deletes, equality deletes
export type EntryStatus = 0 | 1 | 2; // EXISTING, ADDED, DELETED

export interface DataFile {
  readonly content: FileContent;
  /** Full URI (file:///...). */
  readonly path: string;
  readonly format: string;
  /** Partition values by partition field name. */
  readonly partition: Readonly<Record<string, PartitionValue>>;
  readonly recordCount: bigint;
  readonly fileSizeInBytes: bigint;
  readonly equalityIds: readonly number[] | null;
  readonly sortOrderId: number | null;
}

/** A manifest entry with inherited values resolved. */
export interface ManifestEntry {
  readonly status: EntryStatus;
  readonly snapshotId: bigint;
  readonly sequenceNumber: bigint;
  readonly fileSequenceNumber: bigint;
  readonly file: DataFile;
}

export interface ManifestFile {
  readonly path: string;
  readonly length: bigint;
  readonly specId: number;
  readonly content: 0 | 1;
  readonly sequenceNumber: bigint;
  readonly minSequenceNumber: bigint;
  readonly addedSnapshotId: bigint;
  readonly addedFilesCount: number;
  readonly existingFilesCount: number;
  readonly deletedFilesCount: number;
  readonly addedRowsCount: bigint;
  readonly existingRowsCount: bigint;
  readonly deletedRowsCount: bigint;
  readonly partitions: readonly FieldSummary[] | null;
}

export interface FieldSummary {
  readonly containsNull: boolean;
  readonly containsNan: boolean | null;
  readonly lowerBound: Buffer | null;
  readonly upperBound: Buffer | null;
}

const opt = (type: unknown): unknown[] => ['null', type];
const mapOf = (name: string, keyId: number, valueId: number, value: string): unknown => ({
  type: 'array',
  logicalType: 'map',
  items: {
    type: 'record',
    name,
    fields: [
      { name: 'key', type: 'int', 'field-id': keyId },
      { name: 'value', type: value, 'field-id': valueId },
    ],
  },
});

function partitionAvroType(spec: PartitionSpec, schema: IcebergSchema): { name: string; type: object }[] {
  return spec.fields.map((f) => {
    const source = schema.fields.find((s) => s.id === f['source-id']);
    if (source === undefined)
      throw new InvalidMetadataError(
        'partition spec',
        `partition source ${f['source-id']} is not in the schema`,
      );
    const t = partitionResultType(f.transform, source.type);
    const avroT = t === 'date' ? { type: 'int', logicalType: 'date' } : t === 'binary' ? 'bytes' : t;
    return {
      name: f.name,
      type: { name: f.name, type: opt(avroT), 'field-id': f['field-id'], default: null },
    };
  });
}

export function manifestEntrySchema(spec: PartitionSpec, schema: IcebergSchema): object {
  return {
    type: 'record',
    name: 'manifest_entry',
    fields: [
      { name: 'status', type: 'int', 'field-id': 0 },
      { name: 'snapshot_id', type: opt('long'), default: null, 'field-id': 1 },
      { name: 'sequence_number', type: opt('long'), default: null, 'field-id': 3 },
      { name: 'file_sequence_number', type: opt('long'), default: null, 'field-id': 4 },
      {
        name: 'data_file',
        'field-id': 2,
        type: {
          type: 'record',
          name: 'r2',
          fields: [
            { name: 'content', type: 'int', 'field-id': 134 },
            { name: 'file_path', type: 'string', 'field-id': 100 },
            { name: 'file_format', type: 'string', 'field-id': 101 },
            {
              name: 'partition',
              'field-id': 102,
              type: {
                type: 'record',
                name: 'r102',
                fields: partitionAvroType(spec, schema).map((p) => p.type),
              },
            },
            { name: 'record_count', type: 'long', 'field-id': 103 },
            { name: 'file_size_in_bytes', type: 'long', 'field-id': 104 },
            {
              name: 'column_sizes',
              type: opt(mapOf('k117_v118', 117, 118, 'long')),
              default: null,
              'field-id': 108,
            },
            {
              name: 'value_counts',
              type: opt(mapOf('k119_v120', 119, 120, 'long')),
              default: null,
              'field-id': 109,
            },
            {
              name: 'null_value_counts',
              type: opt(mapOf('k121_v122', 121, 122, 'long')),
              default: null,
              'field-id': 110,
            },
            {
              name: 'nan_value_counts',
              type: opt(mapOf('k138_v139', 138, 139, 'long')),
              default: null,
              'field-id': 137,
            },
            {
              name: 'lower_bounds',
              type: opt(mapOf('k126_v127', 126, 127, 'bytes')),
              default: null,
              'field-id': 125,
            },
            {
              name: 'upper_bounds',
              type: opt(mapOf('k129_v130', 129, 130, 'bytes')),
              default: null,
              'field-id': 128,
            },
            { name: 'key_metadata', type: opt('bytes'), default: null, 'field-id': 131 },
            {
              name: 'split_offsets',
              type: opt({ type: 'array', items: 'long', 'element-id': 133 }),
              default: null,
              'field-id': 132,
            },
            {
              name: 'equality_ids',
              type: opt({ type: 'array', items: 'int', 'element-id': 136 }),
              default: null,
              'field-id': 135,
            },
            { name: 'sort_order_id', type: opt('int'), default: null, 'field-id': 140 },
          ],
        },
      },
    ],
  };
}

export const MANIFEST_LIST_SCHEMA = {
  type: 'record',
  name: 'manifest_file',
  fields: [
    { name: 'manifest_path', type: 'string', 'field-id': 500 },
    { name: 'manifest_length', type: 'long', 'field-id': 501 },
    { name: 'partition_spec_id', type: 'int', 'field-id': 502 },
    { name: 'content', type: 'int', 'field-id': 517 },
    { name: 'sequence_number', type: 'long', 'field-id': 515 },
    { name: 'min_sequence_number', type: 'long', 'field-id': 516 },
    { name: 'added_snapshot_id', type: 'long', 'field-id': 503 },
    { name: 'added_files_count', type: 'int', 'field-id': 504 },
    { name: 'existing_files_count', type: 'int', 'field-id': 505 },
    { name: 'deleted_files_count', type: 'int', 'field-id': 506 },
    { name: 'added_rows_count', type: 'long', 'field-id': 512 },
    { name: 'existing_rows_count', type: 'long', 'field-id': 513 },
    { name: 'deleted_rows_count', type: 'long', 'field-id': 514 },
    {
      name: 'partitions',
      type: opt({
        type: 'array',
        'element-id': 508,
        items: {
          type: 'record',
          name: 'r508',
          fields: [
            { name: 'contains_null', type: 'boolean', 'field-id': 509 },
            { name: 'contains_nan', type: opt('boolean'), default: null, 'field-id': 518 },
            { name: 'lower_bound', type: opt('bytes'), default: null, 'field-id': 510 },
            { name: 'upper_bound', type: opt('bytes'), default: null, 'field-id': 511 },
          ],
        },
      }),
      default: null,
      'field-id': 507,
    },
    { name: 'key_metadata', type: opt('bytes'), default: null, 'field-id': 519 },
  ],
};

/** What the caller writes; sequence numbers of ADDED entries are left null to be inherited. */
export interface EntryToWrite {
  readonly status: EntryStatus;
  readonly snapshotId: bigint;
  /** null only for ADDED entries (inherited from the manifest list entry). */
  readonly sequenceNumber: bigint | null;
  readonly fileSequenceNumber: bigint | null;
  readonly file: DataFile;
}

export function encodeManifest(
  entries: readonly EntryToWrite[],
  spec: PartitionSpec,
  schema: IcebergSchema,
  content: 0 | 1,
): Buffer {
  const avroSchema = manifestEntrySchema(spec, schema);
  const records = entries.map((e) => ({
    status: e.status,
    snapshot_id: e.snapshotId,
    sequence_number: e.sequenceNumber,
    file_sequence_number: e.fileSequenceNumber,
    data_file: {
      content: e.file.content,
      file_path: e.file.path,
      file_format: e.file.format,
      partition: Object.fromEntries(
        spec.fields.map((f) => [f.name, avroPartitionValue(e.file.partition[f.name] ?? null)]),
      ),
      record_count: e.file.recordCount,
      file_size_in_bytes: e.file.fileSizeInBytes,
      column_sizes: null,
      value_counts: null,
      null_value_counts: null,
      nan_value_counts: null,
      lower_bounds: null,
      upper_bounds: null,
      key_metadata: null,
      split_offsets: null,
      equality_ids: e.file.equalityIds === null ? null : [...e.file.equalityIds],
      sort_order_id: e.file.sortOrderId,
    },
  }));
  // Required key/value metadata of a manifest (spec, "Manifests": schema, partition-spec, ...).
  return encodeAvroFile(avroSchema, records, {
    schema: JSON.stringify(schema),
    'schema-id': String(schema['schema-id']),
    'partition-spec': JSON.stringify(spec.fields),
    'partition-spec-id': String(spec['spec-id']),
    'format-version': '2',
    content: content === 0 ? 'data' : 'deletes',
  });
}

function avroPartitionValue(v: PartitionValue): unknown {
  return v;
}

interface RawEntry {
  status: number;
  snapshot_id: bigint | null;
  sequence_number: bigint | null;
  file_sequence_number: bigint | null;
  data_file: {
    content?: number;
    file_path: string;
    file_format: string;
    partition: Record<string, unknown>;
    record_count: bigint;
    file_size_in_bytes: bigint;
    equality_ids?: number[] | null;
    sort_order_id?: number | null;
  };
}

/** Reads a manifest, resolving inherited snapshot ids and sequence numbers (spec, "Sequence Number Inheritance"). */
export function decodeManifest(buf: Buffer, name: string, listEntry: ManifestFile): ManifestEntry[] {
  const file = decodeAvroFile(buf, name);
  return (file.records as RawEntry[]).map((r) => {
    const status = r.status as EntryStatus;
    const inherited = status === 1;
    const seq = r.sequence_number ?? (inherited ? listEntry.sequenceNumber : null);
    const fileSeq = r.file_sequence_number ?? (inherited ? listEntry.sequenceNumber : seq);
    if (seq === null || fileSeq === null)
      throw new InvalidMetadataError(name, 'an EXISTING or DELETED entry has no sequence number');
    const partition: Record<string, PartitionValue> = {};
    for (const [k, v] of Object.entries(r.data_file.partition ?? {})) {
      partition[k] =
        v === null || v === undefined
          ? null
          : typeof v === 'number' || typeof v === 'string' || typeof v === 'bigint'
            ? v
            : Buffer.isBuffer(v)
              ? v.toString('base64')
              : JSON.stringify(v);
    }
    return {
      status,
      snapshotId: r.snapshot_id ?? listEntry.addedSnapshotId,
      sequenceNumber: seq,
      fileSequenceNumber: fileSeq,
      file: {
        content: (r.data_file.content ?? 0) as FileContent,
        path: r.data_file.file_path,
        format: r.data_file.file_format,
        partition,
        recordCount: r.data_file.record_count,
        fileSizeInBytes: r.data_file.file_size_in_bytes,
        equalityIds: r.data_file.equality_ids ?? null,
        sortOrderId: r.data_file.sort_order_id ?? null,
      },
    };
  });
}

export function encodeManifestList(
  manifests: readonly ManifestFile[],
  meta: { snapshotId: bigint; parentSnapshotId: bigint | null; sequenceNumber: bigint },
): Buffer {
  const records = manifests.map((m) => ({
    manifest_path: m.path,
    manifest_length: m.length,
    partition_spec_id: m.specId,
    content: m.content,
    sequence_number: m.sequenceNumber,
    min_sequence_number: m.minSequenceNumber,
    added_snapshot_id: m.addedSnapshotId,
    added_files_count: m.addedFilesCount,
    existing_files_count: m.existingFilesCount,
    deleted_files_count: m.deletedFilesCount,
    added_rows_count: m.addedRowsCount,
    existing_rows_count: m.existingRowsCount,
    deleted_rows_count: m.deletedRowsCount,
    partitions:
      m.partitions === null
        ? null
        : m.partitions.map((p) => ({
            contains_null: p.containsNull,
            contains_nan: p.containsNan,
            lower_bound: p.lowerBound,
            upper_bound: p.upperBound,
          })),
    key_metadata: null,
  }));
  // Manifest list metadata (spec, "Manifest Lists"): snapshot-id, parent-snapshot-id, sequence-number, format-version.
  return encodeAvroFile(MANIFEST_LIST_SCHEMA, records, {
    'snapshot-id': meta.snapshotId.toString(),
    'parent-snapshot-id': meta.parentSnapshotId === null ? 'null' : meta.parentSnapshotId.toString(),
    'sequence-number': meta.sequenceNumber.toString(),
    'format-version': '2',
  });
}

interface RawManifestFile {
  manifest_path: string;
  manifest_length: bigint;
  partition_spec_id: number;
  content?: number;
  sequence_number?: bigint;
  min_sequence_number?: bigint;
  added_snapshot_id: bigint;
  added_files_count?: number | null;
  existing_files_count?: number | null;
  deleted_files_count?: number | null;
  added_rows_count?: bigint | null;
  existing_rows_count?: bigint | null;
  deleted_rows_count?: bigint | null;
  partitions?:
    | {
        contains_null: boolean;
        contains_nan?: boolean | null;
        lower_bound?: Buffer | null;
        upper_bound?: Buffer | null;
      }[]
    | null;
}

export function decodeManifestList(buf: Buffer, name: string): ManifestFile[] {
  const file = decodeAvroFile(buf, name);
  return (file.records as RawManifestFile[]).map((r) => ({
    path: r.manifest_path,
    length: r.manifest_length,
    specId: r.partition_spec_id,
    content: (r.content ?? 0) as 0 | 1,
    sequenceNumber: r.sequence_number ?? 0n,
    minSequenceNumber: r.min_sequence_number ?? 0n,
    addedSnapshotId: r.added_snapshot_id,
    addedFilesCount: r.added_files_count ?? 0,
    existingFilesCount: r.existing_files_count ?? 0,
    deletedFilesCount: r.deleted_files_count ?? 0,
    addedRowsCount: r.added_rows_count ?? 0n,
    existingRowsCount: r.existing_rows_count ?? 0n,
    deletedRowsCount: r.deleted_rows_count ?? 0n,
    partitions:
      r.partitions?.map((p) => ({
        containsNull: p.contains_null,
        containsNan: p.contains_nan ?? null,
        lowerBound: p.lower_bound ?? null,
        upperBound: p.upper_bound ?? null,
      })) ?? null,
  }));
}

/** Partition field summaries of a manifest's entries (bounds in Appendix D single-value form). */
export function summarizePartitions(
  entries: readonly EntryToWrite[],
  spec: PartitionSpec,
  schema: IcebergSchema,
): FieldSummary[] {
  return spec.fields.map((f) => {
    const source = schema.fields.find((s) => s.id === f['source-id'])!;
    const type = partitionResultType(f.transform, source.type);
    const values = entries.map((e) => e.file.partition[f.name] ?? null);
    const present = values.filter((v): v is Exclude<PartitionValue, null> => v !== null);
    let lower: PartitionValue = null;
    let upper: PartitionValue = null;
    if (type === 'int' || type === 'long' || type === 'date') {
      for (const v of present) {
        const n = BigInt(v);
        if (lower === null || n < BigInt(lower)) lower = v;
        if (upper === null || n > BigInt(upper)) upper = v;
      }
    }
    // String bounds would need UTF-8 byte order and truncation rules: omitted rather than doubtful.
    return {
      containsNull: values.some((v) => v === null),
      containsNan: null,
      lowerBound: partitionValueBytes(type, lower),
      upperBound: partitionValueBytes(type, upper),
    };
  });
}
