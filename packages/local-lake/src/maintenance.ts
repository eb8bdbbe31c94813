import { readdir, stat, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';

import { duckdbDialect } from '@ddb-athena-sync/core/sql/dialect';
import { sqlStringLiteral } from '@ddb-athena-sync/schemas/sql-safety';

import { commitChange, nextMetadataLog } from './commit.js';
import type { CommitResult } from './commit.js';
import { keyColumns, partitionKey, WorkArea } from './context.js';
import type { LakeContext } from './context.js';
import { copyDataFiles } from './data-files.js';
import { CommitRetriesExhaustedError, TableNotFoundError } from './errors.js';
import { liveRowsSql } from './live-rows-sql.js';
import { fileUri, localPath } from './snapshot-files.js';
import { applyTransform } from './partition-transform.js';
import { currentSchema, currentSnapshot, defaultSpec } from './table-metadata.js';
import { TOMBSTONE_DELETED_AT, duckdbTimestamp, tombstoneTableName } from './tombstones.js';
import type { LoadedTable } from './catalog.js';
import type { DataFile, ManifestEntry } from './manifest.js';
import type { PartitionValue } from './partition-transform.js';
import type { Snapshot, TableMetadata } from './table-metadata.js';

/**
 * Table maintenance: compaction (Athena's OPTIMIZE), snapshot expiry and orphan-file removal
 * (Athena's VACUUM), and the expiry of tombstones past their retention (tombstones.ts).
 */

export interface OptimizeOutcome {
  readonly rewrittenDataFiles: number;
  readonly removedDeleteFiles: number;
  readonly addedDataFiles: number;
  readonly commit: CommitResult | undefined;
}

export interface OptimizeOptions {
  /**
   * Compact only the partitions from the one holding this instant on (Athena: `OPTIMIZE ... WHERE
   * <partition predicate>`, see core's `recentPartitions`), when the spec has a year/month/day/hour
   * field; every partition otherwise.
   */
  readonly since?: Date;
}

/**
 * Whether a partition is at or after `since` by the spec's first temporal field (the transform of
 * `since` itself, so the comparison is in partition units); no filter without `since` or such a field.
 */
function recentPartitionFilter(
  m: TableMetadata,
  since: Date | undefined,
): (partition: Readonly<Record<string, PartitionValue>>) => boolean {
  if (since === undefined) return () => true;
  const schema = currentSchema(m);
  const field = defaultSpec(m).fields.find((f) => ['year', 'month', 'day', 'hour'].includes(f.transform));
  const source = schema.fields.find((f) => f.id === field?.['source-id']);
  if (field === undefined || source === undefined) return () => true;
  const text = since.toISOString().slice(0, 23).replace('T', ' ');
  const threshold = applyTransform(field, source.type, source.type === 'date' ? text.slice(0, 10) : text);
  return (partition) => {
    const value = partition[field.name];
    return value === null || value === undefined || threshold === null || Number(value) >= Number(threshold);
  };
}

export interface ExpireOptions {
  /** Snapshots that stopped being current before this time may be expired. */
  readonly olderThan: Date;
  /** The newest `keepLast` snapshots of the current branch are always kept (at least 1). */
  readonly keepLast: number;
}

export interface ExpireOutcome {
  readonly expiredSnapshots: number;
  readonly deletedFiles: number;
  readonly version: number | undefined;
}

/**
 * Compaction (Athena's OPTIMIZE ... REWRITE DATA USING BIN_PACK): every partition with delete
 * files or more than one data file is rewritten into files of at most `targetFileRows` rows with
 * the deletes applied, and its old data and delete files are removed in a `replace` snapshot.
 */
export async function optimizeTable(
  ctx: LakeContext,
  base: LoadedTable,
  options: OptimizeOptions = {},
): Promise<OptimizeOutcome> {
  const schema = currentSchema(base.metadata);
  const recent = recentPartitionFilter(base.metadata, options.since);
  const baseFiles = await ctx.reader.snapshotFiles(currentSnapshot(base.metadata));
  const groups = new Map<string, { data: ManifestEntry[]; deletes: ManifestEntry[] }>();
  const group = (e: ManifestEntry): { data: ManifestEntry[]; deletes: ManifestEntry[] } => {
    const k = partitionKey(e.file.partition);
    let g = groups.get(k);
    if (g === undefined) groups.set(k, (g = { data: [], deletes: [] }));
    return g;
  };
  for (const e of baseFiles.data) group(e).data.push(e);
  for (const e of baseFiles.deletes) group(e).deletes.push(e);
  const chosen = [...groups.entries()].filter(
    ([, g]) =>
      (g.deletes.length > 0 || g.data.length > 1) && recent((g.data[0] ?? g.deletes[0])!.file.partition),
  );
  if (chosen.length === 0)
    return { rewrittenDataFiles: 0, removedDeleteFiles: 0, addedDataFiles: 0, commit: undefined };
  const work = await WorkArea.open(ctx.connection);
  try {
    const keys = keyColumns(base.metadata).map((c) => duckdbDialect.identifier(c));
    const added: DataFile[] = [];
    const removed = new Set<string>();
    for (const [, g] of chosen) {
      const partition = (g.data[0] ?? g.deletes[0])!.file.partition;
      const order = keys.length > 0 ? ` ORDER BY ${keys.join(', ')}` : '';
      const live = `${liveRowsSql(g.data, g.deletes, schema)}${order}`;
      added.push(...(await copyDataFiles(ctx, base, live, partition)));
      for (const e of [...g.data, ...g.deletes]) removed.add(e.file.path);
    }
    const commit = await commitChange(ctx, base, baseFiles, {
      operation: 'replace',
      added,
      removed,
      scope: new Set(chosen.map(([k]) => k)),
      required: removed,
    });
    return {
      rewrittenDataFiles: chosen.reduce((n, [, g]) => n + g.data.length, 0),
      removedDeleteFiles: chosen.reduce((n, [, g]) => n + g.deletes.length, 0),
      addedDataFiles: added.length,
      commit,
    };
  } finally {
    await work.close();
  }
}

/**
 * Removes snapshots from the metadata and deletes the files only they reference. A snapshot is
 * expired only when it stopped being current before `olderThan` (not merely was created before
 * it), so a reader that picked a snapshot within the retention window can always finish.
 */
export async function expireSnapshots(
  ctx: LakeContext,
  ref: { readonly namespace: string; readonly name: string },
  options: ExpireOptions,
): Promise<ExpireOutcome> {
  const cutoff = options.olderThan.getTime();
  for (let attempt = 0; attempt < ctx.maxAttempts; attempt++) {
    const base = await ctx.catalog.load(ref.namespace, ref.name);
    const m = base.metadata;
    const retained = new Set<bigint>();
    let cursor = currentSnapshot(m);
    for (let i = 0; cursor !== undefined && i < Math.max(1, options.keepLast); i++) {
      retained.add(cursor['snapshot-id']);
      const parent = cursor['parent-snapshot-id'];
      cursor = parent === undefined ? undefined : m.snapshots.find((s) => s['snapshot-id'] === parent);
    }
    for (const r of Object.values(m.refs)) retained.add(r['snapshot-id']);
    const log = m['snapshot-log'];
    for (const s of m.snapshots) {
      const idx = log.findIndex((e) => e['snapshot-id'] === s['snapshot-id']);
      const supersededAt =
        idx >= 0 && idx + 1 < log.length ? log[idx + 1]!['timestamp-ms'] : Number.POSITIVE_INFINITY;
      if (s['timestamp-ms'] >= cutoff || supersededAt >= cutoff) retained.add(s['snapshot-id']);
    }
    const expired = m.snapshots.filter((s) => !retained.has(s['snapshot-id']));
    if (expired.length === 0) return { expiredSnapshots: 0, deletedFiles: 0, version: undefined };
    const kept = m.snapshots.filter((s) => retained.has(s['snapshot-id']));
    const next: TableMetadata = {
      ...m,
      'last-updated-ms': Math.max(ctx.clock().getTime(), m['last-updated-ms']),
      snapshots: kept,
      'snapshot-log': log.filter((e) => retained.has(e['snapshot-id'])),
      'metadata-log': nextMetadataLog(base),
    };
    const committed = await ctx.catalog.commit(base, next);
    if (committed === undefined) continue;
    // Only after the commit: files reachable from expired snapshots and from no kept one.
    const keep = await reachable(ctx, kept);
    const drop = await reachable(ctx, expired);
    let deletedFiles = 0;
    for (const f of drop) {
      if (keep.has(f)) continue;
      await unlink(localPath(f)).then(
        () => deletedFiles++,
        () => undefined,
      );
    }
    return { expiredSnapshots: expired.length, deletedFiles, version: committed.version };
  }
  throw new CommitRetriesExhaustedError(`${ref.namespace}.${ref.name}`, ctx.maxAttempts);
}

/**
 * Deletes files under the table directory that no metadata references (left by crashed or
 * conflicting writers) and that are older than `olderThan`, so in-flight commits are safe.
 */
export async function removeOrphanFiles(
  ctx: LakeContext,
  base: LoadedTable,
  options: { olderThan: Date },
): Promise<{ deletedFiles: number }> {
  const m = base.metadata;
  const referenced = await reachable(ctx, m.snapshots);
  const metaDir = dirname(base.metadataFile);
  const keepMeta = new Set([
    base.metadataFile,
    join(metaDir, 'version-hint.text'),
    ...m['metadata-log'].map((e) => localPath(e['metadata-file'])),
  ]);
  const tableDir = dirname(metaDir);
  let deletedFiles = 0;
  const walk = async (dir: string): Promise<void> => {
    for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
      const p = join(dir, e.name);
      if (e.isDirectory()) {
        await walk(p);
        continue;
      }
      if (referenced.has(fileUri(p)) || keepMeta.has(p)) continue;
      const version = /^v(\d+)\.metadata\.json$/.exec(e.name);
      if (version && Number(version[1]) >= base.version) continue; // a newer commit
      const st = await stat(p).catch(() => undefined);
      if (st === undefined || st.mtimeMs >= options.olderThan.getTime()) continue;
      await unlink(p).then(
        () => deletedFiles++,
        () => undefined,
      );
    }
  };
  await walk(join(tableDir, 'data'));
  await walk(metaDir);
  return { deletedFiles };
}

