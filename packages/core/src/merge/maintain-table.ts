import type { TableDeclaration } from '@ddb-athena-sync/schemas/declaration';

import { DEFAULT_TOMBSTONE_RETENTION_MS } from '../sql/render-tombstones.js';
import type { MaintenanceResult } from './engine.js';
import { acquireLease, releaseLease } from './lease.js';
import type { MergeDeps } from './merge-table.js';

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
      },
      abort.signal,
    );
    return { status: 'done', result };
  } finally {
    clearTimeout(timer);
    await releaseLease(deps.dynamodb, options.controlTable, lease).catch(() => undefined);
  }
}
