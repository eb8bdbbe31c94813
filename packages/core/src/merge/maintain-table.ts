import type { TableDeclaration } from '@ddb-athena-sync/schemas/declaration';

import { DEFAULT_TOMBSTONE_RETENTION_MS } from '../sql/render-tombstones.js';
import type { MaintenanceResult } from './engine.js';
import { acquireLease, releaseLease } from './lease.js';
import type { MergeDeps } from './merge-table.js';

/**
 * Default compaction window (declaration `maintenance.compactWindowHours`): partitions written in the
 * last three days. MERGEs write where their rows' partition values fall, so for an event-time
 * partitioning (created_at) that is the recent partitions; an update of an old row leaves a delete
 * file in an old partition, which a wider window (or a one-off OPTIMIZE without WHERE, as `sql
 * --statement optimize` prints it) folds in. Compacting every partition every hour reads the whole table each
 * time: the cost the window avoids (Athena bills OPTIMIZE by the bytes it scans, user guide, OPTIMIZE).
 */
export const DEFAULT_COMPACT_WINDOW_HOURS = 72;

export interface MaintainOptions {
  readonly table: TableDeclaration;
  readonly controlTable: string;
  readonly owner: string;
  /** A running maintenance query is aborted at this time. */
  readonly deadline: Date;
  readonly leaseMarginMs?: number;
  /**
   * Tombstones older than this are dropped (default DEFAULT_TOMBSTONE_RETENTION_MS, 30 h). Must
   * exceed the longest a stream record can be redelivered: 24 h retention plus the event source
   * mapping's maximum record age.
   */
  readonly tombstoneRetentionMs?: number;
}

export type MaintainReport =
  { readonly status: 'busy' } | { readonly status: 'done'; readonly result: MaintenanceResult };

/**
 * The maintenance action (OPTIMIZE + VACUUM on Athena; optimize, snapshot expiry and orphan removal
 * on the local lake), under the same lease as the MERGE: two writers on one Iceberg table fail with
 * ICEBERG_COMMIT_ERROR, so compaction and merges of one table never run together.
 */
export async function maintainTable(
  deps: Pick<MergeDeps, 'dynamodb' | 'engine' | 'clock'>,
  options: MaintainOptions,
): Promise<MaintainReport> {
  const now = deps.clock.now();
  const lease = await acquireLease(deps.dynamodb, {
    controlTable: options.controlTable,
    table: options.table.name,
    owner: options.owner,
    now,
    durationMs: Math.max(0, options.deadline.getTime() - now.getTime()) + (options.leaseMarginMs ?? 60_000),
  });
  if (lease === undefined) return { status: 'busy' };
  const abort = new AbortController();
  const timer = setTimeout(
    () => abort.abort(new Error('maintenance time budget exhausted')),
    Math.max(0, options.deadline.getTime() - now.getTime()),
  );
  try {
    const m = options.table.maintenance;
    const result = await deps.engine.maintain(
      options.table,
      {
        now,
        snapshotRetentionMs: m.snapshotRetentionHours * 3_600_000,
        minSnapshotsToKeep: m.minSnapshotsToKeep,
        tombstoneRetentionMs: options.tombstoneRetentionMs ?? DEFAULT_TOMBSTONE_RETENTION_MS,
        compactSince: new Date(
          now.getTime() - (m.compactWindowHours ?? DEFAULT_COMPACT_WINDOW_HOURS) * 3_600_000,
        ),
      },
      abort.signal,
    );
    return { status: 'done', result };
  } finally {
    clearTimeout(timer);
    await releaseLease(deps.dynamodb, options.controlTable, lease).catch(() => undefined);
  }
}
