import { randomUUID } from 'node:crypto';

import { assertIdentifier } from '@ddb-athena-sync/schemas/sql-safety';

import { SchemaMismatchError } from './errors.js';
import { KEY_COLUMNS_PROPERTY } from './iceberg-schema.js';
import type { IcebergField } from './iceberg-schema.js';
import type { TableMetadata } from './table-metadata.js';

/**
 * Tombstones: the memory of merged deletes (DESIGN.md, "Tombstones"; issue 19 item 3).
 *
 * A stream record can be delivered again after its batch merged: the event source mapping bisects
 * a failed batch and retries the halves as new invocations, and Lambda delivery is at least once
 * (Lambda developer guide, DynamoDB event source mapping, error handling). A delete leaves no row
 * behind, so without a memory an older upsert for a deleted key would insert it again. So for every
 * key whose newest change in a batch is a delete newer than anything the table knows of the key
 * (its row's `_seq`, its tombstone's `_seq`), the merge records a tombstone (key columns, `_seq`,
 * `_deleted_at` = commit time), and an upsert is applied only when its `_seq` is greater than both
 * the row's and the tombstone's. Maintenance drops tombstones older than the retention (stream
 * retention, 24 h, plus the mapping's maximum record age; 30 h by default), after which no
 * redelivery of an older record can arrive.
 *
 * The tombstones of `<table>` live in a second Iceberg table `<table>__tombstones` of the same
 * namespace (as on Athena: a second Iceberg table in the same database), so readers of `<table>`
 * never see them. Each merge commits the tombstone table first and the table second: a crash in
 * between leaves tombstones for deletes that are still staged, which the retried batch applies, and
 * a tombstone newer than a row only withholds upserts older than that staged delete.
 */

/** Name of the tombstone table of a table. */
export function tombstoneTableName(table: string): string {
  return assertIdentifier(`${table}__tombstones`, 'tombstone table name');
}

export const TOMBSTONE_SEQ = '_seq';
export const TOMBSTONE_DELETED_AT = '_deleted_at';

/** Default retention: 24 h of stream retention plus 6 h of maximum record age. */
export const DEFAULT_TOMBSTONE_RETENTION_MS = 30 * 3_600_000;

/**
 * Metadata of the tombstone table of `table` (unpartitioned: tombstones are few, and short-lived):
 * the table's key fields with their types, `_seq` and `_deleted_at`.
 */
export function tombstoneMetadata(table: TableMetadata, location: string, nowMs: number): TableMetadata {
  const keys = (table.properties[KEY_COLUMNS_PROPERTY] ?? '').split(',').filter((k) => k !== '');
  const schema = table.schemas.find((s) => s['schema-id'] === table['current-schema-id']);
  const keyFields = keys.map((k, i): IcebergField => {
    const field = schema?.fields.find((f) => f.name === k);
    if (field === undefined)
      throw new SchemaMismatchError(table.location, k, 'key column is not in the schema');
    return { id: i + 1, name: field.name, required: false, type: field.type };
  });
  const fields: IcebergField[] = [
    ...keyFields,
    { id: keys.length + 1, name: TOMBSTONE_SEQ, required: false, type: 'string' },
    { id: keys.length + 2, name: TOMBSTONE_DELETED_AT, required: false, type: 'timestamp' },
  ];
  return {
    'format-version': 2,
    'table-uuid': randomUUID(),
    location,
    'last-sequence-number': 0n,
    'last-updated-ms': nowMs,
    'last-column-id': fields.length,
    'current-schema-id': 0,
    schemas: [{ type: 'struct', 'schema-id': 0, fields }],
    'default-spec-id': 0,
    'partition-specs': [{ 'spec-id': 0, fields: [] }],
    'last-partition-id': 999,
    'default-sort-order-id': 0,
    'sort-orders': [{ 'order-id': 0, fields: [] }],
    properties: {
      'write.format.default': 'parquet',
      [KEY_COLUMNS_PROPERTY]: keys.join(','),
      'write.delete.mode': 'merge-on-read',
    },
    snapshots: [],
    'snapshot-log': [],
    'metadata-log': [],
    refs: {},
  };
}

/** DuckDB timestamp text (microseconds, UTC, no zone) of an instant, for `_deleted_at`. */
export function duckdbTimestamp(at: Date): string {
  return `${at.toISOString().slice(0, 23).replace('T', ' ')}000`;
}
