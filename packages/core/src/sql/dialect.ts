import { glueType, stagingGlueType } from '@ddb-athena-sync/schemas/column-type';
import type { ColumnType } from '@ddb-athena-sync/schemas/column-type';
import { icebergColumns, stagingColumns } from '@ddb-athena-sync/schemas/declaration';
import type { TableDeclaration } from '@ddb-athena-sync/schemas/declaration';
import { InvalidIdentifierError } from '@ddb-athena-sync/schemas/errors';
import { renderIcebergDdl, renderStagingDdl, stagingTableName } from '@ddb-athena-sync/schemas/render-ddl';
import { assertIdentifier, sqlStringLiteral } from '@ddb-athena-sync/schemas/sql-safety';

/** `database.table`; `database` may be left out where the engine has a default schema. */
export interface QualifiedName {
  readonly database?: string;
  readonly name: string;
}

/** Where a table lives. Locations matter to Athena only. */
export interface TableTarget {
  /** Glue database (Athena) or schema (DuckDB). */
  readonly database: string;
  /** `s3://lake/tables/books/`: the Iceberg table location. */
  readonly tableLocation: string;
  /** `s3://lake/staging/books/`: the table's staging prefix (never under the table location). */
  readonly stagingLocation: string;
}

/**
 * The partitions of a table from one instant on, where the partitioning allows saying so with a
 * predicate on the source column: a `year`/`month`/`day`/`hour` transform of a timestamp or date
 * column. `from` is the start of the partition holding the instant (UTC), so the predicate selects
 * whole partitions, which is what Athena's OPTIMIZE accepts in its WHERE ("Only partition columns
 * are allowed in the WHERE clause predicate", https://docs.aws.amazon.com/athena/latest/ug/optimize-statement.html).
 */
export interface PartitionWindow {
  readonly column: string;
  readonly type: 'timestamp' | 'date';
  /** `YYYY-MM-DD HH:MM:SS.ffffff` for a timestamp, `YYYY-MM-DD` for a date. */
  readonly from: string;
}

/** The staged rows of one batch: what the MERGE's source (and the DuckDB staging view) reads. */
export interface StagedSource {
  readonly table: TableDeclaration;
  /** Athena: the staging table (its `"$path"` pseudo-column restricts it to `files`). Unused by DuckDB. */
  readonly stagingTable: QualifiedName;
  /**
   * Exactly the staged objects of the batch: `s3://bucket/key` URIs for Athena (compared with
   * `"$path"`), file paths or URLs for DuckDB's read_json. Never empty: an empty batch runs no query.
   */
  readonly files: readonly string[];
}

/**
 * The hooks in which Athena (Trino DML, Hive DDL) and DuckDB differ when they run the same plan.
 * Everything else (the shape of MERGE, the deduplication, the guards) is rendered once in
 * render-merge.ts and render-statements.ts, the way kysely's dialects share one query compiler and
 * override only the visitor methods where the grammar differs (kysely-org/kysely, `src/dialect/*`).
 * No renderer branches on `name`; it is a label for logs and the CLI.
 *
 * Identifiers reach SQL only through `identifier` (DML: the identifier check, then double quotes,
 * which both Trino and DuckDB DML use) and `ddlName` (maintenance DDL, which Athena parses with its
 * Hive-style parser); literals only through `literal` (the one escaping function of
 * @ddb-athena-sync/schemas/sql-safety).
 */
