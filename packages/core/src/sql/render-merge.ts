import type { ColumnType } from '@ddb-athena-sync/schemas/column-type';
import { needsCastFromStaging } from '@ddb-athena-sync/schemas/column-type';
import { icebergColumns } from '@ddb-athena-sync/schemas/declaration';
import type { TableColumn, TableDeclaration } from '@ddb-athena-sync/schemas/declaration';

import { STAGED_FILE_SEPARATOR, qualified } from './dialect.js';
import type { QualifiedName, SqlDialect, StagedSource } from './dialect.js';
import { maxRestrictionBytes, partitionRestriction } from './partition-bounds.js';
import type { PartitionBounds } from './partition-bounds.js';

export { qualified };
export type { QualifiedName };

/** What one MERGE reads and writes. Built by the merge plan (merge/merge-plan.ts) from one batch F. */
export interface MergeSqlPlan extends StagedSource {
  /** The Iceberg table. */
  readonly target: QualifiedName;
  /**
   * The table's tombstones (`<table>__tombstones`, render-tombstones.ts). When given, the MERGE's
   * source drops every change older than its key's tombstone, so no upsert older than a merged
   * delete is ever applied. Engines of the protocol always give it; it is optional only for the
   * SQL tests that run the MERGE alone.
   */
  readonly tombstones?: QualifiedName;
  /**
   * Bounds of the partition source columns over the batch (partition-bounds.ts), read from the
   * staged objects' metadata. When the partitioning allows, the ON clause restricts the target to
   * the partitions they span; absent: the MERGE joins the whole target, as before.
   */
  readonly bounds?: PartitionBounds;
}

/** Athena rejects query strings longer than 262,144 bytes (Athena service quotas, "Query string length"). */
export const ATHENA_MAX_QUERY_BYTES = 262_144;

const FILE_SEPARATOR = STAGED_FILE_SEPARATOR;

/** Data columns read from staging and written to the table: declared columns plus `_extra` when kept. */
export function dataColumns(table: TableDeclaration): TableColumn[] {
  return icebergColumns(table).filter((c) => c.name !== '_seq' && c.name !== '_updated_at');
}

/**
 * The staging encoding (see @ddb-athena-sync/schemas/column-type) carries bigint, decimal,
 * timestamp, date, binary and json as JSON strings; this turns a staged value into the table type.
 */
export function castFromStaging(dialect: SqlDialect, expr: string, type: ColumnType): string {
  if (type.kind === 'binary') return `${dialect.fromBase64}(${expr})`;
  if (!needsCastFromStaging(type)) return expr;
  return `CAST(${expr} AS ${dialect.tableType(type)})`;
}

const TIMESTAMP: ColumnType = { kind: 'timestamp' };

/** The relation of staged rows: the dialect's hook, the only place where the two engines read differently. */
export function stagedRelation(dialect: SqlDialect, plan: StagedSource): string {
  return dialect.stagedRelation(plan);
}

/** The deduplicated source: the newest staged change per key, `_updated_at` from its event time. */
export function dedupedSource(plan: MergeSqlPlan, dialect: SqlDialect): string {
  const id = (n: string): string => dialect.identifier(n);
  const table = plan.table;
  const columns = dataColumns(table);
  const keyTypes = new Map(table.columns.filter((c) => c.isKey).map((c) => [c.name, c.type]));
  const keys = table.keyColumns.map((k) => castFromStaging(dialect, id(k), keyTypes.get(k)!));
  const selectList = [
    ...columns.map((c) => `${castFromStaging(dialect, id(c.name), c.type)} AS ${id(c.name)}`),
    `${id('_op')}`,
    `${id('_seq')}`,
    `${id('_source')}`,
    `${castFromStaging(dialect, id('_event_time'), TIMESTAMP)} AS ${id('_updated_at')}`,
    `row_number() OVER (PARTITION BY ${keys.join(', ')} ORDER BY ${id('_seq')} DESC) AS ${id('_rn')}`,
  ];
  return [
    '  SELECT *',
    '  FROM (',
    `    SELECT\n      ${selectList.join(',\n      ')}`,
    `    FROM ${stagedRelation(dialect, plan)}`,
    '  ) AS staged',
    `  WHERE ${id('_rn')} = 1`,
  ].join('\n');
}

/**
 * MERGE of one batch into the Iceberg table (DESIGN.md, "Mode merge", step 4):
 *
 * - deduplicated per key: `row_number() OVER (PARTITION BY key ORDER BY _seq DESC) = 1`, because two
 *   source rows matching one target row fail the whole query in Athena
 *   (MERGE_TARGET_ROW_MULTIPLE_MATCHES); `_seq` is 40 digits left-padded, so text order is stream order;
 * - guarded: update and delete only when the staged change is newer than the row (`s._seq > t._seq`),
 *   so replaying a batch is a no-op; insert only non-deletes. The first matching WHEN wins
 *   (https://trino.io/docs/current/sql/merge.html, https://duckdb.org/docs/stable/sql/statements/merge_into).
 * - `_updated_at` is the change's event time, not the merge time.
 * - repair: a backfill row (`_seq` 0, so never newer by `_seq`) updates a row whose values differ
 *   when the row's last change is not newer than the Scan (`t._updated_at <= s._updated_at`, the
 *   scan time), keeping the row's `_seq`: every later stream change still applies over it. Under
 *   the backfill guard no stream change newer than the Scan is in the table when backfill rows
 *   merge; the time test is the second line of defence (DESIGN.md, "Backfill").
 */
