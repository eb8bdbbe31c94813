import type { ColumnType } from '@ddb-athena-sync/schemas/column-type';

import { qualified, STAGED_FILE_SEPARATOR } from './dialect.js';
import { maxRestrictionBytes, partitionRestriction } from './partition-bounds.js';
import type { PartitionBounds } from './partition-bounds.js';
import type { QualifiedName, SqlDialect, StagedSource } from './dialect.js';
import { castFromStaging, dataColumns } from './render-merge.js';
import type { MergeSizeModel } from './render-merge.js';

/** What one append reads and writes: the batch's staged objects and the Iceberg table. */
export interface AppendSqlPlan extends StagedSource {
  readonly target: QualifiedName;
  /**
   * Bounds of the partition source columns over the batch (sql/partition-bounds.ts), from the
   * staged objects' metadata. The ON clause then restricts the target to the partitions the batch
   * can touch, so the append reads those partitions only. Safe for an append table because its
   * items never change: a key's existing row carries the same partition column value as its staged
   * insert, so it lies inside the bounds the batch spans (DESIGN.md, "Mode append").
   */
  readonly bounds?: PartitionBounds;
}

const TIMESTAMP: ColumnType = { kind: 'timestamp' };

/**
 * The append's source: one row per key, the FIRST staged insert of it (lowest `_seq`). An append
 * table keeps the first version of an item (a later insert of the same key after a dropped REMOVE
 * never replaces it), so within a batch the first one wins too, which is what the table would hold
 * had the two inserts come in separate batches. Deletes never insert (an append table stages none;
 * a staged delete from the table's days in merge mode must not become a row).
 */
function firstPerKey(plan: AppendSqlPlan, dialect: SqlDialect): string {
  const id = (n: string): string => dialect.identifier(n);
  const table = plan.table;
  const keyTypes = new Map(table.columns.filter((c) => c.isKey).map((c) => [c.name, c.type]));
  const keys = table.keyColumns.map((k) => castFromStaging(dialect, id(k), keyTypes.get(k)!));
  const selectList = [
    ...dataColumns(table).map((c) => `${castFromStaging(dialect, id(c.name), c.type)} AS ${id(c.name)}`),
    id('_seq'),
    `${castFromStaging(dialect, id('_event_time'), TIMESTAMP)} AS ${id('_updated_at')}`,
    `row_number() OVER (PARTITION BY ${keys.join(', ')} ORDER BY ${id('_seq')} ASC) AS ${id('_rn')}`,
  ];
  // The staged relation is the dialect's hook (Athena: the staging table restricted by "$path";
  // DuckDB: read_json of the files); the delete filter goes outside it, on the staged rows.
  return [
    '  SELECT *',
    '  FROM (',
    `    SELECT\n      ${selectList.join(',\n      ')}`,
    `    FROM (SELECT * FROM ${dialect.stagedRelation(plan)}) AS r`,
    `    WHERE r.${id('_op')} <> ${dialect.literal('delete')}`,
    '  ) AS staged',
    `  WHERE ${id('_rn')} = 1`,
  ].join('\n');
}

/**
 * The insert-only, idempotent append of one batch (DESIGN.md, "Mode append"):
 *
 *   MERGE INTO t USING (first staged insert per key) s
 *   ON t.<key> = s.<key> [AND <partitions the batch can touch>]
 *   WHEN NOT MATCHED THEN INSERT ...
 *
 * - idempotent: a replayed or duplicated batch finds every key it holds already in the table and
 *   inserts nothing; a batch that overlaps an earlier one inserts only the keys that are new;
 * - no UPDATE or DELETE clause, so no row is ever rewritten, and no tombstones (an append table has
 *   no deletes); Athena runs MERGE with only a NOT MATCHED clause
 *   (https://docs.aws.amazon.com/athena/latest/ug/merge-into-statement.html, Trino's MERGE:
 *   https://trino.io/docs/current/sql/merge.html);
 * - deduplicated per key within the batch (`row_number() ... = 1`): two source rows of one key would
 *   both be NOT MATCHED and both inserted;
 * - the target read stays small as the table grows: with `bounds`, the ON clause reads only the
 *   partitions the batch spans (merge18's partitionRestriction, the same as the MERGE's).
 */
export function renderAppend(plan: AppendSqlPlan, dialect: SqlDialect): string {
  if (plan.files.length === 0)
    throw new RangeError('an append needs at least one staged file: an empty batch runs no query');
  const id = (n: string): string => dialect.identifier(n);
  const written = [...dataColumns(plan.table).map((c) => c.name), '_seq', '_updated_at'];
  const restriction = partitionRestriction(plan.table, plan.bounds, dialect);
  const on = [
    ...plan.table.keyColumns.map((k) => `t.${id(k)} = s.${id(k)}`),
    ...(restriction === undefined ? [] : [restriction]),
  ].join(' AND ');
  return [
    `MERGE INTO ${qualified(dialect, plan.target)} AS t`,
    'USING (',
    firstPerKey(plan, dialect),
    ') AS s',
    `ON ${on}`,
    `WHEN NOT MATCHED THEN INSERT (${written.map(id).join(', ')})`,
    `  VALUES (${written.map((c) => `s.${id(c)}`).join(', ')})`,
  ].join('\n');
}

/** Size of the append statement for the batch cap: `fixedBytes` plus `bytesPerFile(uri)` per file. */
export function appendSizeModel(plan: Omit<AppendSqlPlan, 'files'>, dialect: SqlDialect): MergeSizeModel {
  const probe = 's3://probe/probe';
  const bytesPerFile = (file: string): number =>
    Buffer.byteLength(dialect.literal(file)) + Buffer.byteLength(STAGED_FILE_SEPARATOR);
  const { bounds: _bounds, ...unbounded } = plan;
  const one = Buffer.byteLength(renderAppend({ ...unbounded, files: [probe] }, dialect));
  // The planner runs before the bounds are read: count the longest restriction (render-merge.ts).
  return { fixedBytes: one - bytesPerFile(probe) + maxRestrictionBytes(plan.table, dialect), bytesPerFile };
}
