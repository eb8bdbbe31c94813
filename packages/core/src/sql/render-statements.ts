import type { TableDeclaration } from '@ddb-athena-sync/schemas/declaration';

import type { SqlDialect, TableTarget } from './dialect.js';

export type { TableTarget };

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
): string {
  return dialect.optimize(table, target);
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