export interface SqlDialect {
  readonly name: 'athena' | 'duckdb';
  identifier(name: string): string;
  /** A table name in the engine's maintenance DDL (OPTIMIZE, VACUUM). */
  ddlName(name: QualifiedName): string;
  literal(value: string): string;
  /** SQL type of a column of the target table. */
  tableType(type: ColumnType): string;
  /** SQL type in which the staging encoding carries the column (the JSON side). */
  stagingType(type: ColumnType): string;
  /** Base64 text -> binary. */
  readonly fromBase64: string;
  /** The relation of staged rows, restricted to exactly `source.files`. */
  stagedRelation(source: StagedSource): string;
  /** Statements that create the target table when it does not exist. */
  createTable(table: TableDeclaration, target: TableTarget): string[];
  /** Statements that create the staging relation (Athena: over the prefix; DuckDB: over `files`). */
  createStaging(table: TableDeclaration, target: TableTarget, files: readonly string[]): string[];
  /** Compaction of the target table (folds delete files into data files). */
  optimize(table: TableDeclaration, target: Pick<TableTarget, 'database'>, window?: PartitionWindow): string;
  /** `column >= <start>` of a partition window, in the grammar `optimize` puts it in. */
  partitionPredicate(window: PartitionWindow): string;
  /** Snapshot expiry and orphan-file removal of the target table. */
  vacuum(table: TableDeclaration, target: Pick<TableTarget, 'database'>): string;
  /**
   * CREATE TABLE IF NOT EXISTS of a tombstone table (render-tombstones.ts): the key columns, then
   * `_seq` (text) and `_deleted_at` (timestamp). `location` is the Iceberg location (Athena only).
   */
  createTombstones(
    name: Required<QualifiedName>,
    keyColumns: readonly { readonly name: string; readonly type: ColumnType }[],
    location?: string,
  ): string;
  /**
   * Statements that add nullable columns to an existing table (schema evolution, see
   * merge/column-changes.ts): `relation` says whose types the columns take, the Iceberg table's or
   * the staging encoding's (the JSON side).
   */
  addColumns(
    name: Required<QualifiedName>,
    columns: readonly { readonly name: string; readonly type: ColumnType }[],
    relation: 'table' | 'staging',
  ): string[];
}

/** Separator between the literals of the staged files (the only part of a MERGE that grows). */
export const STAGED_FILE_SEPARATOR = ',\n        ';

export function qualified(dialect: Pick<SqlDialect, 'identifier'>, name: QualifiedName): string {
  return name.database === undefined
    ? dialect.identifier(name.name)
    : `${dialect.identifier(name.database)}.${dialect.identifier(name.name)}`;
}

/** Checked identifier in double quotes. `assertIdentifier` rejects anything that could need escaping. */
function quote(name: string): string {
  return `"${assertIdentifier(name)}"`;
}

function isStagedAsText(type: ColumnType): boolean {
  return !['int', 'double', 'float', 'boolean', 'array', 'struct'].includes(type.kind);
}

/**
 * Trino type names (https://trino.io/docs/current/language/types.html). `timestamp` alone means
 * timestamp(3) in Trino; Athena's Iceberg tables store microseconds, so casts say timestamp(6)
 * (https://docs.aws.amazon.com/athena/latest/ug/querying-iceberg-supported-data-types.html).
 */
function trinoType(type: ColumnType): string {
  switch (type.kind) {
    case 'string':
    case 'json':
      return 'varchar';
    case 'int':
      return 'integer';
    case 'float':
      return 'real';
    case 'binary':
      return 'varbinary';
    case 'timestamp':
      return 'timestamp(6)';
    case 'decimal':
      return `decimal(${type.precision}, ${type.scale})`;
    case 'array':
      return `array(${trinoType(type.element)})`;
    case 'struct':
      return `row(${type.fields.map((f) => `${quote(f.name)} ${trinoType(f.type)}`).join(', ')})`;
    default:
      return type.kind;
  }
}

function trinoStagingType(type: ColumnType): string {
  if (type.kind === 'array') return `array(${trinoStagingType(type.element)})`;
  if (type.kind === 'struct')
    return `row(${type.fields.map((f) => `${quote(f.name)} ${trinoStagingType(f.type)}`).join(', ')})`;
  return isStagedAsText(type) ? 'varchar' : trinoType(type);
}

/** DuckDB type names (https://duckdb.org/docs/stable/sql/data_types/overview). */
function duckType(type: ColumnType): string {
  switch (type.kind) {
    case 'string':
    case 'json':
      return 'VARCHAR';
    case 'int':
      return 'INTEGER';
    case 'binary':
      return 'BLOB';
    case 'decimal':
      return `DECIMAL(${type.precision}, ${type.scale})`;
    case 'array':
      return `${duckType(type.element)}[]`;
    case 'struct':
      return `STRUCT(${type.fields.map((f) => `${quote(f.name)} ${duckType(f.type)}`).join(', ')})`;
    default:
      return type.kind.toUpperCase();
  }
}

function duckStagingType(type: ColumnType): string {
  if (type.kind === 'array') return `${duckStagingType(type.element)}[]`;
  if (type.kind === 'struct')
    return `STRUCT(${type.fields.map((f) => `${quote(f.name)} ${duckStagingType(f.type)}`).join(', ')})`;
  return isStagedAsText(type) ? 'VARCHAR' : duckType(type);
}

