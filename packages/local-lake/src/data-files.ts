import { randomUUID } from 'node:crypto';
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';

import { duckdbDialect } from '@ddb-athena-sync/core/sql/dialect';
import { sqlStringLiteral } from '@ddb-athena-sync/schemas/sql-safety';

import { keyColumns, partitionKey } from './context.js';
import type { LakeContext, WorkArea } from './context.js';
import { InvalidMetadataError, RowValueError } from './errors.js';
import { fieldIdsOption, POSITION_DELETE_FILE_PATH_ID, POSITION_DELETE_POS_ID } from './iceberg-schema.js';
import { applyTransform } from './partition-transform.js';
import { fileUri } from './snapshot-files.js';
import { castExpression, readJsonColumns } from './staged-rows.js';
import { currentSchema, defaultSpec } from './table-metadata.js';
import type { LoadedTable } from './catalog.js';
import type { DataFile, ManifestEntry } from './manifest.js';
import type { PartitionValue } from './partition-transform.js';

/**
 * The lake's data files: staged rows loaded into DuckDB with the table's types and partitions,
 * Parquet data files with Iceberg field ids, and position-delete files.
 */

/** A row of the Iceberg table in staging encoding (see @ddb-athena-sync/schemas column-type). */
export type LakeRow = Readonly<Record<string, unknown>>;

/** Staged rows in a DuckDB temp table, with the partition of each row (`_pidx`). */
export interface LoadedRows {
  readonly table: string;
  readonly partitions: Set<string>;
  readonly partitionValues: Map<number, Record<string, PartitionValue>>;
}

/**
 * Loads rows in staging encoding into a DuckDB temp table with the table's types, plus `_pidx`
 * (the index of the row's partition in `partitions`).
 */
export async function loadRows(
  ctx: LakeContext,
  work: WorkArea,
  base: LoadedTable,
  rows: readonly LakeRow[],
  extraColumns: readonly string[] = [],
): Promise<LoadedRows> {
  const schema = currentSchema(base.metadata);
  const spec = defaultSpec(base.metadata);
  const partitions = new Map<string, number>();
  const partitionValues = new Map<number, Record<string, PartitionValue>>();
  const lines: string[] = [];
  for (const row of rows) {
    const partition: Record<string, PartitionValue> = {};
    for (const f of spec.fields) {
      const source = schema.fields.find((s) => s.id === f['source-id'])!;
      try {
        partition[f.name] = applyTransform(f, source.type, row[source.name]);
      } catch (error) {
        throw new RowValueError(
          base.name,
          source.name,
          `cannot compute partition ${f.name}: ${(error as Error).message}`,
          { cause: error },
        );
      }
    }
    const pk = partitionKey(partition);
    let idx = partitions.get(pk);
    if (idx === undefined) {
      idx = partitions.size;
      partitions.set(pk, idx);
      partitionValues.set(idx, partition);
    }
    lines.push(JSON.stringify({ ...row, _pidx: idx }));
  }
  const file = join(work.dir, `${work.temp('rows')}.ndjson`);
  await writeFile(file, lines.join('\n') + '\n');
  const table = work.temp('src');
  const extra: Record<string, string> = Object.fromEntries([
    ...extraColumns.map((c) => [c, 'VARCHAR'] as const),
    ['_pidx', 'INTEGER'] as const,
  ]);
  const select = [
    ...schema.fields.map((f) => `${castExpression(f)} AS ${duckdbDialect.identifier(f.name)}`),
    ...extraColumns.map((c) => duckdbDialect.identifier(c)),
    '_pidx',
  ];
  try {
    await ctx.connection.run(
      `CREATE TEMP TABLE ${table} AS SELECT ${select.join(', ')} FROM read_json(${sqlStringLiteral(file)}, format = 'newline_delimited', columns = ${readJsonColumns(schema.fields, extra)})`,
    );
  } catch (error) {
    // DuckDB names the value and the target type in its conversion error message.
    throw new RowValueError(
      base.name,
      '(row)',
      `a staged value does not fit its column: ${(error as Error).message}`,
      { cause: error },
    );
  }
  return { table, partitions: new Set(partitions.keys()), partitionValues };
}

export async function writeDataFiles(
  ctx: LakeContext,
  work: WorkArea,
  base: LoadedTable,
  src: { table: string; partitionValues: Map<number, Record<string, PartitionValue>> },
  rowsSql: string,
): Promise<DataFile[]> {
  const schema = currentSchema(base.metadata);
  const keys = keyColumns(base.metadata).map((c) => duckdbDialect.identifier(c));
  const out: DataFile[] = [];
  const rowsTable = work.temp('ins');
  await ctx.connection.run(`CREATE TEMP TABLE ${rowsTable} AS ${rowsSql}`);
  for (const [idx, partition] of src.partitionValues) {
    const cols = schema.fields.map((f) => duckdbDialect.identifier(f.name)).join(', ');
    const order = keys.length > 0 ? ` ORDER BY ${keys.join(', ')}` : '';
    out.push(
      ...(await copyDataFiles(
        ctx,
        base,
        `SELECT ${cols} FROM ${rowsTable} WHERE _pidx = ${idx}${order}`,
        partition,
      )),
    );
  }
  return out;
}

