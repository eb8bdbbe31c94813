// Over 500 lines on purpose: the merge protocol (lease, journal replay, compaction of append tables,
// listing, batches, bisection, cleanup) reads as one sequence, and its invariants are stated once above it.
import { randomUUID } from 'node:crypto';

import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';
import type { TableDeclaration } from '@ddb-athena-sync/schemas/declaration';
import { stagingTableName } from '@ddb-athena-sync/schemas/render-ddl';

import {
  STAGED_OLDEST_EVENT_METADATA,
  STAGED_PARTITION_BOUNDS_METADATA,
  STAGED_ROWS_METADATA,
} from '../staging/staging-object.js';
import { parseStagedTimestamp } from '../stream/timestamp.js';
import { athenaDialect } from '../sql/dialect.js';
import { combineBounds, decodeBoundsMetadata, restrictingColumns } from '../sql/partition-bounds.js';
import type { PartitionBounds } from '../sql/partition-bounds.js';
import { appendSizeModel } from '../sql/render-append.js';
import { mergeSizeModel } from '../sql/render-merge.js';
import { tombstoneTableName } from '../sql/render-tombstones.js';
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
import {
  compactionBatchId,
  compactStaged,
  DEFAULT_COMPACTION_LIMITS,
  isCompactionBatch,
  planCompaction,
} from './compact-staged.js';
import type { CompactionLimits, CompactionReport, CompactionStep } from './compact-staged.js';
import { acquireLease, releaseLease, renewLease } from './lease.js';
import { DEFAULT_BATCH_LIMITS, listStagedObjects, planBatch } from './merge-plan.js';
import { copyToUnreadable } from './quarantine-unreadable.js';
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
  | 'backfill-guard-expired'
  | 'quarantined'
  | CompactionStep;

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
  /** Where an object the engine cannot read is moved to (default "quarantine/"). */
  readonly quarantinePrefix?: string;
  /** At most this many objects are quarantined per run (default 1; see isolateUnreadable). */
  readonly maxQuarantinePerRun?: number;
  /**
   * Append tables: staged objects are compacted before the append (compact-staged.ts); `false`
   * turns it off. Ignored for merge tables.
   */
  readonly compaction?: CompactionLimits | false;
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
  /** Staged objects the engine could not read, moved to quarantine with the engine's reason. */
  readonly quarantined?: readonly { readonly key: string; readonly quarantineKey: string }[];
  /** Append tables: the compactions this run did (or replayed) before appending. */
  readonly compactions?: readonly CompactionReport[];
}

/** What the staged objects' S3 metadata says about a batch. */
interface BatchMetadata {
  /** Rows and oldest event time (metrics), when every object had them. */
  readonly measured: { rows: number; oldest: Date | undefined } | undefined;
  /** Bounds of the partition source columns over the batch (empty: no restriction). */
  readonly bounds: PartitionBounds;
}

/**
 * Rows, oldest event time and partition bounds of a batch, read from each object's S3 metadata
 * (written at staging, staging-object.ts) with HeadObject, never by downloading the objects. An
 * object without the metadata (staged by an older writer) leaves the figures unknown and the
 * bounds empty. A failure here never fails the batch: it only leaves the MERGE unrestricted.
 */
