import type { TableDeclaration } from '@ddb-athena-sync/schemas/declaration';

import type { PartitionBounds } from '../sql/partition-bounds.js';

/** One staged object the merger listed (see staging/staging-key.ts for the key layout). */
export interface StagedObject {
  readonly key: string;
  readonly size: number;
  readonly lastModified: Date;
  /** `backfill` objects are merged strictly before `stream` objects. */
  readonly source: 'stream' | 'backfill';
}

/** One batch F: exactly the objects a MERGE reads, from one listing of the staging prefix. */
export interface MergeBatch {
  readonly table: TableDeclaration;
  /** Bucket that holds the staged objects. */
  readonly bucket: string;
  readonly objects: readonly StagedObject[];
  /**
   * The journal's id of the batch. The same batch replayed after a crash carries the same id, so an
   * engine can make its commit idempotent (Athena: the StartQueryExecution ClientRequestToken).
   */
  readonly batchId?: string;
  /** The journal's attempt counter of the batch (see MergeAttempt); absent outside the protocol. */
  readonly attempt?: MergeAttempt;
  /**
   * Bounds of the partition source columns over exactly `objects` (sql/partition-bounds.ts), from
   * their staging metadata; absent when unknown. An engine may restrict the MERGE's target by them.
   */
  readonly partitionBounds?: PartitionBounds;
}

/**
 * The batch's attempt number as the journal holds it. An engine that names its commits (Athena's
 * ClientRequestToken) names them by (batch id, attempt, statement text), and calls `next()` as
 * soon as it sees a query of the current attempt end without success, BEFORE it starts another
 * one: `next()` persists the raised number (a conditional journal write), after which `current`
 * reads it.
 */
export interface MergeAttempt {
  readonly current: number;
  next(): Promise<number>;
}

export interface MergeResult {
  /** Staged rows the engine read (before deduplication), when the engine knows it. */
  readonly rowsRead?: number;
  readonly rowsInserted?: number;
  readonly rowsUpdated?: number;
  readonly rowsDeleted?: number;
  /** Bytes the engine scanned (Athena's DataScannedInBytes), when known. */
  readonly bytesScanned?: number;
  /**
   * Oldest `_event_time` among the batch's rows, when the engine read them (the local lake does;
   * Athena does not). The protocol reads the objects itself for the freshness metric only when
   * the engine leaves this or `rowsRead` out.
   */
  readonly oldestEventTime?: Date;
  /** Iceberg snapshot the commit produced, when known (64-bit id as a decimal string). */
  readonly snapshotId?: string;
  /** Engine query id (Athena QueryExecutionId), when there is one. */
  readonly queryId?: string;
}

export interface MaintenanceOptions {
  readonly now: Date;
  /** Snapshots older than this many ms are expired (keeping `minSnapshotsToKeep`). */
  readonly snapshotRetentionMs: number;
  readonly minSnapshotsToKeep: number;
  /** Tombstones whose `_deleted_at` is older than this many ms before `now` are dropped. */
  readonly tombstoneRetentionMs?: number;
  /**
   * Compact only partitions from the one holding this instant on (a year/month/day/hour
   * partitioning; others compact the whole table). Absent: the whole table.
   */
  readonly compactSince?: Date;
}

export interface MaintenanceResult {
  readonly optimized: boolean;
  readonly expiredSnapshots?: number;
  readonly removedFiles?: number;
  readonly queryIds?: readonly string[];
}

/**
 * The port between the merge protocol and the engine that owns the Iceberg table: Athena in AWS,
 * the local lake (packages/local-lake) on a laptop. The protocol (lease, journal, listing, deletes)
 * is the same for both; only this interface differs.
 */
export interface MergeEngine {
  /**
   * Creates the Iceberg table, its tombstone table `<table>__tombstones` (sql/render-tombstones.ts)
   * and, for Athena, the staging table, when they do not exist.
   */
  ensureTable(table: TableDeclaration): Promise<void>;
  /**
   * Applies the batch with the MERGE semantics of DESIGN.md: deduplicate per key by `_seq`; record
   * a tombstone for each key whose newest change is a delete; apply an upsert only when its `_seq`
   * is above both the row's and the key's tombstone, a delete when above the row's. Readers never
   * see a state in which an upsert older than a merged delete was applied. Replaying a batch is a
   * no-op. Throws on failure; the caller leaves the batch staged. `signal` aborts a
   * running query when the time budget runs out.
   */
  merge(batch: MergeBatch, signal?: AbortSignal): Promise<MergeResult>;
  /**
   * Whether `error`, thrown by `merge`, says the engine could not READ the batch's data (a value
   * that does not cast, a line that does not parse): the failure of one bad object, which the
   * protocol isolates by bisecting the batch and quarantining that object. Everything else
   * (permissions, syntax, throttling, timeouts) must answer false: the batch then stays staged.
   * Without it, no object is ever quarantined by the merger.
   */
  isUnreadableData?(error: unknown): boolean;
  /** Compaction and snapshot expiry (Athena: OPTIMIZE + VACUUM). */
  maintain(
    table: TableDeclaration,
    options: MaintenanceOptions,
    signal?: AbortSignal,
  ): Promise<MaintenanceResult>;
}
