import { duckdbDialect } from '@ddb-athena-sync/core/sql/dialect';
import { sqlStringLiteral } from '@ddb-athena-sync/schemas/sql-safety';

import { duckdbType } from './iceberg-schema.js';
import type { IcebergField } from './iceberg-schema.js';

/**
 * How a value in staging encoding (@ddb-athena-sync/schemas column-type) becomes a typed DuckDB
 * value: `read_json` reads scalars as VARCHAR (the JSON text, so bigint/decimal strings stay exact)
 * and the select list casts them; nested values are read straight into their DuckDB type.
 */
export function readJsonType(f: IcebergField): string {
  return typeof f.type === 'string' ? 'VARCHAR' : duckdbType(f.type);
}

export function castExpression(f: IcebergField, source = duckdbDialect.identifier(f.name)): string {
  if (typeof f.type !== 'string') return source;
  if (f.type === 'string') return source;
  if (f.type === 'binary') return `from_base64(${source})`;
  return `CAST(${source} AS ${duckdbType(f.type)})`;
}

/** The `columns` argument of read_json (DuckDB docs, "JSON loading"). */
export function readJsonColumns(
  fields: readonly IcebergField[],
  extra: Readonly<Record<string, string>>,
): string {
  const entries = [...fields.map((f) => [f.name, readJsonType(f)] as const), ...Object.entries(extra)];
  return `{${entries.map(([n, t]) => `${duckdbDialect.identifier(n)}: ${sqlStringLiteral(t)}`).join(', ')}}`;
}
