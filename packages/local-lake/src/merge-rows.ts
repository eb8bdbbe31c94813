import { duckdbDialect } from '@ddb-athena-sync/core/sql/dialect';
import type { StagingRow } from '@ddb-athena-sync/core/stream/change-row';
import { assertIdentifier, sqlStringLiteral } from '@ddb-athena-sync/schemas/sql-safety';

import { commitChange } from './commit.js';
import type { CommitResult } from './commit.js';
import { keyColumns, partitionKey, WorkArea } from './context.js';
import type { LakeContext } from './context.js';
import { loadRows, writeDataFiles, writePositionDeletes, copyDataFiles } from './data-files.js';
import { RowValueError, SchemaMismatchError, TableExistsError, TableNotFoundError } from './errors.js';
import { liveRowsSql } from './live-rows-sql.js';
import { fileUri } from './snapshot-files.js';
import { currentSchema, currentSnapshot, defaultSpec } from './table-metadata.js';
import {
  TOMBSTONE_DELETED_AT,
  TOMBSTONE_SEQ,
  duckdbTimestamp,
  tombstoneMetadata,
  tombstoneTableName,
} from './tombstones.js';
import type { LoadedTable } from './catalog.js';
import type { ManifestEntry } from './manifest.js';
import type { SnapshotFiles } from './snapshot-files.js';

/** The lake's MERGE of a batch of staged changes, with tombstones (tombstones.ts). */

export interface MergeOutcome {
  readonly rowsRead: number;
  readonly rowsInserted: number;
  readonly rowsUpdated: number;
  readonly rowsDeleted: number;
  /** Undefined when the batch changed nothing (e.g. a replay): no snapshot is committed. */
  readonly commit: CommitResult | undefined;
}

/**
 * Applies a batch of staging rows with the MERGE semantics of DESIGN.md, merge-on-read: per key
 * the row with the greatest `_seq` wins; it deletes/updates a live row only when its `_seq` is
 * greater; a non-matching delete does nothing. Updated and deleted rows get position deletes,
 * new versions go to new data files. Only the key and `_seq` columns of the data files in the
 * partitions the batch touches are read (when the partition source columns are key columns), every
 * column when the batch holds backfill rows (the repair compares values).
 *
 * Backfill repair, core's rule (packages/core/src/sql/render-merge.ts, repairClause): a backfill
 * row that is not newer by `_seq` updates a matched row whose data columns differ when the row's
 * last change is not newer than the Scan (`t._updated_at <= s._updated_at`, the scan time), keeping
 * the row's `_seq` so every later stream change still applies over it. Like every upsert it must
 * be newer than its key's tombstone (core's MERGE source drops older changes).
 */