async function readBatchMetadata(
  s3: S3Client,
  table: TableDeclaration,
  bucket: string,
  objects: readonly StagedObject[],
): Promise<BatchMetadata> {
  try {
    let rows = 0;
    let oldest: Date | undefined;
    const bounds: (PartitionBounds | undefined)[] = [];
    const queue = [...objects];
    let complete = true;
    const worker = async (): Promise<void> => {
      for (let o = queue.shift(); o !== undefined; o = queue.shift()) {
        const { Metadata } = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: o.key }));
        const n = Number(Metadata?.[STAGED_ROWS_METADATA]);
        if (!Number.isSafeInteger(n)) complete = false;
        else rows += n;
        const text = Metadata?.[STAGED_OLDEST_EVENT_METADATA];
        const t = text === undefined ? undefined : parseStagedTimestamp(text);
        if (t !== undefined && (oldest === undefined || t < oldest)) oldest = t;
        // No metadata at all: an object of an older writer, which says nothing about its rows.
        bounds.push(
          Number.isSafeInteger(n)
            ? (decodeBoundsMetadata(Metadata?.[STAGED_PARTITION_BOUNDS_METADATA] ?? '') ?? undefined)
            : undefined,
        );
      }
    };
    await Promise.all(Array.from({ length: Math.min(16, objects.length) }, worker));
    return { measured: complete ? { rows, oldest } : undefined, bounds: combineBounds(table, bounds) };
  } catch {
    return { measured: undefined, bounds: {} };
  }
}

/**
 * Moves a staged object the engine cannot read to `<quarantine>/<table>/unreadable/...`, next to a
 * `.reason.json` with the engine's error (class, type, query id, message: the message may quote a
 * staged value, which is why it goes to the quarantine bucket and never to a log). Copy, reason,
 * then delete: a crash in between only repeats the move.
 */
