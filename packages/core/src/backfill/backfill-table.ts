import { DescribeTableCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import type { AttributeValue, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';
import type { TableDeclaration } from '@ddb-athena-sync/schemas/declaration';

import { PoisonRecordError } from '../errors.js';
import {
  beginBackfill,
  DEFAULT_GUARD_TTL_MS,
  endBackfill,
  readBackfillGuard,
  renewBackfill,
} from '../merge/backfill-guard.js';
import { BackfillAbortedError } from '../merge/merge-errors.js';
import { backfillObjectKey, quarantineKey, tableStagingPrefix } from '../staging/staging-key.js';
import {
  encodeStagingObject,
  STAGING_CONTENT_ENCODING,
  STAGING_CONTENT_TYPE,
  stagingMetadata,
} from '../staging/staging-object.js';
import { rowBounds } from '../sql/partition-bounds.js';
import type { AttributeMap } from '../stream/attribute-value.js';
import type { StagingRow } from '../stream/change-row.js';
import { buildRow, describeKey, mapImage } from '../stream/decode-record.js';
import { BACKFILL_SEQUENCE } from '../stream/sequence-number.js';
import { formatMicros } from '../stream/timestamp.js';

export interface BackfillOptions {
  readonly dynamodb: DynamoDBClient;
  readonly s3: S3Client;
  readonly bucket: string;
  readonly table: TableDeclaration;
  /** The merger's control table: the backfill guard lives on the table's item there. */
  readonly controlTable: string;
  /** Parallel Scan segments (TotalSegments). */
  readonly segments?: number;
  /** Rows per staged object. */
  readonly rowsPerObject?: number;
  /** One id per run (default: the start time, e.g. 20240501T120000123Z). */
  readonly runId?: string;
  readonly stagingPrefix?: string;
  readonly quarantinePrefix?: string;
  /** How long to wait for a running merger to give the lease back before the Scan starts. */
  readonly leaseWaitMs?: number;
  readonly onProgress?: (progress: BackfillProgress) => void;
  readonly now?: () => number;
  /** Aborting it (Ctrl-C) stops the Scan, deletes what was staged and clears the guard. */
  readonly signal?: AbortSignal;
  /** The guard expires this long after its last heartbeat (default 5 minutes). */
  readonly guardTtlMs?: number;
}

export interface BackfillProgress {
  readonly scanned: number;
  /** DescribeTable's ItemCount at the start (approximate in DynamoDB: refreshed about every 6 hours). */
  readonly estimated: number;
  readonly objects: number;
  /** Items that do not fit the declaration: each one is in quarantine with its reason. */
  readonly quarantined: number;
}

export interface BackfillResult extends BackfillProgress {
  readonly runId: string;
  readonly keys: readonly string[];
}

/**
 * Backfill (DESIGN.md): with the table's stream already running, a parallel Scan writes every item
 * as a staging row with `_seq` = 40 zeros and `_source` = backfill, in objects at
 * `backfillObjectKey`. A backfill row loses every sequence comparison, so any stream change made
 * during or after the Scan wins over the scanned state; the backfill guard (merge/backfill-guard.ts)
 * holds stream objects back while the Scan runs, so that a delete merged mid-Scan cannot be undone
 * by the scanned row. Items that do not fit the declaration go to quarantine, one object each,
 * with their reason; the rest of the Scan goes on.
 *
 * The guard is heart-beaten every third of its TTL; it expires if this process dies. If the Scan
 * fails, the signal aborts (Ctrl-C) or the heartbeat finds the guard gone, every segment is told
 * to stop (one AbortController) and the cleanup waits until all of them have stopped
 * (Promise.allSettled): only then are the run's staged objects deleted (everything under its
 * prefix, also a PUT whose response was lost) and the guard cleared. Rows staged from a Scan that
 * did not finish could otherwise be merged after a delete they never saw. Run the backfill again.
 */
export async function backfillTable(options: BackfillOptions): Promise<BackfillResult> {
  const now = options.now ?? (() => Date.now());
  const segments = options.segments ?? 4;
  const rowsPerObject = options.rowsPerObject ?? 1000;
  const runId = options.runId ?? new Date(now()).toISOString().replace(/[-:.]/g, '');
  const { table, s3, bucket } = options;
  const ttlMs = options.guardTtlMs ?? DEFAULT_GUARD_TTL_MS;
  const guard = {
    controlTable: options.controlTable,
    table: table.name,
    runId,
    now: () => new Date(now()),
    ttlMs,
    ...(options.leaseWaitMs === undefined ? {} : { waitMs: options.leaseWaitMs }),
  };

  const described = await options.dynamodb.send(
    new DescribeTableCommand({ TableName: table.dynamodb.tableName }),
  );
  const estimated = described.Table?.ItemCount ?? 0;
  let scanned = 0;
  let objects = 0;
  let quarantined = 0;
  const keys: string[] = [];
  const report = (): void => options.onProgress?.({ scanned, estimated, objects, quarantined });

  options.signal?.throwIfAborted();
  await beginBackfill(options.dynamodb, guard);
  // One controller for every segment: the first failure, the caller's signal (Ctrl-C) or a lost
  // guard stops them all.
  const stop = new AbortController();
  const onAbort = (): void =>
    stop.abort(new BackfillAbortedError(table.name, runId, { cause: options.signal?.reason }));
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.signal?.aborted === true) onAbort();
  const heartbeat = setInterval(
    () => {
      renewBackfill(options.dynamodb, guard).catch((error: unknown) => stop.abort(error));
    },
    Math.max(10, Math.floor(ttlMs / 3)),
  );

  const segment = async (segmentNo: number): Promise<void> => {
    const signal = stop.signal;
    let part = 0;
    let rows: StagingRow[] = [];
    const flush = async (): Promise<void> => {
      if (rows.length === 0) return;
      signal.throwIfAborted();
      const key = backfillObjectKey({
        table: table.name,
        runId,
        segment: segmentNo,
        part: part++,
        ...(options.stagingPrefix === undefined ? {} : { prefix: options.stagingPrefix }),
      });
      // Recorded before the PUT: a PUT whose response never came may still have landed.
      keys.push(key);
      await s3.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: encodeStagingObject(rows),
          ContentType: STAGING_CONTENT_TYPE,
          ContentEncoding: STAGING_CONTENT_ENCODING,
          Metadata: stagingMetadata(rows, rowBounds(table, rows)),
        }),
        { abortSignal: signal },
      );
      objects++;
      rows = [];
      report();
    };
    let start: Record<string, AttributeValue> | undefined;
    do {
      signal.throwIfAborted();
      const page = await options.dynamodb.send(
        new ScanCommand({
          TableName: table.dynamodb.tableName,
          Segment: segmentNo,
          TotalSegments: segments,
          ConsistentRead: true,
          ...(start === undefined ? {} : { ExclusiveStartKey: start }),
        }),
        { abortSignal: signal },
      );
      const scannedAt = now();
      const eventTime = formatMicros(BigInt(scannedAt) * 1000n);
      for (const item of page.Items ?? []) {
        scanned++;
        const context = { table: table.name, sequenceNumber: undefined, key: describeKey(table, item) };
        try {
          rows.push(
            buildRow(mapImage(table, item as AttributeMap, context), {
              op: 'upsert',
              sequence: BACKFILL_SEQUENCE,
              eventTime,
              source: 'backfill',
            }),
          );
        } catch (error) {
          if (!(error instanceof PoisonRecordError)) throw error;
          quarantined++;
          const key = quarantineKey({
            table: table.name,
            shardId: `backfill-${runId}`,
            sequenceNumber: `s${segmentNo}-i${scanned}`,
            eventTime: new Date(scannedAt),
            ...(options.quarantinePrefix === undefined ? {} : { prefix: options.quarantinePrefix }),
          });
          const body = {
            table: table.name,
            source: 'backfill',
            runId,
            reason: error.message,
            error: { ...error },
            item,
          };
          await s3.send(
            new PutObjectCommand({
              Bucket: bucket,
              Key: key,
              Body: `${JSON.stringify(body, null, 2)}\n`,
              ContentType: 'application/json',
            }),
          );
        }
        if (rows.length >= rowsPerObject) await flush();
      }
      report();
      start = page.LastEvaluatedKey;
    } while (start !== undefined);
    await flush();
  };

  let outcomes: PromiseSettledResult<void>[];
  try {
    outcomes = await Promise.allSettled(
      Array.from({ length: segments }, async (_, n) => {
        try {
          await segment(n);
        } catch (error) {
          // The first failure stops every other segment; the cleanup below waits for all of them.
          stop.abort(error);
          throw error;
        }
      }),
    );
  } finally {
    clearInterval(heartbeat);
    options.signal?.removeEventListener('abort', onAbort);
  }
  if (stop.signal.aborted || outcomes.some((o) => o.status === 'rejected')) {
    // Every segment has stopped: nothing of this run can land after this cleanup.
    await deleteRunObjects(s3, bucket, table.name, runId, keys, options.stagingPrefix);
    await endBackfill(options.dynamodb, guard);
    throw (
      stop.signal.reason ?? (outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult).reason
    );
  }
  await endBackfill(options.dynamodb, guard);
  return { runId, scanned, estimated, objects, quarantined, keys };
}

