import { randomUUID } from 'node:crypto';

import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteObjectCommand, GetObjectCommand } from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';
import type { TableDeclaration } from '@ddb-athena-sync/schemas/declaration';
import { stagingTableName } from '@ddb-athena-sync/schemas/render-ddl';

import { readStagingObject } from '../staging/staging-object.js';
import { parseStagedTimestamp } from '../stream/timestamp.js';
import { athenaDialect } from '../sql/dialect.js';
import { mergeSizeModel } from '../sql/render-merge.js';
import type { MergeAttempt, MergeEngine, MergeResult, StagedObject } from './engine.js';
import {
  journalCleaned,
  journalCommitted,
  journalMerging,
  journalNextAttempt,
  readJournal,
} from './journal.js';
import type { JournalTarget } from './journal.js';
import { clearExpiredBackfill, readBackfillGuard } from './backfill-guard.js';
import { acquireLease, releaseLease, renewLease } from './lease.js';
import { DEFAULT_BATCH_LIMITS, listStagedObjects, planBatch } from './merge-plan.js';
import type { BatchLimits } from './merge-plan.js';

export interface Clock {
  now(): Date;
}

/** Everything the protocol touches, injected: real clients in Lambda, local services in tests. */
export interface MergeDeps {
  readonly s3: S3Client;
  readonly dynamodb: DynamoDBClient;
  readonly engine: MergeEngine;
  readonly clock: Clock;
}

/** Points of the protocol, in order. `onStep` sees each one (logs; tests inject crashes here). */
export type MergeStep =
  | 'leased'
  | 'journaled-merging'
  | 'merged'
  | 'journaled-committed'
  | 'object-deleted'
  | 'cleaned'
  | 'backfill-guard-expired';

export interface MergeRunOptions {
  readonly table: TableDeclaration;
  readonly bucket: string;
  readonly stagingPrefix?: string;
  readonly controlTable: string;
  /** Unique per run (the Lambda request id). */
  readonly owner: string;
  /** No new batch starts after this; a running MERGE is aborted at it. */
  readonly deadline: Date;
  /** A new batch starts only with at least this much time left (default 30 s). */
  readonly minBatchBudgetMs?: number;
  /** The lease outlives the deadline by this much (default 60 s), so it cannot lapse while we run. */
  readonly leaseMarginMs?: number;
  readonly limits?: BatchLimits;
  /** Glue database of the Athena MERGE, for the query-length cap (default "default"). */
  readonly database?: string;
  readonly deleteConcurrency?: number;
  readonly onStep?: (
    step: MergeStep,
    detail: { readonly batchId?: string; readonly key?: string; readonly runId?: string },
  ) => void | Promise<void>;
}

export interface BatchReport {
  readonly batchId: string;
  /** True for a batch found in the journal as `merging` and merged again. */
  readonly replay: boolean;
  readonly files: number;
  readonly bytes: number;
  /** Staged rows in the batch (before deduplication), when known. */
  readonly rows: number | undefined;
  /** Oldest `_event_time` in the batch, when known. */
  readonly oldestEventTime: Date | undefined;
  readonly committedAt: Date;
  readonly durationMs: number;
  readonly result: MergeResult;
}

export interface MergeRunReport {
  /**
   * `busy`: another merger holds the lease, nothing was done. `held`: stream objects wait for a
   * backfill guard. `budget-exhausted`: objects are left because no batch fits the time left.
   */
  readonly status: 'busy' | 'drained' | 'held' | 'budget-exhausted';
  readonly batches: readonly BatchReport[];
  /** Objects left staged when the run ended (as of the last listing), of any source. */
  readonly backlog: number;
  /**
   * Age of the oldest staged object (any source) at the first listing, when there was one: also
   * when nothing could be merged (guard held, budget too small).
   */
  readonly oldestStagedObjectAgeMs: number | undefined;
  /** Objects this run saw staged but could not merge, and why (absent when none were held back). */
  readonly notMerged?: { readonly reason: 'backfill-guard' | 'budget'; readonly objects: number };
  /** A backfill guard this run found expired (no heartbeat) and cleared. */
  readonly expiredBackfillRun?: string;
}

/** Rows and oldest event time of a batch, for metrics only: a failure here never fails the batch. */
async function measureBatch(
  s3: S3Client,
  bucket: string,
  objects: readonly StagedObject[],
): Promise<{ rows: number; oldest: Date | undefined } | undefined> {
  try {
    let rows = 0;
    let oldest: Date | undefined;
    for (const o of objects) {
      const { Body } = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: o.key }));
      if (Body === undefined) continue;
      for await (const row of readStagingObject(Body as AsyncIterable<Uint8Array>, o.key)) {
        rows++;
        const t = parseStagedTimestamp(row._event_time);
        if (t !== undefined && (oldest === undefined || t < oldest)) oldest = t;
      }
    }
    return { rows, oldest };
  } catch {
    return undefined;
  }
}