function stagedFiles(dialect: SqlDialect, files: readonly string[]): string {
  if (files.length === 0)
    throw new RangeError('a staged relation needs at least one staged file: an empty batch runs no query');
  return files.map((f) => dialect.literal(f)).join(STAGED_FILE_SEPARATOR);
}

/**
 * Athena's reserved keywords in DDL statements: "You cannot use DDL reserved keywords as identifier
 * names in DDL statements without enclosing them in backticks" (Athena user guide, "Escape reserved
 * keywords in queries", https://docs.aws.amazon.com/athena/latest/ug/reserved-words.html).
 */
export const ATHENA_DDL_RESERVED: ReadonlySet<string> = new Set([
  'all',
  'alter',
  'and',
  'array',
  'as',
  'authorization',
  'between',
  'bigint',
  'binary',
  'boolean',
  'both',
  'by',
  'case',
  'cashe',
  'cast',
  'char',
  'column',
  'conf',
  'constraint',
  'commit',
  'create',
  'cross',
  'cube',
  'current',
  'current_date',
  'current_timestamp',
  'cursor',
  'database',
  'date',
  'dayofweek',
  'decimal',
  'delete',
  'describe',
  'distinct',
  'div',
  'double',
  'drop',
  'else',
  'end',
  'exchange',
  'exists',
  'extended',
  'external',
  'extract',
  'false',
  'fetch',
  'float',
  'floor',
  'following',
  'for',
  'foreign',
  'from',
  'full',
  'function',
  'grant',
  'group',
  'grouping',
  'having',
  'if',
  'import',
  'in',
  'inner',
  'insert',
  'int',
  'integer',
  'intersect',
  'interval',
  'into',
  'is',
  'join',
  'lateral',
  'left',
  'less',
  'like',
  'local',
  'macro',
  'map',
  'more',
  'none',
  'not',
  'null',
  'numeric',
  'of',
  'on',
  'only',
  'or',
  'order',
  'out',
  'outer',
  'over',
  'partialscan',
  'partition',
  'percent',
  'preceding',
  'precision',
  'preserve',
  'primary',
  'procedure',
  'range',
  'reads',
  'reduce',
  'regexp',
  'references',
  'revoke',
  'right',
  'rlike',
  'rollback',
  'rollup',
  'row',
  'rows',
  'select',
  'set',
  'smallint',
  'start',
  'table',
  'tablesample',
  'then',
  'time',
  'timestamp',
  'to',
  'transform',
  'trigger',
  'true',
  'truncate',
  'unbounded',
  'union',
  'uniquejoin',
  'update',
  'user',
  'using',
  'utc_timestamp',
  'values',
  'varchar',
  'views',
  'when',
  'where',
  'window',
  'with',
]);

/**
 * A table name in Athena's maintenance DDL. OPTIMIZE and VACUUM go through Athena's Hive-style DDL
 * parser: "double quotes do not work as a substitute for backticks", and "if you prefix the table
 * name with a database name, do not enclose the database name in backticks" (Athena user guide,
 * VACUUM, https://docs.aws.amazon.com/athena/latest/ug/vacuum-statement.html, example
 * `VACUUM my_database.\`_mytable\``; OPTIMIZE, https://docs.aws.amazon.com/athena/latest/ug/optimize-statement.html,
 * takes the same `[db_name.]table_name`). So: the table name in backticks (a name starting with `_`
 * needs them), the database bare, which a Hive identifier allows only when it starts with a letter
 * or digit and is not a DDL reserved keyword (those need backticks, which the VACUUM page rules
 * out for the database); anything else is rejected rather than rendered in a form the docs do not
 * show.
 */
function athenaDdlName(name: QualifiedName): string {
  const table = `\`${assertIdentifier(name.name)}\``;
  if (name.database === undefined) return table;
  const database = assertIdentifier(name.database);
  if (!/^[a-z0-9]/.test(database) || ATHENA_DDL_RESERVED.has(database))
    throw new InvalidIdentifierError(
      database,
      'database (bare in Athena DDL, so it must start with a letter and not be a DDL reserved keyword)',
    );
  return `${database}.${table}`;
}

/** A typed literal of a window's start: `TIMESTAMP '...'` / `DATE '...'` (Trino, Hive and DuckDB alike). */
function windowStart(dialect: SqlDialect, window: PartitionWindow): string {
  return `${window.type === 'date' ? 'DATE' : 'TIMESTAMP'} ${dialect.literal(window.from)}`;
}

