import { glueType, stagingGlueType } from './column-type.js';
import { icebergColumns, stagingColumns } from './declaration.js';
import type { TableColumn, TableDeclaration } from './declaration.js';
import { assertIdentifier, sqlStringLiteral } from './sql-safety.js';

export interface DdlTarget {
  /** Glue database. */
  readonly database: string;
  /** S3 location, e.g. `s3://lake-bucket/tables/books/`. */
  readonly location: string;
}

/** Hive DDL quotes identifiers with backticks; only checked identifiers get here. */
function ddlIdentifier(name: string): string {
  return `\`${assertIdentifier(name)}\``;
}

function columnList(columns: readonly TableColumn[], typeOf: (c: TableColumn) => string): string {
  return columns.map((c) => `  ${ddlIdentifier(c.name)} ${typeOf(c)}`).join(',\n');
}

/**
 * Athena DDL is HiveQL, where a backslash escapes the next character inside a string literal and
 * adjacent literals concatenate, so the standard quote doubling of `sqlStringLiteral` is not a safe
 * escape there: a location never needs quotes or backslashes, so they are rejected outright.
 */
function s3Location(location: string): string {
  if (!/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/[^\s'"`\\]*)?$/.test(location)) {
    throw new Error(`location ${JSON.stringify(location)} is not an s3:// URI`);
  }
  return sqlStringLiteral(location.endsWith('/') ? location : `${location}/`);
}

/**
 * Athena DDL of the Iceberg table (no EXTERNAL: Athena creates Iceberg tables with
 * `CREATE TABLE ... TBLPROPERTIES ('table_type'='ICEBERG')`; only the property keys Athena documents
 * are used: https://docs.aws.amazon.com/athena/latest/ug/querying-iceberg-creating-tables.html).
 */
export function renderIcebergDdl(d: TableDeclaration, target: DdlTarget): string {
  const partitions = d.partitioning.map((p) => {
    const column = ddlIdentifier(p.column);
    return 'width' in p
      ? `${p.transform}(${p.width}, ${column})`
      : p.transform === 'identity'
        ? column
        : `${p.transform}(${column})`;
  });
  const m = d.maintenance;
  const properties: [string, string][] = [
    ['table_type', 'ICEBERG'],
    ['format', 'parquet'],
    ['write_compression', 'zstd'],
    ['optimize_rewrite_delete_file_threshold', String(m.deleteFileThreshold)],
    ['optimize_rewrite_data_file_threshold', String(m.dataFileThreshold)],
    ['vacuum_max_snapshot_age_seconds', String(m.snapshotRetentionHours * 3600)],
    ['vacuum_min_snapshots_to_keep', String(m.minSnapshotsToKeep)],
  ];
  return [
    `CREATE TABLE IF NOT EXISTS ${ddlIdentifier(target.database)}.${ddlIdentifier(d.name)} (`,
    columnList(icebergColumns(d), (c) => glueType(c.type)),
    ')',
    ...(partitions.length > 0 ? [`PARTITIONED BY (${partitions.join(', ')})`] : []),
    `LOCATION ${s3Location(target.location)}`,
    `TBLPROPERTIES (\n${properties.map(([k, v]) => `  ${sqlStringLiteral(k)}=${sqlStringLiteral(v)}`).join(',\n')}\n)`,
  ].join('\n');
}

/** Name of the staging table of a declared table. */
export function stagingTableName(d: TableDeclaration): string {
  return assertIdentifier(`${d.name}_staging`);
}

/**
 * Athena DDL of the staging table: gzip NDJSON objects under the table's staging prefix, read with
 * the OpenX JSON SerDe. Values that travel as JSON strings are declared `string` and cast by the MERGE.
 */
export function renderStagingDdl(d: TableDeclaration, target: DdlTarget): string {
  return [
    `CREATE EXTERNAL TABLE IF NOT EXISTS ${ddlIdentifier(target.database)}.${ddlIdentifier(stagingTableName(d))} (`,
    columnList(stagingColumns(d), (c) => stagingGlueType(c.type)),
    ')',
    "ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe'",
    `LOCATION ${s3Location(target.location)}`,
  ].join('\n');
}