export function renderMerge(plan: MergeSqlPlan, dialect: SqlDialect): string {
  if (plan.files.length === 0)
    throw new RangeError('a MERGE needs at least one staged file: an empty batch runs no query');
  const id = (n: string): string => dialect.identifier(n);
  const table = plan.table;
  const columns = dataColumns(table);
  const written = [...columns.map((c) => c.name), '_seq', '_updated_at'];
  // The restriction drops only target rows no source row can match (partition-bounds.ts), so the
  // MERGE's result is the same; Iceberg prunes the files of every other partition.
  const restriction = partitionRestriction(table, plan.bounds, dialect);
  const on = [
    ...table.keyColumns.map((k) => `t.${id(k)} = s.${id(k)}`),
    ...(restriction === undefined ? [] : [restriction]),
  ].join(' AND ');
  const set = written.filter((c) => !table.keyColumns.includes(c)).map((c) => `${id(c)} = s.${id(c)}`);
  const del = dialect.literal('delete');
  // With tombstones: a change older than its key's tombstone is dropped (a redelivered or
  // backfilled upsert of a key whose newer delete was merged); `>=` keeps the delete that raised
  // the tombstone in this very batch, so it still removes the row.
  const source =
    plan.tombstones === undefined
      ? dedupedSource(plan, dialect)
      : [
          `  SELECT n.* FROM (\n${dedupedSource(plan, dialect)}\n  ) AS n`,
          `  LEFT JOIN ${qualified(dialect, plan.tombstones)} AS d ON ${table.keyColumns.map((k) => `d.${id(k)} = n.${id(k)}`).join(' AND ')}`,
          `  WHERE d.${id('_seq')} IS NULL OR n.${id('_seq')} >= d.${id('_seq')}`,
        ].join('\n');
  return [
    `MERGE INTO ${qualified(dialect, plan.target)} AS t`,
    'USING (',
    source,
    ') AS s',
    `ON ${on}`,
    `WHEN MATCHED AND s.${id('_seq')} > t.${id('_seq')} AND s.${id('_op')} = ${del} THEN DELETE`,
    `WHEN MATCHED AND s.${id('_seq')} > t.${id('_seq')} THEN UPDATE SET\n  ${set.join(',\n  ')}`,
    ...repairClause(plan, dialect),
    `WHEN NOT MATCHED AND s.${id('_op')} <> ${del} THEN INSERT (${written.map(id).join(', ')})`,
    `  VALUES (${written.map((c) => `s.${id(c)}`).join(', ')})`,
  ].join('\n');
}

/** The backfill repair clause of the MERGE (see renderMerge); none for a table of keys only. */
function repairClause(plan: MergeSqlPlan, dialect: SqlDialect): string[] {
  const id = (n: string): string => dialect.identifier(n);
  const data = dataColumns(plan.table)
    .map((c) => c.name)
    .filter((c) => !plan.table.keyColumns.includes(c));
  if (data.length === 0) return [];
  const same = data.map((c) => `t.${id(c)} IS NOT DISTINCT FROM s.${id(c)}`).join(' AND ');
  const set = [...data, '_updated_at'].map((c) => `${id(c)} = s.${id(c)}`);
  return [
    `WHEN MATCHED AND s.${id('_source')} = ${dialect.literal('backfill')} AND s.${id('_op')} <> ${dialect.literal('delete')} AND t.${id('_updated_at')} <= s.${id('_updated_at')} AND NOT (${same}) THEN UPDATE SET\n  ${set.join(',\n  ')}`,
  ];
}

/**
 * Size accounting for the batch cap: the Athena MERGE of a batch is `fixedBytes` plus
 * `bytesPerFile(uri)` for each file, exactly for a table that cannot be restricted (the files are
 * the only part that grows), at most that for one that can (`fixedBytes` counts the longest
 * partition restriction, since the planner runs before the bounds are read).
 */
export interface MergeSizeModel {
  readonly fixedBytes: number;
  bytesPerFile(file: string): number;
}

export function mergeSizeModel(plan: Omit<MergeSqlPlan, 'files'>, dialect: SqlDialect): MergeSizeModel {
  const probe = 's3://probe/probe';
  const bytesPerFile = (file: string): number =>
    Buffer.byteLength(dialect.literal(file)) + Buffer.byteLength(FILE_SEPARATOR);
  const { bounds: _bounds, ...unbounded } = plan;
  const one = Buffer.byteLength(renderMerge({ ...unbounded, files: [probe] }, dialect));
  return { fixedBytes: one - bytesPerFile(probe) + maxRestrictionBytes(plan.table, dialect), bytesPerFile };
}
