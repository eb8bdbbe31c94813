import { GetObjectCommand } from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';
import { readAllStagingRows } from '@ddb-athena-sync/core/staging/staging-object';
import type {
  MaintenanceOptions,
  MaintenanceResult,
  MergeBatch,
  MergeEngine,
  MergeResult,
} from '@ddb-athena-sync/core/merge/engine';
import type { StagingRow } from '@ddb-athena-sync/core/stream/change-row';
import { parseStagedTimestamp } from '@ddb-athena-sync/core/stream/timestamp';
import type { TableDeclaration } from '@ddb-athena-sync/schemas/declaration';

import { CommitConflictError, StagedObjectReadError, TableNotFoundError } from './errors.js';
import type { Lake, MergeOutcome } from './lake.js';
import { DEFAULT_TOMBSTONE_RETENTION_MS, tombstoneTableName } from './tombstones.js';

export interface LocalLakeEngineDeps {
  readonly lake: Lake;
  /** Where the staged objects are (s3rver locally). */
  readonly s3: S3Client;
  /** Re-runs of a merge that lost a conflicting commit race (replays are no-ops; default 3). */
  readonly conflictRetries?: number;
  /**
   * How long maintenance keeps a tombstone (see tombstones.ts): at least the stream retention (24 h)
   * plus the event source mapping's maximum record age. Default 30 h. `maintain` options may
   * override it per call.
   */
  readonly tombstoneRetentionMs?: number;
}

/** Maintenance options, with the tombstone retention the merger may pass. */
export type LocalMaintenanceOptions = MaintenanceOptions & {
  readonly tombstoneRetentionMs?: number;
  /** Compact only partitions from the one holding this instant on (temporal partitioning only). */
  readonly compactSince?: Date;
};

/**
 * The MergeEngine port on the local lake (dialect `duckdb`): reads exactly the batch's staged
 * objects from S3 and applies them in one lake commit. One commit for the whole batch is
 * equivalent to applying backfill objects first: backfill rows carry `_seq` 0 and lose every
 * comparison with a stream row, both within the batch and against the table.
 */
export class LocalLakeEngine implements MergeEngine {
  private readonly lake: Lake;
  private readonly s3: S3Client;
  private readonly conflictRetries: number;
  private readonly tombstoneRetentionMs: number;

  constructor(deps: LocalLakeEngineDeps) {
    this.lake = deps.lake;
    this.s3 = deps.s3;
    this.conflictRetries = deps.conflictRetries ?? 3;
    this.tombstoneRetentionMs = deps.tombstoneRetentionMs ?? DEFAULT_TOMBSTONE_RETENTION_MS;
  }

  async ensureTable(table: TableDeclaration): Promise<void> {
    await this.lake.ensureTable(table);
  }

  async merge(batch: MergeBatch, signal?: AbortSignal): Promise<MergeResult> {
    const ordered = [...batch.objects].sort((a, b) =>
      a.source === b.source ? a.key.localeCompare(b.key) : a.source === 'backfill' ? -1 : 1,
    );
    const rows: StagingRow[] = [];
    for (const object of ordered) {
      signal?.throwIfAborted();
      let body: unknown;
      try {
        const response = await this.s3.send(new GetObjectCommand({ Bucket: batch.bucket, Key: object.key }), {
          abortSignal: signal,
        });
        body = response.Body;
      } catch (error) {
        throw new StagedObjectReadError(batch.bucket, object.key, { cause: error });
      }
      if (body === undefined) throw new StagedObjectReadError(batch.bucket, object.key);
      // The SDK's Node body is a Readable (an AsyncIterable of chunks).
      rows.push(...(await readAllStagingRows(body as AsyncIterable<Uint8Array>, object.key)));
    }
    // For the freshness metric: the protocol need not read the objects a second time.
    let oldest: string | undefined;
    for (const row of rows) if (oldest === undefined || row._event_time < oldest) oldest = row._event_time;
    const oldestEventTime = oldest === undefined ? undefined : parseStagedTimestamp(oldest);
    // Schema evolution first: a column the declaration gained is added to the table, so the merge
    // writes it instead of dropping it (schema-evolution.ts); an incompatible change fails here.
    await this.lake.evolveSchema(batch.table);
    for (let attempt = 0; ; attempt++) {
      signal?.throwIfAborted();
      try {
        // Append tables: the insert-only append (append-rows.ts); merge tables: MERGE with tombstones.
        const outcome: MergeOutcome & { readonly bytesRead?: number } =
          batch.table.mode === 'append'
            ? await this.lake.appendNew(batch.table.name, rows)
            : await this.lake.merge(batch.table.name, rows);
        return {
          ...(oldestEventTime === undefined ? {} : { oldestEventTime }),
          rowsRead: outcome.rowsRead,
          rowsInserted: outcome.rowsInserted,
          rowsUpdated: outcome.rowsUpdated,
          rowsDeleted: outcome.rowsDeleted,
          // What an append read of the table: the data files of the partitions the batch touches.
          ...(outcome.bytesRead === undefined ? {} : { bytesScanned: outcome.bytesRead }),
          ...(outcome.commit === undefined ? {} : { snapshotId: outcome.commit.snapshotId.toString() }),
        };
      } catch (error) {
        // Another writer changed the same partitions: re-running reads the new state (like
        // Athena's ICEBERG_COMMIT_ERROR retry); the sequence guard makes a re-run safe.
        if (!(error instanceof CommitConflictError) || attempt >= this.conflictRetries) throw error;
      }
    }
  }

  async maintain(
    table: TableDeclaration,
    options: LocalMaintenanceOptions,
    signal?: AbortSignal,
  ): Promise<MaintenanceResult & { droppedTombstones: number }> {
    signal?.throwIfAborted();
    const optimized = await this.lake.optimize(
      table.name,
      options.compactSince === undefined ? {} : { since: options.compactSince },
    );
    signal?.throwIfAborted();
    const olderThan = new Date(options.now.getTime() - options.snapshotRetentionMs);
    const expired = await this.lake.expireSnapshots(table.name, {
      olderThan,
      keepLast: options.minSnapshotsToKeep,
    });
    signal?.throwIfAborted();
    // Orphans only past the same retention: a file younger than that may belong to a commit in flight.
    const orphans = await this.lake.removeOrphanFiles(table.name, { olderThan });
    signal?.throwIfAborted();
    // Tombstones past their retention can no longer meet a redelivered older record.
    const retention = options.tombstoneRetentionMs ?? this.tombstoneRetentionMs;
    const tombstones = await this.lake.expireTombstones(table.name, {
      olderThan: new Date(options.now.getTime() - retention),
    });
    const tombstoneTable = tombstoneTableName(table.name);
    let tombstoneFiles = 0;
    try {
      const t = await this.lake.expireSnapshots(tombstoneTable, {
        olderThan,
        keepLast: options.minSnapshotsToKeep,
      });
      const o = await this.lake.removeOrphanFiles(tombstoneTable, { olderThan });
      tombstoneFiles = t.deletedFiles + o.deletedFiles;
    } catch (error) {
      // No merge has run yet: no tombstone table.
      if (!(error instanceof TableNotFoundError)) throw error;
    }
    return {
      optimized: optimized.commit !== undefined,
      expiredSnapshots: expired.expiredSnapshots,
      removedFiles: expired.deletedFiles + orphans.deletedFiles + tombstoneFiles,
      droppedTombstones: tombstones.droppedTombstones,
    };
  }
}