/** Writes the rows of `sql` (one partition) as Parquet data files with Iceberg field ids. */

export async function copyDataFiles(
  ctx: LakeContext,
  base: LoadedTable,
  sql: string,
  partition: Record<string, PartitionValue>,
): Promise<DataFile[]> {
  const schema = currentSchema(base.metadata);
  const count = Number(
    (await ctx.connection.runAndReadAll(`SELECT count(*) AS n FROM (${sql})`)).getRowObjectsJson()[0]!.n,
  );
  if (count === 0) return [];
  const out: DataFile[] = [];
  const parts = Math.max(1, Math.ceil(count / ctx.targetFileRows));
  for (let i = 0; i < parts; i++) {
    const slice =
      parts === 1
        ? sql
        : `SELECT * FROM (${sql}) LIMIT ${ctx.targetFileRows} OFFSET ${i * ctx.targetFileRows}`;
    const path = join(
      dirname(base.metadataFile),
      '..',
      'data',
      partitionPath(partition),
      `${randomUUID()}.parquet`,
    );
    const file = resolve(path);
    await mkdir(dirname(file), { recursive: true });
    // FIELD_IDS: Iceberg projects Parquet columns by field id (spec, "Parquet": "Column IDs are
    // required"); iceberg.schema in the footer is what Iceberg writers store (icebird reads it).
    await ctx.connection.run(
      `COPY (${slice}) TO ${sqlStringLiteral(file)} (FORMAT parquet, FIELD_IDS ${fieldIdsOption(schema.fields)}, KV_METADATA {'iceberg.schema': ${sqlStringLiteral(JSON.stringify(schema))}})`,
    );
    const rows = parts === 1 ? count : Math.min(ctx.targetFileRows, count - i * ctx.targetFileRows);
    out.push({
      content: 0,
      path: fileUri(file),
      format: 'PARQUET',
      partition,
      recordCount: BigInt(rows),
      fileSizeInBytes: BigInt((await stat(file)).size),
      equalityIds: null,
      sortOrderId: null,
    });
  }
  return out;
}

export async function writePositionDeletes(
  ctx: LakeContext,
  work: WorkArea,
  base: LoadedTable,
  deleteSql: string,
  byFile: ReadonlyMap<string, ManifestEntry>,
): Promise<{ file: DataFile; targets: string[] }[]> {
  const rowsTable = work.temp('del');
  await ctx.connection.run(`CREATE TEMP TABLE ${rowsTable} AS ${deleteSql}`);
  const targets = (await ctx.connection.runAndReadAll(`SELECT DISTINCT file_path FROM ${rowsTable}`))
    .getRowObjectsJson()
    .map((r) => r.file_path as string);
  const groups = new Map<string, { partition: Readonly<Record<string, PartitionValue>>; files: string[] }>();
  for (const t of targets) {
    const entry = byFile.get(t);
    if (entry === undefined)
      throw new InvalidMetadataError(
        base.metadataFile,
        `position delete targets a file outside the snapshot: ${t}`,
      );
    const k = partitionKey(entry.file.partition);
    let g = groups.get(k);
    if (g === undefined) groups.set(k, (g = { partition: entry.file.partition, files: [] }));
    g.files.push(t);
  }
  const out: { file: DataFile; targets: string[] }[] = [];
  for (const g of groups.values()) {
    const file = resolve(
      join(
        dirname(base.metadataFile),
        '..',
        'data',
        partitionPath(g.partition),
        `${randomUUID()}-deletes.parquet`,
      ),
    );
    await mkdir(dirname(file), { recursive: true });
    const inList = g.files.map((p) => sqlStringLiteral(p)).join(', ');
    const sql = `SELECT file_path, CAST(pos AS BIGINT) AS pos FROM ${rowsTable} WHERE file_path IN (${inList}) ORDER BY file_path, pos`;
    const n = Number(
      (await ctx.connection.runAndReadAll(`SELECT count(*) AS n FROM (${sql})`)).getRowObjectsJson()[0]!.n,
    );
    // Position delete files: file_path and pos with reserved field ids, sorted (spec, "Position Delete Files").
    await ctx.connection.run(
      `COPY (${sql}) TO ${sqlStringLiteral(file)} (FORMAT parquet, FIELD_IDS {file_path: ${POSITION_DELETE_FILE_PATH_ID}, pos: ${POSITION_DELETE_POS_ID}})`,
    );
    out.push({
      file: {
        content: 1,
        path: fileUri(file),
        format: 'PARQUET',
        partition: g.partition,
        recordCount: BigInt(n),
        fileSizeInBytes: BigInt((await stat(file)).size),
        equalityIds: null,
        sortOrderId: null,
      },
      targets: g.files,
    });
  }
  return out;
}

function partitionPath(partition: Readonly<Record<string, PartitionValue>>): string {
  const parts = Object.entries(partition).map(
    ([k, v]) => `${k}=${v === null ? 'null' : encodeURIComponent(String(v))}`,
  );
  return parts.length === 0 ? '.' : parts.join('/');
}
