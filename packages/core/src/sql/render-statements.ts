import type { TableDeclaration } from '@ddb-athena-sync/schemas/declaration';

import type { PartitionWindow, SqlDialect, TableTarget } from './dialect.js';

export type { PartitionWindow, TableTarget };

export const SQL_STATEMENTS = ['merge', 'create', 'staging', 'optimize', 'vacuum'] as const;
export type SqlStatementKind = (typeof SQL_STATEMENTS)[number];

// Each statement is the dialect's hook (dialect.ts): the engines differ in the whole statement here,
// not in a part of it, so the hook renders it all.

/**
 * CREATE of the Iceberg table. Athena: the DDL of @ddb-athena-sync/schemas/render-ddl (Hive DDL with
 * table properties). DuckDB: a plain table with the same columns, the stand-in the SQL tests run on.
 */
export function renderCreate(table: TableDeclaration, dialect: SqlDialect, target: TableTarget): string[] {
  return dialect.createTable(table, target);
}

/**
 * The staging relation. Athena: the external JSON table over the staging prefix. DuckDB: a view over
 * read_json of the given files (the same relation the MERGE reads).
 */
export function renderStaging(
  table: TableDeclaration,
  dialect: SqlDialect,
  target: TableTarget,
  files: readonly string[],
): string[] {
  return dialect.createStaging(table, target, files);
}

/**
 * Compaction. Athena: `OPTIMIZE db.\`table\` REWRITE DATA USING BIN_PACK`, in Athena's DDL quoting
 * (https://docs.aws.amazon.com/athena/latest/ug/optimize-statement.html). DuckDB: a CHECKPOINT
 * (https://duckdb.org/docs/stable/sql/statements/checkpoint); the local lake compacts its Iceberg
 * files itself.
 */
export function renderOptimize(
  table: TableDeclaration,
  dialect: SqlDialect,
  target: Pick<TableTarget, 'database'>,
  window?: PartitionWindow,
): string {
  return dialect.optimize(table, target, window);
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/**
 * The partitions of `table` from `since` on (the ones written recently, for a compaction that
 * leaves old partitions alone), when its partitioning has a temporal transform of a timestamp or
 * date column; undefined otherwise (identity, bucket and truncate partitions say nothing about
 * time, so compaction must look at every partition). The start is floored to the transform's
 * boundary in UTC (Iceberg spec, "Partition Transforms": year/month/day/hour count from the epoch
 * in UTC), so the predicate selects whole partitions.
 */
export function recentPartitions(table: TableDeclaration, since: Date): PartitionWindow | undefined {
  for (const p of table.partitioning) {
    if (p.transform !== 'year' && p.transform !== 'month' && p.transform !== 'day' && p.transform !== 'hour')
      continue;
    const column = table.columns.find((c) => c.name === p.column);
    const kind = column?.type.kind;
    if (kind !== 'timestamp' && kind !== 'date') continue;
    const y = pad(since.getUTCFullYear(), 4);
    const m = p.transform === 'year' ? '01' : pad(since.getUTCMonth() + 1);
    const d = p.transform === 'year' || p.transform === 'month' ? '01' : pad(since.getUTCDate());
    if (kind === 'date') {
      // An hour partition of a date column is a day partition.
      return { column: p.column, type: 'date', from: `${y}-${m}-${d}` };
    }
    const h = p.transform === 'hour' ? pad(since.getUTCHours()) : '00';
    return { column: p.column, type: 'timestamp', from: `${y}-${m}-${d} ${h}:00:00.000000` };
  }
  return undefined;
}

/**
 * Snapshot expiry and orphan removal. Athena: `VACUUM db.\`table\``, which expires snapshots older
 * than vacuum_max_snapshot_age_seconds and removes orphan files
 * (https://docs.aws.amazon.com/athena/latest/ug/vacuum-statement.html). DuckDB: VACUUM ANALYZE.
 */
export function renderVacuum(
  table: TableDeclaration,
  dialect: SqlDialect,
  target: Pick<TableTarget, 'database'>,
): string {
  return dialect.vacuum(table, target);
}
