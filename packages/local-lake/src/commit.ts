import { randomBytes, randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

import { partitionKey } from './context.js';
import type { LakeContext } from './context.js';
import { CommitConflictError, CommitRetriesExhaustedError } from './errors.js';
import { encodeManifest, encodeManifestList, summarizePartitions } from './manifest.js';
import { fileUri } from './snapshot-files.js';
import { currentSchema, currentSnapshot, defaultSpec } from './table-metadata.js';
import type { LoadedTable } from './catalog.js';
import type { DataFile, EntryToWrite, ManifestEntry, ManifestFile } from './manifest.js';
import type { SnapshotFiles } from './snapshot-files.js';
import type { Snapshot, TableMetadata } from './table-metadata.js';

/**
 * The lake's optimistic commit (one commit method per table: the catalog's exclusive creation of
 * `v<N+1>.metadata.json`, see catalog.ts): manifests, manifest list, snapshot with an exact summary,
 * and the validation that decides whether a change may be rebased onto a concurrent commit.
 */

export interface CommitResult {
  readonly version: number;
  readonly snapshotId: bigint;
  readonly sequenceNumber: bigint;
}

/** One change to commit. */
export interface Change {
  readonly operation: 'append' | 'overwrite' | 'delete' | 'replace';
  readonly added: readonly DataFile[];
  /** Paths (URIs) of live data/delete files this change removes. */
  readonly removed: ReadonlySet<string>;
  /** Partitions whose live file set must be unchanged since the base ('all': every partition). */
  readonly scope: 'none' | 'all' | ReadonlySet<string>;
  /** Files that must still be live at commit time. */
  readonly required: ReadonlySet<string>;
}

export const METADATA_PREVIOUS_VERSIONS_MAX = 100;

function randomSnapshotId(): bigint {
  // Positive 63-bit ids, like Java's: exercises the lossless JSON path on every commit.
  return randomBytes(8).readBigUInt64BE() & 0x7fffffffffffffffn;
}

export function nextMetadataLog(base: LoadedTable): TableMetadata['metadata-log'] {
  const m = base.metadata;
  return [
    ...m['metadata-log'],
    { 'timestamp-ms': m['last-updated-ms'], 'metadata-file': fileUri(base.metadataFile) },
  ].slice(-METADATA_PREVIOUS_VERSIONS_MAX);
}

/**
 * Optimistic commit: writes the change's manifests once, then for each attempt builds a manifest
 * list and metadata on the latest version and compare-and-swaps it in. Before rebasing onto a
 * version other writers committed, checks the change's scope: partitions it read or rewrote must
 * hold the same live files, files it depends on must still be live; otherwise CommitConflictError.
 */
export async function commitChange(
  ctx: LakeContext,
  base: LoadedTable,
  baseFiles: SnapshotFiles,
  change: Change,
): Promise<CommitResult> {
  const schema = currentSchema(base.metadata);
  const spec = defaultSpec(base.metadata);
  const snapshotId = randomSnapshotId();
  const metaDir = dirname(base.metadataFile);
  const addedManifests: { file: ManifestFile; entries: EntryToWrite[] }[] = [];
  for (const content of [0, 1] as const) {
    const files = change.added.filter((f) => (content === 0 ? f.content === 0 : f.content !== 0));
    if (files.length === 0) continue;
    // ADDED entries leave sequence numbers null: inherited from the manifest list entry, so the
    // same manifest stays valid when the commit is rebased onto a newer version.
    const entries: EntryToWrite[] = files.map((file) => ({
      status: 1,
      snapshotId,
      sequenceNumber: null,
      fileSequenceNumber: null,
      file,
    }));
    const path = join(metaDir, `${randomUUID()}-m${content}.avro`);
    const buf = encodeManifest(entries, spec, schema, content);
    await writeFile(path, buf);
    addedManifests.push({
      entries,
      file: {
        path: fileUri(path),
        length: BigInt(buf.length),
        specId: spec['spec-id'],
        content,
        sequenceNumber: -1n,
        minSequenceNumber: -1n,
        addedSnapshotId: snapshotId,
        addedFilesCount: entries.length,
        existingFilesCount: 0,
        deletedFilesCount: 0,
        addedRowsCount: files.reduce((n, f) => n + f.recordCount, 0n),
        existingRowsCount: 0n,
        deletedRowsCount: 0n,
        partitions: summarizePartitions(entries, spec, schema),
      },
    });
  }

  for (let attempt = 0; attempt < ctx.maxAttempts; attempt++) {
    const current = attempt === 0 ? base : await ctx.catalog.load(base.namespace, base.name);
    const currentFiles =
      current.version === base.version
        ? baseFiles
        : await ctx.reader.snapshotFiles(currentSnapshot(current.metadata));
    if (current.version !== base.version) validate(base, current, baseFiles, currentFiles, change);
    const m = current.metadata;
    const seq = m['last-sequence-number'] + 1n;
    const now = Math.max(ctx.clock().getTime(), m['last-updated-ms']);

    const manifests: ManifestFile[] = addedManifests.map((a) => ({
      ...a.file,
      sequenceNumber: seq,
      minSequenceNumber: seq,
    }));
    for (const mf of currentFiles.manifests) {
      const entries = currentFiles.entriesByManifest.get(mf.path) ?? [];
      if (!entries.some((e) => e.status !== 2 && change.removed.has(e.file.path))) {
        manifests.push(mf);
        continue;
      }
      // Rewrite: kept files become EXISTING, removed ones DELETED by this snapshot; both keep
      // their original sequence numbers (spec, "Manifest Entry Fields").
      const rewritten: EntryToWrite[] = entries
        .filter((e) => e.status !== 2)
        .map((e) => ({
          status: change.removed.has(e.file.path) ? 2 : 0,
          snapshotId: change.removed.has(e.file.path) ? snapshotId : e.snapshotId,
          sequenceNumber: e.sequenceNumber,
          fileSequenceNumber: e.fileSequenceNumber,
          file: e.file,
        }));
      const path = join(metaDir, `${randomUUID()}-m${mf.content}.avro`);
      const buf = encodeManifest(rewritten, spec, schema, mf.content);
      await writeFile(path, buf);
      const rows = (s: number): bigint =>
        rewritten.filter((e) => e.status === s).reduce((n, e) => n + e.file.recordCount, 0n);
      manifests.push({
        path: fileUri(path),
        length: BigInt(buf.length),
        specId: mf.specId,
        content: mf.content,
        sequenceNumber: seq,
        minSequenceNumber: rewritten.reduce(
          (min, e) => (e.sequenceNumber! < min ? e.sequenceNumber! : min),
          seq,
        ),
        addedSnapshotId: snapshotId,
        addedFilesCount: 0,
        existingFilesCount: rewritten.filter((e) => e.status === 0).length,
        deletedFilesCount: rewritten.filter((e) => e.status === 2).length,
        addedRowsCount: 0n,
        existingRowsCount: rows(0),
        deletedRowsCount: rows(2),
        partitions: summarizePartitions(rewritten, spec, schema),
      });
    }

    const parent = m['current-snapshot-id'];
    const listPath = join(metaDir, `snap-${snapshotId}-${attempt}-${randomUUID()}.avro`);
    await writeFile(
      listPath,
      encodeManifestList(manifests, { snapshotId, parentSnapshotId: parent ?? null, sequenceNumber: seq }),
    );

    const live = [...currentFiles.data, ...currentFiles.deletes]
      .filter((e) => !change.removed.has(e.file.path))
      .map((e) => e.file);
    live.push(...change.added);
    const removedFiles = [...currentFiles.data, ...currentFiles.deletes]
      .filter((e) => change.removed.has(e.file.path))
      .map((e) => e.file);
    const snapshot: Snapshot = {
      'snapshot-id': snapshotId,
      ...(parent === undefined ? {} : { 'parent-snapshot-id': parent }),
      'sequence-number': seq,
      'timestamp-ms': now,
      'manifest-list': fileUri(listPath),
      summary: summarize(change, removedFiles, live),
      'schema-id': schema['schema-id'],
    };
    const next: TableMetadata = {
      ...m,
      'last-sequence-number': seq,
      'last-updated-ms': now,
      'current-snapshot-id': snapshotId,
      snapshots: [...m.snapshots, snapshot],
      'snapshot-log': [...m['snapshot-log'], { 'timestamp-ms': now, 'snapshot-id': snapshotId }],
      'metadata-log': nextMetadataLog(current),
      refs: { ...m.refs, main: { 'snapshot-id': snapshotId, type: 'branch' } },
    };
    await ctx.beforeCommit?.(`${base.namespace}.${base.name}`, attempt);
    const committed = await ctx.catalog.commit(current, next);
    if (committed !== undefined) return { version: committed.version, snapshotId, sequenceNumber: seq };
  }
  throw new CommitRetriesExhaustedError(`${base.namespace}.${base.name}`, ctx.maxAttempts);
}

function validate(
  base: LoadedTable,
  current: LoadedTable,
  baseFiles: SnapshotFiles,
  currentFiles: SnapshotFiles,
  change: Change,
): void {
  const label = `${base.namespace}.${base.name}`;
  const all = (f: SnapshotFiles): ManifestEntry[] => [...f.data, ...f.deletes];
  const livePaths = new Set(all(currentFiles).map((e) => e.file.path));
  for (const p of change.required) {
    if (!livePaths.has(p))
      throw new CommitConflictError(
        label,
        base.version,
        current.version,
        `file ${p} was removed by a concurrent commit`,
      );
  }
  if (change.scope === 'none') return;
  const scope = change.scope;
  const inScope = (e: ManifestEntry): boolean => scope === 'all' || scope.has(partitionKey(e.file.partition));
  const before = all(baseFiles)
    .filter(inScope)
    .map((e) => e.file.path)
    .sort();
  const after = all(currentFiles)
    .filter(inScope)
    .map((e) => e.file.path)
    .sort();
  if (before.length !== after.length || before.some((p, i) => p !== after[i])) {
    throw new CommitConflictError(
      label,
      base.version,
      current.version,
      'a concurrent commit changed the partitions this change read or rewrote',
    );
  }
}

/** Snapshot summary with exact totals (spec, "Snapshot Summary" / Java's SnapshotSummary keys). */
function summarize(
  change: Change,
  removed: readonly DataFile[],
  live: readonly DataFile[],
): Record<string, string> {
  const sum = (
    files: readonly DataFile[],
    pred: (f: DataFile) => boolean,
    f: (x: DataFile) => bigint,
  ): string =>
    files
      .filter(pred)
      .reduce((n, x) => n + f(x), 0n)
      .toString();
  const count = (files: readonly DataFile[], pred: (f: DataFile) => boolean): string =>
    String(files.filter(pred).length);
  const isData = (f: DataFile): boolean => f.content === 0;
  const isDelete = (f: DataFile): boolean => f.content !== 0;
  const isPos = (f: DataFile): boolean => f.content === 1;
  const isEq = (f: DataFile): boolean => f.content === 2;
  const rec = (f: DataFile): bigint => f.recordCount;
  const size = (f: DataFile): bigint => f.fileSizeInBytes;
  const all = (): boolean => true;
  const partitions = new Set([...change.added, ...removed].map((f) => partitionKey(f.partition)));
  return {
    operation: change.operation,
    'added-data-files': count(change.added, isData),
    'deleted-data-files': count(removed, isData),
    'added-records': sum(change.added, isData, rec),
    'deleted-records': sum(removed, isData, rec),
    'added-delete-files': count(change.added, isDelete),
    'removed-delete-files': count(removed, isDelete),
    'added-position-deletes': sum(change.added, isPos, rec),
    'removed-position-deletes': sum(removed, isPos, rec),
    'added-equality-deletes': sum(change.added, isEq, rec),
    'removed-equality-deletes': sum(removed, isEq, rec),
    'added-files-size': sum(change.added, all, size),
    'removed-files-size': sum(removed, all, size),
    'changed-partition-count': String(partitions.size),
    'total-records': sum(live, isData, rec),
    'total-files-size': sum(live, all, size),
    'total-data-files': count(live, isData),
    'total-delete-files': count(live, isDelete),
    'total-position-deletes': sum(live, isPos, rec),
    'total-equality-deletes': sum(live, isEq, rec),
  };
}