/** Deletes the given keys and anything else under the run's prefix (a PUT that landed unseen). */
async function deleteRunObjects(
  s3: S3Client,
  bucket: string,
  table: string,
  runId: string,
  known: readonly string[],
  stagingPrefix: string | undefined,
): Promise<number> {
  const prefix = `${tableStagingPrefix(table, stagingPrefix)}backfill/${runId}/`;
  const all = new Set(known);
  let token: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
    );
    for (const o of page.Contents ?? []) if (o.Key !== undefined) all.add(o.Key);
    token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
  } while (token !== undefined);
  await Promise.all([...all].map((key) => s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }))));
  return all.size;
}

export interface AbortBackfillOptions {
  readonly dynamodb: DynamoDBClient;
  readonly s3: S3Client;
  readonly bucket: string;
  readonly table: TableDeclaration;
  readonly controlTable: string;
  readonly stagingPrefix?: string;
}

/**
 * `backfill --abort`: ends a backfill run whose process is gone (or must stop). Deletes the run's
 * staged objects first, then clears its guard, in the order backfillTable's own cleanup uses; a
 * run still alive finds its guard gone at its next heartbeat and stops. Returns the run, or
 * undefined when no guard was set.
 */
export async function abortBackfill(
  options: AbortBackfillOptions,
): Promise<{ runId: string; startedAt: Date; deleted: number } | undefined> {
  const guard = await readBackfillGuard(options.dynamodb, options.controlTable, options.table.name);
  if (guard === undefined) return undefined;
  const deleted = await deleteRunObjects(
    options.s3,
    options.bucket,
    options.table.name,
    guard.runId,
    [],
    options.stagingPrefix,
  );
  await endBackfill(options.dynamodb, {
    controlTable: options.controlTable,
    table: options.table.name,
    runId: guard.runId,
  });
  return { runId: guard.runId, startedAt: guard.startedAt, deleted };
}