/**
 * Drops the tombstones of `table` recorded before `olderThan` (maintenance, see tombstones.ts):
 * the tombstone table is rewritten with the younger ones in one `replace` snapshot.
 */
export async function expireTombstones(
  ctx: LakeContext,
  base: LoadedTable,
  options: { olderThan: Date },
): Promise<{ droppedTombstones: number }> {
  let tombstones: LoadedTable;
  try {
    tombstones = await ctx.catalog.load(base.namespace, tombstoneTableName(base.name));
  } catch (error) {
    if (error instanceof TableNotFoundError) return { droppedTombstones: 0 };
    throw error;
  }
  const files = await ctx.reader.snapshotFiles(currentSnapshot(tombstones.metadata));
  if (files.data.length === 0) return { droppedTombstones: 0 };
  const live = liveRowsSql(files.data, files.deletes, currentSchema(tombstones.metadata));
  const cutoff = `CAST(${sqlStringLiteral(duckdbTimestamp(options.olderThan))} AS TIMESTAMP)`;
  const deletedAt = duckdbDialect.identifier(TOMBSTONE_DELETED_AT);
  const counted = await ctx.connection.runAndReadAll(
    `SELECT count(*) FILTER (WHERE ${deletedAt} < ${cutoff}) AS dropped FROM (${live})`,
  );
  const dropped = Number(counted.getRowObjectsJson()[0]!.dropped);
  if (dropped === 0) return { droppedTombstones: 0 };
  const work = await WorkArea.open(ctx.connection);
  try {
    const keys = keyColumns(tombstones.metadata).map((c) => duckdbDialect.identifier(c));
    const added = await copyDataFiles(
      ctx,
      tombstones,
      `SELECT * FROM (${live}) WHERE ${deletedAt} >= ${cutoff} ORDER BY ${keys.join(', ')}`,
      {},
    );
    const removed = new Set([...files.data, ...files.deletes].map((e) => e.file.path));
    await commitChange(ctx, tombstones, files, {
      operation: 'replace',
      added,
      removed,
      scope: 'all',
      required: removed,
    });
    return { droppedTombstones: dropped };
  } finally {
    await work.close();
  }
}

async function reachable(ctx: LakeContext, snapshots: readonly Snapshot[]): Promise<Set<string>> {
  const out = new Set<string>();
  for (const s of snapshots) {
    const files = await ctx.reader.snapshotFiles(s);
    out.add(s['manifest-list']);
    for (const mf of files.manifests) out.add(mf.path);
    for (const e of [...files.data, ...files.deletes]) out.add(e.file.path);
  }
  return out;
}
