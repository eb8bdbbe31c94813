import type { ColumnType } from '@ddb-athena-sync/schemas/column-type';
import { assertIdentifier, sqlStringLiteral } from '@ddb-athena-sync/schemas/sql-safety';

/**
 * The hooks in which Athena (Trino) and DuckDB differ when they run the same plan. Everything else
 * (the shape of MERGE, the deduplication, the guards) is rendered once in render-merge.ts, the way
 * kysely's query compilers share one compiler and override a few visitor methods.
 *
 * Identifiers reach SQL only through `identifier` (the identifier check, then double quotes: both
 * Trino and DuckDB DML quote with `"`), literals only through `literal` (the one escaping function of
 * @ddb-athena-sync/schemas/sql-safety).
 */
export interface SqlDialect {
  readonly name: 'athena' | 'duckdb';
  identifier(name: string): string;
  literal(value: string): string;
  /** SQL type of a column of the target table. */
  tableType(type: ColumnType): string;
  /** SQL type in which the staging encoding carries the column (the JSON side). */
  stagingType(type: ColumnType): string;
  /** Base64 text -> binary. */
  readonly fromBase64: string;
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

export const athenaDialect: SqlDialect = {
  name: 'athena',
  identifier: quote,
  literal: sqlStringLiteral,
  tableType: trinoType,
  stagingType: trinoStagingType,
  fromBase64: 'from_base64',
};

export const duckdbDialect: SqlDialect = {
  name: 'duckdb',
  identifier: quote,
  literal: sqlStringLiteral,
  tableType: duckType,
  stagingType: duckStagingType,
  fromBase64: 'from_base64',
};

export function dialectFor(name: 'athena' | 'duckdb'): SqlDialect {
  return name === 'athena' ? athenaDialect : duckdbDialect;
}