async function deleteObjects(
  deps: MergeDeps,
  options: MergeRunOptions,
  batchId: string,
  keys: readonly string[],
): Promise<void> {
  const queue = [...keys];
  const worker = async (): Promise<void> => {
    for (let key = queue.shift(); key !== undefined; key = queue.shift()) {
      // Deleting a key that is already gone succeeds (S3 DeleteObject is idempotent), so finishing
      // the cleanup of a half-deleted batch is just deleting all of it again.
      await deps.s3.send(new DeleteObjectCommand({ Bucket: options.bucket, Key: key }));
      await options.onStep?.('object-deleted', { batchId, key });
    }
  };
  await Promise.all(
    Array.from({ length: Math.max(1, Math.min(options.deleteConcurrency ?? 16, keys.length)) }, worker),
  );
}

/**
 * One merger run for one table (DESIGN.md, "Mode merge"):
 *
 * 1. take the lease (someone else holds it: return `busy`, touch nothing);
 * 2. finish the journal's batch: `committed` -> delete its objects; `merging` -> MERGE exactly those
 *    objects again, alone, then commit and delete them;
 * 3. list, plan F (merge-plan.ts), journal F as `merging`, MERGE F, journal `committed`, delete F,
 *    clear the journal; repeat while the plan left a backlog and the budget allows.
 *
 * Why nothing is lost: an object is deleted only after the journal says its batch committed, and a
 * journal entry is cleared only after all its objects are deleted. A crash anywhere leaves either the
 * objects staged or a `committed` entry naming them.
 *
 * Why nothing is resurrected: a replayed batch alone is a no-op (the MERGE applies a change only when
 * `s._seq > t._seq`, and a delete that already removed its row matches nothing and inserts nothing).
 * The one danger is replaying an older upsert AFTER a later batch deleted that key: the deleted row
 * left no `_seq` behind to guard against it. That cannot happen here: a batch whose MERGE may have
 * committed (journal `merging`) is re-merged on its own before anything new is listed, and a
 * `committed` batch is never merged again, only deleted. Objects are never re-planned while a
 * journal entry exists, because step 2 always runs to completion before step 3.
 */
