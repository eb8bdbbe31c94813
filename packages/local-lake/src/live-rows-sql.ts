import { duckdbDialect } from '@ddb-athena-sync/core/sql/dialect';
import { sqlStringLiteral } from '@ddb-athena-sync/schemas/sql-safety';

import { SchemaMismatchError, UnsupportedFeatureError } from './errors.js';
import { duckdbType } from './iceberg-schema.js';
import { localPath } from './snapshot-files.js';
import type { IcebergSchema } from './iceberg-schema.js';
import type { ManifestEntry } from './manifest.js';

export function pathList(entries: readonly ManifestEntry[]): string {
  return `[${entries.map((e) => sqlStringLiteral(localPath(e.file.path))).join(', ')}]`;
}

export interface LiveRowsOptions {
  /** Columns to read (default: every schema column). Parquet projection reads only these. */
  readonly columns?: readonly string[];
  /** Adds `_file` (the data file URI) and `_pos` (row position in it). */
  readonly withPosition?: boolean;
}

/**
 * SQL for the live rows of a set of data files with their delete files applied (Iceberg spec,
 * "Row-level Deletes"): a position delete removes row `pos` of data file `file_path`; an equality
 * delete removes rows of older data files (data sequence number strictly lower) in the same
 * partition (or any partition when the delete file is unpartitioned) whose columns equal its row.
 */
export function liveRowsSql(
  data: readonly ManifestEntry[],
  deletes: readonly ManifestEntry[],
  schema: IcebergSchema,
  options: LiveRowsOptions = {},
): string {
  const names = options.columns ?? schema.fields.map((f) => f.name);
  const fields = names.map((n) => {
    const f = schema.fields.find((x) => x.name === n);
    if (f === undefined) throw new SchemaMismatchError('(scan)', n, 'column is not in the schema');
    return f;
  });
  if (data.length === 0) {
    const cols = fields.map(
      (f) => `CAST(NULL AS ${duckdbType(f.type)}) AS ${duckdbDialect.identifier(f.name)}`,
    );
    if (options.withPosition) cols.push('CAST(NULL AS VARCHAR) AS _file', 'CAST(NULL AS BIGINT) AS _pos');
    return `SELECT ${cols.join(', ')} WHERE false`;
  }
  const select = fields.map((f) => `d.${duckdbDialect.identifier(f.name)}`);
  if (options.withPosition) select.push(`'file://' || d.filename AS _file`, 'd.file_row_number AS _pos');
  const dataPaths = new Set(data.map((e) => e.file.path));
  const positional = deletes.filter((e) => e.file.content === 1);
  const equality = deletes.filter((e) => e.file.content === 2);
  let sql = `SELECT ${select.join(', ')} FROM read_parquet(${pathList(data)}, filename = true, file_row_number = true, schema = ${fieldIdProjection(schema)}) AS d`;
  if (positional.length > 0) {
    sql += ` ANTI JOIN (SELECT file_path, pos FROM read_parquet(${pathList(positional)})) AS x ON x.file_path = 'file://' || d.filename AND x.pos = d.file_row_number`;
  }
  equality.forEach((e, i) => {
    const cols = (e.file.equalityIds ?? []).map((id) => {
      const f = schema.fields.find((x) => x.id === id);
      if (f === undefined)
        throw new UnsupportedFeatureError(`equality delete on field ${id}, which is not a top-level column`);
      return duckdbDialect.identifier(f.name);
    });
    const global = Object.keys(e.file.partition).length === 0;
    const applies = data.filter(
      (d) =>
        d.sequenceNumber < e.sequenceNumber &&
        (global ||
          JSON.stringify(d.file.partition, bigintReplacer) ===
            JSON.stringify(e.file.partition, bigintReplacer)),
    );
    if (applies.length === 0 || cols.length === 0) return;
    const fileFilter =
      applies.length === dataPaths.size
        ? ''
        : ` AND d.filename IN (${applies.map((a) => sqlStringLiteral(localPath(a.file.path))).join(', ')})`;
    sql += ` ANTI JOIN (SELECT ${cols.join(', ')} FROM read_parquet(${sqlStringLiteral(localPath(e.file.path))})) AS e${i} ON ${cols
      .map((c) => `d.${c} IS NOT DISTINCT FROM e${i}.${c}`)
      .join(' AND ')}${fileFilter}`;
  });
  return sql;
}

/**
 * read_parquet's `schema` option: columns by Parquet field id, with their current names and types
 * (DuckDB docs, "Reading and Writing Parquet Files", `schema`). Iceberg selects columns by field id,
 * and a field id a data file lacks reads as null here (Iceberg spec, "Column Projection"; its other
 * cases, identity partition values, name mappings and initial defaults, this lake never writes): a
 * file written before a column was added (schema-evolution.ts) reads it as NULL, instead of
 * failing the bind or misreading by name.
 */
function fieldIdProjection(schema: IcebergSchema): string {
  return `MAP {${schema.fields
    .map(
      (f) =>
        `${f.id}: {name: ${sqlStringLiteral(f.name)}, type: ${sqlStringLiteral(duckdbType(f.type))}, default_value: NULL}`,
    )
    .join(', ')}}`;
}

export function bigintReplacer(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}