export async function mergeRows(
  ctx: LakeContext,
  base: LoadedTable,
  rows: readonly StagingRow[],
): Promise<MergeOutcome> {
  const schema = currentSchema(base.metadata);
  const spec = defaultSpec(base.metadata);
  const keys = keyColumns(base.metadata);
  if (keys.length === 0)
    throw new RowValueError(
      base.name,
      '(key)',
      'the table has no identifier fields: merge needs key columns',
    );
  assertColumnsKnown(
    base.name,
    schema.fields.map((f) => f.name),
    rows,
  );
  const baseFiles = await ctx.reader.snapshotFiles(currentSnapshot(base.metadata));
  const tombstones = await tombstoneTable(ctx, base);
  const tombstoneFiles = await ctx.reader.snapshotFiles(currentSnapshot(tombstones.metadata));
  const work = await WorkArea.open(ctx.connection);
  try {
    // Deduplicate per key in JS: the batch is small, and the winners decide the partitions to read.
    const winners = new Map<string, StagingRow>();
    for (const r of rows) {
      const k = JSON.stringify(keys.map((c) => r[c] ?? null));
      const prev = winners.get(k);
      if (prev === undefined || r._seq > prev._seq) winners.set(k, r);
    }
    const lakeRows = [...winners.values()].map((r) => ({ ...r, _updated_at: r._event_time }));
    const src = await loadRows(ctx, work, base, lakeRows, ['_op', '_source']);
    const hasBackfill = lakeRows.some((r) => r._source === 'backfill');
    const prunable = spec.fields.every((f) =>
      keys.includes(schema.fields.find((s) => s.id === f['source-id'])!.name),
    );
    const scope = prunable ? src.partitions : undefined;
    const inScope = (e: ManifestEntry): boolean =>
      scope === undefined || scope.has(partitionKey(e.file.partition));
    const data = baseFiles.data.filter(inScope);
    const deletes = baseFiles.deletes.filter(inScope);
    const t = work.temp('tgt');
    const b = work.temp('tomb');
    const keyCols = keys.map((c) => duckdbDialect.identifier(c));
    const on = (x: string): string => keyCols.map((k) => `${x}.${k} = s.${k}`).join(' AND ');
    await ctx.connection.run(
      `CREATE TEMP TABLE ${t} AS SELECT t.* FROM (${liveRowsSql(data, deletes, schema, { columns: hasBackfill ? undefined : [...keys, '_seq'], withPosition: true })}) AS t SEMI JOIN ${src.table} AS s ON ${on('t')}`,
    );
    // The batch keys' tombstones (tombstones.ts): an upsert must be newer than its key's tombstone.
    await ctx.connection.run(
      `CREATE TEMP TABLE ${b} AS SELECT b.* FROM (${liveRowsSql(tombstoneFiles.data, tombstoneFiles.deletes, currentSchema(tombstones.metadata), { columns: [...keys, TOMBSTONE_SEQ], withPosition: true })}) AS b SEMI JOIN ${src.table} AS s ON ${on('b')}`,
    );
    const newerThanTombstone = `(b._seq IS NULL OR s._seq > b._seq)`;
    const repair = hasBackfill
      ? repairCondition(
          schema.fields.map((f) => f.name),
          keys,
          newerThanTombstone,
        )
      : 'false';
    const counts = await ctx.connection.runAndReadAll(
      `SELECT
         count(*) FILTER (WHERE t._file IS NULL AND s._op <> 'delete' AND ${newerThanTombstone}) AS inserted,
         count(*) FILTER (WHERE t._file IS NOT NULL AND s._seq > t._seq AND s._op <> 'delete' AND ${newerThanTombstone}) AS updated,
         count(*) FILTER (WHERE t._file IS NOT NULL AND s._seq > t._seq AND s._op = 'delete') AS deleted,
         count(*) FILTER (WHERE s._op = 'delete' AND (t._seq IS NULL OR s._seq > t._seq) AND ${newerThanTombstone}) AS tombstoned,
         count(*) FILTER (WHERE ${repair}) AS repaired
       FROM ${src.table} AS s LEFT JOIN ${t} AS t ON ${on('t')} LEFT JOIN ${b} AS b ON ${on('b')}`,
    );
    const c = counts.getRowObjectsJson()[0] as Record<
      'inserted' | 'updated' | 'deleted' | 'tombstoned' | 'repaired',
      number | string
    >;
    const inserted = Number(c.inserted);
    const repaired = Number(c.repaired);
    const updated = Number(c.updated) + repaired;
    const deleted = Number(c.deleted);
    const outcome = {
      rowsRead: rows.length,
      rowsInserted: inserted,
      rowsUpdated: updated,
      rowsDeleted: deleted,
    };
    // Tombstones first (see tombstones.ts for why this order is safe).
    if (Number(c.tombstoned) > 0)
      await raiseTombstones(ctx, work, tombstones, tombstoneFiles, src.table, t, b, on);
    if (inserted + updated + deleted === 0) return { ...outcome, commit: undefined };

    // New versions: not a delete, newer than the key's tombstone, and not matched or matched by
    // an older live row; repaired rows with the scanned values and the row's `_seq`.
    const fromAll = `${src.table} AS s LEFT JOIN ${t} AS t ON ${on('t')} LEFT JOIN ${b} AS b ON ${on('b')}`;
    const insertSql = [
      `SELECT s.* FROM ${src.table} AS s WHERE s._op <> 'delete' AND NOT EXISTS (SELECT 1 FROM ${b} AS b WHERE ${on('b')} AND b._seq >= s._seq) AND (NOT EXISTS (SELECT 1 FROM ${t} AS t WHERE ${on('t')}) OR EXISTS (SELECT 1 FROM ${t} AS t WHERE ${on('t')} AND s._seq > t._seq))`,
      ...(repaired > 0 ? [`SELECT s.* REPLACE (t._seq AS _seq) FROM ${fromAll} WHERE ${repair}`] : []),
    ].join(' UNION ALL ');
    const addedData = await writeDataFiles(ctx, work, base, src, insertSql);
    // Position deletes for every live row that a newer change replaces or deletes.
    const deleteSql = `SELECT DISTINCT t._file AS file_path, t._pos AS pos FROM ${t} AS t JOIN ${src.table} AS s ON ${on('t')} LEFT JOIN ${b} AS b ON ${on('b')} WHERE (s._seq > t._seq AND (s._op = 'delete' OR ${newerThanTombstone})) OR ${repair}`;
    const byFile = new Map(data.map((e) => [e.file.path, e]));
    const addedDeletes = await writePositionDeletes(ctx, work, base, deleteSql, byFile);
    const required = new Set(addedDeletes.flatMap((d) => d.targets));
    const operation = inserted + updated === 0 ? 'delete' : updated + deleted === 0 ? 'append' : 'overwrite';
    const commit = await commitChange(ctx, base, baseFiles, {
      operation,
      added: [...addedData, ...addedDeletes.map((d) => d.file)],
      removed: new Set(),
      scope: scope ?? 'all',
      required,
    });
    return { ...outcome, commit };
  } finally {
    await work.close();
  }
}