export async function mergeTable(deps: MergeDeps, options: MergeRunOptions): Promise<MergeRunReport> {
  const { table } = options;
  const leaseFor = (): {
    controlTable: string;
    table: string;
    owner: string;
    now: Date;
    durationMs: number;
  } => {
    const now = deps.clock.now();
    return {
      controlTable: options.controlTable,
      table: table.name,
      owner: options.owner,
      now,
      durationMs: Math.max(0, options.deadline.getTime() - now.getTime()) + (options.leaseMarginMs ?? 60_000),
    };
  };
  const lease = await acquireLease(deps.dynamodb, leaseFor());
  if (lease === undefined)
    return { status: 'busy', batches: [], backlog: 0, oldestStagedObjectAgeMs: undefined };
  await options.onStep?.('leased', {});

  const journal: JournalTarget = {
    controlTable: options.controlTable,
    table: table.name,
    owner: options.owner,
  };
  const size = mergeSizeModel(
    {
      table,
      target: { database: options.database ?? 'default', name: table.name },
      stagingTable: { database: options.database ?? 'default', name: stagingTableName(table) },
    },
    athenaDialect,
  );
  const uriOf = (key: string): string => `s3://${options.bucket}/${key}`;
  const batches: BatchReport[] = [];
  let oldestAge: number | undefined;
  let expiredBackfillRun: string | undefined;

  const runBatch = async (
    batchId: string,
    objects: readonly StagedObject[],
    replay: boolean,
    journaledAttempt = 1,
  ): Promise<void> => {
    const started = deps.clock.now();
    if (!replay)
      await journalMerging(
        deps.dynamodb,
        journal,
        batchId,
        objects.map((o) => o.key),
      );
    await options.onStep?.('journaled-merging', { batchId });
    const abort = new AbortController();
    const timer = setTimeout(
      () => abort.abort(new Error('merge time budget exhausted')),
      Math.max(0, options.deadline.getTime() - started.getTime()),
    );
    let current = journaledAttempt;
    const attempt: MergeAttempt = {
      get current() {
        return current;
      },
      next: async () => (current = await journalNextAttempt(deps.dynamodb, journal, batchId, current)),
    };
    let result: MergeResult;
    try {
      result = await deps.engine.merge(
        { table, bucket: options.bucket, objects, batchId, attempt },
        abort.signal,
      );
    } finally {
      clearTimeout(timer);
    }
    const committedAt = deps.clock.now();
    // Engines that read the rows report these; otherwise (Athena) read the objects once more,
    // after the commit, for the metrics only.
    const measured =
      result.rowsRead !== undefined && result.oldestEventTime !== undefined
        ? { rows: result.rowsRead, oldest: result.oldestEventTime }
        : await measureBatch(deps.s3, options.bucket, objects);
    await options.onStep?.('merged', { batchId });
    await journalCommitted(deps.dynamodb, journal, batchId, committedAt);
    await options.onStep?.('journaled-committed', { batchId });
    await deleteObjects(
      deps,
      options,
      batchId,
      objects.map((o) => o.key),
    );
    await journalCleaned(deps.dynamodb, journal, batchId);
    await options.onStep?.('cleaned', { batchId });
    batches.push({
      batchId,
      replay,
      files: objects.length,
      bytes: objects.reduce((s, o) => s + o.size, 0),
      rows: result.rowsRead ?? measured?.rows,
      oldestEventTime: measured?.oldest,
      committedAt,
      durationMs: committedAt.getTime() - started.getTime(),
      result,
    });
  };

  try {
    // Step 2: the journal's batch, before anything new is listed.
    const pending = await readJournal(deps.dynamodb, options.controlTable, table.name);
    if (pending?.state === 'committed') {
      await deleteObjects(deps, options, pending.batchId, pending.keys);
      await journalCleaned(deps.dynamodb, journal, pending.batchId);
      await options.onStep?.('cleaned', { batchId: pending.batchId });
    } else if (pending?.state === 'merging') {
      const inBatch = new Set(pending.keys);
      const objects = (await listStagedObjects(deps.s3, options.bucket, table, options.stagingPrefix)).filter(
        (o) => inBatch.has(o.key),
      );
      if (objects.length > 0) {
        await runBatch(pending.batchId, objects, true, pending.attempt);
      } else {
        await journalCleaned(deps.dynamodb, journal, pending.batchId);
      }
    }

    // Step 3: drain.
    for (;;) {
      const now = deps.clock.now();
      const staged = await listStagedObjects(deps.s3, options.bucket, table, options.stagingPrefix);
      // The age of the oldest staged object, whatever happens next: a merge held back by the
      // backfill guard or by a budget too small for a batch must show as a growing age, not as 0.
      if (oldestAge === undefined && staged.length > 0)
        oldestAge = now.getTime() - Math.min(...staged.map((o) => o.lastModified.getTime()));
      const ended = (
        status: MergeRunReport['status'],
        notMerged?: MergeRunReport['notMerged'],
      ): MergeRunReport => ({
        status,
        batches,
        backlog: staged.length,
        oldestStagedObjectAgeMs: oldestAge,
        ...(notMerged === undefined ? {} : { notMerged }),
        ...(expiredBackfillRun === undefined ? {} : { expiredBackfillRun }),
      });
      // Nothing staged: no query at all (Athena bills at least 10 MB per query).
      if (staged.length === 0) return ended('drained');
      if (options.deadline.getTime() - now.getTime() < (options.minBatchBudgetMs ?? 30_000))
        return ended('budget-exhausted', { reason: 'budget', objects: staged.length });
      await renewLease(deps.dynamodb, leaseFor());
      // While a backfill runs, stream objects wait (backfill-guard.ts explains the resurrection they
      // could cause); backfill objects may merge, since every stream change overrides them later.
      // A guard past its expiry belongs to a backfill that stopped heart-beating (killed, crashed):
      // it is released, cleared and reported, so no dead run holds stream objects back for ever.
      let guard = await readBackfillGuard(deps.dynamodb, options.controlTable, table.name);
      if (guard !== undefined && guard.expiresAt.getTime() <= now.getTime()) {
        if (await clearExpiredBackfill(deps.dynamodb, options.controlTable, table.name, guard)) {
          expiredBackfillRun = guard.runId;
          await options.onStep?.('backfill-guard-expired', { runId: guard.runId });
          guard = undefined;
        } else guard = await readBackfillGuard(deps.dynamodb, options.controlTable, table.name);
      }
      const backfilling = guard !== undefined;
      const listing = backfilling ? staged.filter((o) => o.source === 'backfill') : staged;
      const held = staged.length - listing.length;
      if (listing.length === 0) return ended('held', { reason: 'backfill-guard', objects: held });
      const plan = planBatch(listing, options.limits ?? DEFAULT_BATCH_LIMITS, size, uriOf);
      await runBatch(randomUUID(), plan.objects, false);
      // Objects that arrived during the MERGE are the next scheduled run's: loop only for a backlog
      // this listing already had.
      if (plan.remaining === 0) {
        const left = staged.length - plan.objects.length;
        return {
          ...ended(held > 0 ? 'held' : 'drained'),
          backlog: left,
          ...(held > 0 ? { notMerged: { reason: 'backfill-guard' as const, objects: held } } : {}),
        };
      }
    }
  } finally {
    await releaseLease(deps.dynamodb, options.controlTable, lease).catch(() => undefined);
  }
}