/**
 * A column in Athena's DDL predicate: bare when it starts with a letter and is not reserved, in
 * backticks otherwise (Hive identifiers; double quotes are not identifiers there).
 */
function athenaDdlColumn(name: string): string {
  const column = assertIdentifier(name);
  return /^[a-z]/.test(column) && !ATHENA_DDL_RESERVED.has(column) ? column : `\`${column}\``;
}

/**
 * Athena's `ALTER TABLE [db_name.]table_name ADD COLUMNS (col_name data_type [,...])`, one
 * statement for all columns, for Iceberg tables
 * (https://docs.aws.amazon.com/athena/latest/ug/querying-iceberg-alter-table-add-columns.html) and
 * for the Hive/JSON staging table alike (https://docs.aws.amazon.com/athena/latest/ug/alter-table-add-columns.html).
 * Hive DDL: the table name through `ddlName`, columns in backticks, Glue type names.
 */
function athenaAddColumns(
  name: Required<QualifiedName>,
  columns: readonly { readonly name: string; readonly type: ColumnType }[],
  relation: 'table' | 'staging',
): string[] {
  if (columns.length === 0) return [];
  const typeOf = relation === 'table' ? glueType : stagingGlueType;
  const list = columns.map((c) => `\`${assertIdentifier(c.name)}\` ${typeOf(c.type)}`).join(', ');
  return [`ALTER TABLE ${athenaDdlName(name)} ADD COLUMNS (${list})`];
}

export const athenaDialect: SqlDialect = {
  name: 'athena',
  identifier: quote,
  ddlName: athenaDdlName,
  literal: sqlStringLiteral,
  tableType: trinoType,
  stagingType: trinoStagingType,
  fromBase64: 'from_base64',
  // "$path" is the S3 URI of the object a row came from: the source is restricted to exactly the
  // listed batch F, never to whatever the prefix holds by the time the query runs
  // (https://docs.aws.amazon.com/athena/latest/ug/select.html, "Getting the file locations").
  stagedRelation(source) {
    return `${qualified(athenaDialect, source.stagingTable)}\n      WHERE "$path" IN (\n        ${stagedFiles(athenaDialect, source.files)}\n      )`;
  },
  // Hive DDL with table properties, rendered by @ddb-athena-sync/schemas/render-ddl.
  createTable: (table, target) => [
    renderIcebergDdl(table, { database: target.database, location: target.tableLocation }),
  ],
  // The external JSON table over the staging prefix: the MERGE picks the batch by "$path".
  createStaging: (table, target) => [
    renderStagingDdl(table, { database: target.database, location: target.stagingLocation }),
  ],
  // Folds position-delete files into data files
  // (https://docs.aws.amazon.com/athena/latest/ug/optimize-statement.html).
  optimize(table, target, window) {
    const where = window === undefined ? '' : ` WHERE ${athenaDialect.partitionPredicate(window)}`;
    return `OPTIMIZE ${athenaDialect.ddlName({ database: target.database, name: table.name })} REWRITE DATA USING BIN_PACK${where}`;
  },
  partitionPredicate: (window) =>
    `${athenaDdlColumn(window.column)} >= ${windowStart(athenaDialect, window)}`,
  // Expires snapshots older than vacuum_max_snapshot_age_seconds and removes orphan files
  // (https://docs.aws.amazon.com/athena/latest/ug/vacuum-statement.html).
  vacuum(table, target) {
    return `VACUUM ${athenaDialect.ddlName({ database: target.database, name: table.name })}`;
  },
  // Hive DDL (backticks, Glue types) of an Iceberg table
  // (https://docs.aws.amazon.com/athena/latest/ug/querying-iceberg-creating-tables.html).
  createTombstones(name, keyColumns, location) {
    if (
      location === undefined ||
      !/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/[A-Za-z0-9_.\-/]*)?$/.test(location)
    )
      throw new RangeError('the Athena tombstone table needs an s3:// location of [A-Za-z0-9_.-/]');
    const tick = (n: string): string => `\`${assertIdentifier(n)}\``;
    const folder = location.endsWith('/') ? location : `${location}/`;
    return [
      `CREATE TABLE IF NOT EXISTS ${tick(name.database)}.${tick(name.name)} (`,
      [
        ...keyColumns.map((c) => `  ${tick(c.name)} ${glueType(c.type)}`),
        '  `_seq` string',
        '  `_deleted_at` timestamp',
      ].join(',\n'),
      ')',
      `LOCATION ${athenaDialect.literal(folder)}`,
      `TBLPROPERTIES (\n  'table_type'='ICEBERG',\n  'format'='parquet',\n  'write_compression'='zstd'\n)`,
    ].join('\n');
  },
  addColumns: athenaAddColumns,
};

