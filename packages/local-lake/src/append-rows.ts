import { duckdbDialect } from '@ddb-athena-sync/core/sql/dialect';
import type { StagingRow } from '@ddb-athena-sync/core/stream/change-row';

import { commitChange } from './commit.js';
import { keyColumns, partitionKey, WorkArea } from './context.js';
import type { LakeContext } from './context.js';
import { loadRows, writeDataFiles } from './data-files.js';
import { RowValueError } from './errors.js';
import { liveRowsSql } from './live-rows-sql.js';
import { currentSchema, currentSnapshot } from './table-metadata.js';
import type { LoadedTable } from './catalog.js';
import type { ManifestEntry } from './manifest.js';
import type { MergeOutcome } from './merge-rows.js';

/** What an append did, and what it read of the table (for the benchmark's bytes-per-append). */
export interface AppendOutcome extends MergeOutcome {
  /** Live data files of the table the append read (those in the partitions the batch touches). */
  readonly filesRead: number;
  /** Their size in bytes, against `tableBytes`, the size of every live data file. */
  readonly bytesRead: number;
  readonly tableBytes: number;
}

/**
 * The lake's append of a batch of an append-mode table: core's insert-only MERGE
 * (packages/core/src/sql/render-append.ts) on Iceberg files.
 *
 * - one row per key, the first staged insert (lowest `_seq`); deletes are never inserted;
 * - a key is inserted only when no live row has it (WHEN NOT MATCHED), so a replayed or duplicated
 *   batch inserts nothing twice;
 * - only the partitions the batch touches are read: an append table's items never change, so a
 *   key's live row sits in the partition its staged insert computes (the ON clause's restriction in
 *   core), and only the key columns of those files are read;
 * - the commit is an Iceberg `append` that conflicts with a concurrent commit in the same
 *   partitions (the same key inserted by two writers at once would otherwise land twice); the
 *   engine re-runs it on the new state, where the other writer's rows are matched.
 */
export async function appendRows(
  ctx: LakeContext,
  base: LoadedTable,
  rows: readonly StagingRow[],
): Promise<AppendOutcome> {
  const keys = keyColumns(base.metadata);
  if (keys.length === 0)
    throw new RowValueError(
      base.name,
      '(key)',
      'the table has no identifier fields: append needs key columns',
    );
  const first = new Map<string, StagingRow>();
  for (const r of rows) {
    if (r._op === 'delete') continue;
    const k = JSON.stringify(keys.map((c) => r[c] ?? null));
    const prev = first.get(k);
    if (prev === undefined || r._seq < prev._seq) first.set(k, r);
  }
  const baseFiles = await ctx.reader.snapshotFiles(currentSnapshot(base.metadata));
  const tableBytes = baseFiles.data.reduce((n, e) => n + Number(e.file.fileSizeInBytes), 0);
  const none = { rowsRead: rows.length, rowsInserted: 0, rowsUpdated: 0, rowsDeleted: 0, commit: undefined };
  if (first.size === 0) return { ...none, filesRead: 0, bytesRead: 0, tableBytes };
  const work = await WorkArea.open(ctx.connection);
  try {
    const lakeRows = [...first.values()].map((r) => ({ ...r, _updated_at: r._event_time }));
    const src = await loadRows(ctx, work, base, lakeRows, ['_op', '_source']);
    const inScope = (e: ManifestEntry): boolean => src.partitions.has(partitionKey(e.file.partition));
    const data = baseFiles.data.filter(inScope);
    const deletes = baseFiles.deletes.filter(inScope);
    const bytesRead = data.reduce((n, e) => n + Number(e.file.fileSizeInBytes), 0);
    const t = work.temp('tgt');
    const keyCols = keys.map((c) => duckdbDialect.identifier(c));
    const on = keyCols.map((k) => `t.${k} = s.${k}`).join(' AND ');
    await ctx.connection.run(
      `CREATE TEMP TABLE ${t} AS SELECT t.* FROM (${liveRowsSql(data, deletes, currentSchema(base.metadata), { columns: keys })}) AS t SEMI JOIN ${src.table} AS s ON ${on}`,
    );
    const insertSql = `SELECT s.* FROM ${src.table} AS s WHERE NOT EXISTS (SELECT 1 FROM ${t} AS t WHERE ${on})`;
    const inserted = Number(
      (await ctx.connection.runAndReadAll(`SELECT count(*) AS n FROM (${insertSql})`)).getRowObjectsJson()[0]!
        .n,
    );
    const read = { filesRead: data.length, bytesRead, tableBytes };
    if (inserted === 0) return { ...none, ...read };
    const added = await writeDataFiles(ctx, work, base, src, insertSql);
    const commit = await commitChange(ctx, base, baseFiles, {
      operation: 'append',
      added,
      removed: new Set(),
      scope: src.partitions,
      required: new Set(),
    });
    return { ...none, rowsInserted: inserted, commit, ...read };
  } finally {
    await work.close();
  }
}