/** Staging columns every row carries that are not table columns (core's ChangeMeta). */
const STAGING_ONLY = new Set(['_op', '_source', '_event_time']);

/**
 * A value for a column the table's schema lacks would be dropped without a trace: the declaration
 * gained a column the table was not evolved to (Lake.evolveSchema, which LocalLakeEngine runs before
 * every merge). Refused instead. Null values are what rows staged before a column was dropped carry.
 */
function assertColumnsKnown(table: string, columns: readonly string[], rows: readonly StagingRow[]): void {
  // Names come from table metadata (maybe a foreign writer's): checked like every identifier.
  const known = new Set([...columns.map((c) => assertIdentifier(c)), ...STAGING_ONLY]);
  for (const row of rows)
    for (const [column, value] of Object.entries(row))
      if (!known.has(column) && value !== null)
        throw new SchemaMismatchError(
          table,
          column,
          "staged rows carry this column but the table's schema does not: evolve the table to its declaration first (Lake.evolveSchema or ensureTable)",
        );
}

/**
 * The repair condition over `s` (source), `t` (live row, every column) and `b` (tombstone): see
 * mergeRows. `false` for a table of keys only, as core renders no repair clause for it.
 */
function repairCondition(
  columns: readonly string[],
  keys: readonly string[],
  newerThanTombstone: string,
): string {
  const data = columns.filter((c) => !keys.includes(c) && c !== '_seq' && c !== '_updated_at');
  if (data.length === 0) return 'false';
  const same = data
    .map((c) => `t.${duckdbDialect.identifier(c)} IS NOT DISTINCT FROM s.${duckdbDialect.identifier(c)}`)
    .join(' AND ');
  return `(t._file IS NOT NULL AND NOT (s._seq > t._seq) AND s._source = 'backfill' AND s._op <> 'delete' AND t._updated_at <= s._updated_at AND NOT (${same}) AND ${newerThanTombstone})`;
}

/** The tombstone table of a table (tombstones.ts), created on first use. */
async function tombstoneTable(ctx: LakeContext, base: LoadedTable): Promise<LoadedTable> {
  const name = tombstoneTableName(base.name);
  try {
    return await ctx.catalog.load(base.namespace, name);
  } catch (error) {
    if (!(error instanceof TableNotFoundError)) throw error;
  }
  const location = fileUri(ctx.catalog.tableDir(base.namespace, name));
  try {
    return await ctx.catalog.createTable(
      base.namespace,
      name,
      tombstoneMetadata(base.metadata, location, ctx.clock().getTime()),
    );
  } catch (error) {
    // Another process created it between our load and create.
    if (!(error instanceof TableExistsError)) throw error;
    return ctx.catalog.load(base.namespace, name);
  }
}

/**
 * Records a tombstone for every key of `src` whose change is a delete newer than its row (`t`)
 * and its tombstone (`b`): the old tombstone row gets a position delete, the new one is appended.
 */
async function raiseTombstones(
  ctx: LakeContext,
  work: WorkArea,
  tombstones: LoadedTable,
  tombstoneFiles: SnapshotFiles,
  src: string,
  t: string,
  b: string,
  on: (x: string) => string,
): Promise<void> {
  const keys = keyColumns(tombstones.metadata).map((c) => duckdbDialect.identifier(c));
  const deletedAt = sqlStringLiteral(duckdbTimestamp(ctx.clock()));
  const raised = `s._op = 'delete' AND (t._seq IS NULL OR s._seq > t._seq) AND (b._seq IS NULL OR s._seq > b._seq)`;
  const from = `${src} AS s LEFT JOIN ${t} AS t ON ${on('t')} LEFT JOIN ${b} AS b ON ${on('b')}`;
  const added = await copyDataFiles(
    ctx,
    tombstones,
    `SELECT ${keys.map((k) => `s.${k}`).join(', ')}, s._seq AS ${duckdbDialect.identifier(TOMBSTONE_SEQ)}, CAST(${deletedAt} AS TIMESTAMP) AS ${duckdbDialect.identifier(TOMBSTONE_DELETED_AT)} FROM ${from} WHERE ${raised} ORDER BY ${keys.map((k) => `s.${k}`).join(', ')}`,
    {},
  );
  const superseded = await writePositionDeletes(
    ctx,
    work,
    tombstones,
    `SELECT DISTINCT b._file AS file_path, b._pos AS pos FROM ${from} WHERE ${raised} AND b._file IS NOT NULL`,
    new Map(tombstoneFiles.data.map((e) => [e.file.path, e])),
  );
  await commitChange(ctx, tombstones, tombstoneFiles, {
    operation: superseded.length === 0 ? 'append' : 'overwrite',
    added: [...added, ...superseded.map((d) => d.file)],
    removed: new Set(),
    scope: 'all',
    required: new Set(superseded.flatMap((d) => d.targets)),
  });
}