export const duckdbDialect: SqlDialect = {
  name: 'duckdb',
  identifier: quote,
  // DuckDB has one parser: DDL quotes like DML.
  ddlName(name) {
    return qualified(duckdbDialect, name);
  },
  literal: sqlStringLiteral,
  tableType: duckType,
  stagingType: duckStagingType,
  fromBase64: 'from_base64',
  // read_json with explicit column types: DuckDB infers nothing, so a value that does not fit fails
  // the query instead of silently changing type (https://duckdb.org/docs/stable/data/json/loading_json).
  stagedRelation(source) {
    const columns = stagingColumns(source.table)
      .map(
        (c) =>
          `${duckdbDialect.literal(c.name)}: ${duckdbDialect.literal(duckdbDialect.stagingType(c.type))}`,
      )
      .join(', ');
    return [
      'read_json(',
      `        [${stagedFiles(duckdbDialect, source.files)}],`,
      "        format = 'newline_delimited',",
      "        compression = 'gzip',",
      `        columns = {${columns}}`,
      '      )',
    ].join('\n');
  },
  // A plain table with the same columns: the stand-in the SQL tests run on.
  createTable(table, target) {
    const columns = icebergColumns(table).map(
      (c) => `  ${duckdbDialect.identifier(c.name)} ${duckdbDialect.tableType(c.type)}`,
    );
    return [
      `CREATE SCHEMA IF NOT EXISTS ${duckdbDialect.identifier(target.database)}`,
      `CREATE TABLE IF NOT EXISTS ${qualified(duckdbDialect, { database: target.database, name: table.name })} (\n${columns.join(',\n')}\n)`,
    ];
  },
  // A view over read_json of the given files: the MERGE's own source relation, so the view and the
  // MERGE can never read differently.
  createStaging(table, target, files) {
    const relation = duckdbDialect.stagedRelation({
      table,
      stagingTable: { name: stagingTableName(table) },
      files,
    });
    return [
      `CREATE SCHEMA IF NOT EXISTS ${duckdbDialect.identifier(target.database)}`,
      `CREATE OR REPLACE VIEW ${qualified(duckdbDialect, { database: target.database, name: stagingTableName(table) })} AS\nSELECT * FROM ${relation}`,
    ];
  },
  // https://duckdb.org/docs/stable/sql/statements/checkpoint; the local lake compacts its Iceberg
  // files itself.
  optimize: () => 'CHECKPOINT',
  partitionPredicate: (window) =>
    `${duckdbDialect.identifier(window.column)} >= ${windowStart(duckdbDialect, window)}`,
  vacuum(table, target) {
    return `VACUUM ANALYZE ${duckdbDialect.ddlName({ database: target.database, name: table.name })}`;
  },
  createTombstones(name, keyColumns) {
    const columns = [
      ...keyColumns.map((c) => `  ${duckdbDialect.identifier(c.name)} ${duckdbDialect.tableType(c.type)}`),
      `  ${duckdbDialect.identifier('_seq')} ${duckdbDialect.tableType({ kind: 'string' })}`,
      `  ${duckdbDialect.identifier('_deleted_at')} ${duckdbDialect.tableType({ kind: 'timestamp' })}`,
    ];
    return `CREATE TABLE IF NOT EXISTS ${qualified(duckdbDialect, name)} (\n${columns.join(',\n')}\n)`;
  },
  // One column per statement (https://duckdb.org/docs/stable/sql/statements/alter_table, "ADD
  // COLUMN"). The DuckDB staging relation is a view rebuilt for every batch: nothing to alter.
  addColumns(name, columns, relation) {
    if (relation === 'staging') return [];
    return columns.map(
      (c) =>
        `ALTER TABLE ${qualified(duckdbDialect, name)} ADD COLUMN IF NOT EXISTS ${duckdbDialect.identifier(c.name)} ${duckdbDialect.tableType(c.type)}`,
    );
  },
};

export function dialectFor(name: 'athena' | 'duckdb'): SqlDialect {
  return name === 'athena' ? athenaDialect : duckdbDialect;
}
