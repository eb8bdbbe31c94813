import { icebergColumns } from '@ddb-athena-sync/schemas/declaration';
import type { TableDeclaration } from '@ddb-athena-sync/schemas/declaration';
import { renderIcebergDdl, renderStagingDdl, stagingTableName } from '@ddb-athena-sync/schemas/render-ddl';

import type { SqlDialect } from './dialect.js';
import { qualified, stagedRelation } from './render-merge.js';

/** Where a table lives. Locations matter to Athena only. */
export interface TableTarget {
  /** Glue database (Athena) or schema (DuckDB). */
  readonly database: string;
  /** `s3://lake/tables/books/`: the Iceberg table location. */
  readonly tableLocation: string;
  /** `s3://lake/staging/books/`: the table's staging prefix (never under the table location). */
  readonly stagingLocation: string;
}

export const SQL_STATEMENTS = ['merge', 'create', 'staging', 'optimize', 'vacuum'] as const;
export type SqlStatementKind = (typeof SQL_STATEMENTS)[number];

/**
 * CREATE of the Iceberg table. Athena: the DDL of @ddb-athena-sync/schemas/render-ddl (Hive DDL with
 * table properties). DuckDB: a plain table with the same columns, the stand-in the SQL tests run on.
 */
export function renderCreate(table: TableDeclaration, dialect: SqlDialect, target: TableTarget): string[] {
  if (dialect.name === 'athena')
    return [renderIcebergDdl(table, { database: target.database, location: target.tableLocation })];
  const columns = icebergColumns(table).map(
    (c) => `  ${dialect.identifier(c.name)} ${dialect.tableType(c.type)}`,
  );
  return [
    `CREATE SCHEMA IF NOT EXISTS ${dialect.identifier(target.database)}`,
    `CREATE TABLE IF NOT EXISTS ${qualified(dialect, { database: target.database, name: table.name })} (\n${columns.join(',\n')}\n)`,
  ];
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
  if (dialect.name === 'athena')
    return [renderStagingDdl(table, { database: target.database, location: target.stagingLocation })];
  if (files.length === 0) throw new RangeError('a staging view needs at least one staged file');
  // The MERGE's own source relation, so the view and the MERGE can never read differently.
  const relation = stagedRelation(dialect, {
    table,
    target: { database: target.database, name: table.name },
    stagingTable: { name: stagingTableName(table) },
    files,
  });
  return [
    `CREATE SCHEMA IF NOT EXISTS ${dialect.identifier(target.database)}`,
    `CREATE OR REPLACE VIEW ${qualified(dialect, { database: target.database, name: stagingTableName(table) })} AS\nSELECT * FROM ${relation}`,
  ];
}

/**
 * Compaction. Athena: `OPTIMIZE ... REWRITE DATA USING BIN_PACK` folds position-delete files into
 * data files (https://docs.aws.amazon.com/athena/latest/ug/optimize-statement.html). DuckDB: a
 * CHECKPOINT (https://duckdb.org/docs/stable/sql/statements/checkpoint); the local lake compacts its
 * Iceberg files itself.
 */
export function renderOptimize(
  table: TableDeclaration,
  dialect: SqlDialect,
  target: Pick<TableTarget, 'database'>,
): string {
  if (dialect.name === 'duckdb') return 'CHECKPOINT';
  return `OPTIMIZE ${qualified(dialect, { database: target.database, name: table.name })} REWRITE DATA USING BIN_PACK`;
}

/**
 * Snapshot expiry and orphan removal. Athena: `VACUUM` expires snapshots older than
 * vacuum_max_snapshot_age_seconds and removes orphan files
 * (https://docs.aws.amazon.com/athena/latest/ug/vacuum-statement.html). DuckDB: VACUUM ANALYZE.
 */
export function renderVacuum(
  table: TableDeclaration,
  dialect: SqlDialect,
  target: Pick<TableTarget, 'database'>,
): string {
  const name = qualified(dialect, { database: target.database, name: table.name });
  return dialect.name === 'duckdb' ? `VACUUM ANALYZE ${name}` : `VACUUM ${name}`;
}