async function quarantineObject(
  deps: MergeDeps,
  options: MergeRunOptions,
  object: StagedObject,
  error: unknown,
): Promise<string> {
  const e = (typeof error === 'object' && error !== null ? error : {}) as Record<string, unknown>;
  const target = await copyToUnreadable(deps.s3, options, object.key, {
    reason: 'the engine could not read this staged object',
    error: { name: e.name, errorType: e.errorType, queryId: e.queryId, message: e.message },
    now: () => deps.clock.now(),
  });
  await deps.s3.send(new DeleteObjectCommand({ Bucket: options.bucket, Key: object.key }));
  return target;
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
  const sizePlan = {
    table,
    target: { database: options.database ?? 'default', name: table.name },
    stagingTable: { database: options.database ?? 'default', name: stagingTableName(table) },
  };
  // Append tables run one insert-only statement (render-append.ts); merge tables two, of which the
  // main MERGE, filtered against the tombstones, is the longer.
  const size =
    table.mode === 'append'
      ? appendSizeModel(sizePlan, athenaDialect)
      : mergeSizeModel(
          {
            ...sizePlan,
            tombstones: { database: sizePlan.target.database, name: tombstoneTableName(table) },
          },
          athenaDialect,
        );
  const uriOf = (key: string): string => `s3://${options.bucket}/${key}`;
  const batches: BatchReport[] = [];
  let oldestAge: number | undefined;
  let expiredBackfillRun: string | undefined;

  const runBatchOnce = async (
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
    // A table whose MERGE can be restricted (sql/partition-bounds.ts) needs the batch's bounds
    // before the MERGE: one HeadObject per object, which the metrics below then reuse.
    const before =
      restrictingColumns(table).length > 0
        ? await readBatchMetadata(deps.s3, table, options.bucket, objects)
        : undefined;
    let result: MergeResult;
    try {
      result = await deps.engine.merge(
        {
          table,
          bucket: options.bucket,
          objects,
          batchId,
          attempt,
          ...(before === undefined || Object.keys(before.bounds).length === 0
            ? {}
            : { partitionBounds: before.bounds }),
        },
        abort.signal,
      );
    } finally {
      clearTimeout(timer);
    }
    const committedAt = deps.clock.now();
    await options.onStep?.('merged', { batchId });
    await journalCommitted(deps.dynamodb, journal, batchId, committedAt);
    await options.onStep?.('journaled-committed', { batchId });
    // Engines that read the rows report these; otherwise (Athena) the objects' staging metadata,
    // read after the journal says committed and before the objects are deleted.
    const measured =
      result.rowsRead !== undefined && result.oldestEventTime !== undefined
        ? { rows: result.rowsRead, oldest: result.oldestEventTime }
        : (before ?? (await readBatchMetadata(deps.s3, table, options.bucket, objects))).measured;
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

  const quarantined: { key: string; quarantineKey: string }[] = [];
  /**
   * A batch whose MERGE failed because the engine could not read its data (engine.isUnreadableData)
   * is bisected: each half is merged as a batch of its own, older half first (the merge order),
   * until the one object that fails alone is found; that object is moved to quarantine with the
   * engine's reason and the rest merges. A failed MERGE committed nothing, so abandoning the failed
   * batch's journal entry for its halves loses nothing. At most `maxQuarantinePerRun` objects are
   * quarantined per run: a failure that every object shares (a wrong staging DDL) must not empty
   * the staging prefix into quarantine; after the cap the error fails the run as before.
   */
  const runBatch = async (
    batchId: string,
    objects: readonly StagedObject[],
    replay: boolean,
    journaledAttempt = 1,
  ): Promise<void> => {
    try {
      await runBatchOnce(batchId, objects, replay, journaledAttempt);
    } catch (error) {
      if (deps.engine.isUnreadableData?.(error) !== true) throw error;
      if (quarantined.length >= (options.maxQuarantinePerRun ?? 1)) throw error;
      if (objects.length === 1) {
        const object = objects[0]!;
        const quarantineKey = await quarantineObject(deps, options, object, error);
        // The failed batch committed nothing; its journal entry names only this object.
        await journalCleaned(deps.dynamodb, journal, batchId);
        quarantined.push({ key: object.key, quarantineKey });
        await options.onStep?.('quarantined', { batchId, key: object.key });
        return;
      }
      const mid = Math.ceil(objects.length / 2);
      await runBatch(randomUUID(), objects.slice(0, mid), false);
      await runBatch(randomUUID(), objects.slice(mid), false);
    }
  };

  const compactions: CompactionReport[] = [];
  const compact = async (batchId: string, keys: readonly string[], replay: boolean): Promise<void> => {
    compactions.push(
      await compactStaged(
        { s3: deps.s3, dynamodb: deps.dynamodb, now: () => deps.clock.now() },
        {
          table,
          bucket: options.bucket,
          ...(options.stagingPrefix === undefined ? {} : { stagingPrefix: options.stagingPrefix }),
          ...(options.quarantinePrefix === undefined ? {} : { quarantinePrefix: options.quarantinePrefix }),
          journal,
          onStep: (step, detail) => options.onStep?.(step, detail),
        },
        batchId,
        keys,
        replay,
      ),
    );
  };

  try {
    // Step 2: the journal's batch, before anything new is listed. A compaction's `committed` entry
    // is finished like a batch's (delete its inputs); its `merging` entry is compacted again.
    const pending = await readJournal(deps.dynamodb, options.controlTable, table.name);
    if (pending?.state === 'merging' && isCompactionBatch(pending.batchId)) {
      await compact(pending.batchId, pending.keys, true);
    } else if (pending?.state === 'committed') {
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

    // Append tables: fold the small staged objects into few before appending (compact-staged.ts),
    // while the budget leaves room for the append after it.
    const limits = options.compaction ?? DEFAULT_COMPACTION_LIMITS;
    if (table.mode === 'append' && limits !== false) {
      const listing = await listStagedObjects(deps.s3, options.bucket, table, options.stagingPrefix);
      for (const group of planCompaction(listing, limits)) {
        if (
          options.deadline.getTime() - deps.clock.now().getTime() <
          2 * (options.minBatchBudgetMs ?? 30_000)
        )
          break;
        await renewLease(deps.dynamodb, leaseFor());
        const keys = group.map((o) => o.key);
        await compact(compactionBatchId(keys), keys, false);
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
        ...(quarantined.length === 0 ? {} : { quarantined: [...quarantined] }),
        ...(compactions.length === 0 ? {} : { compactions: [...compactions] }),
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
