import { DescribeTableCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import type { AttributeValue, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';
import type { TableDeclaration } from '@ddb-athena-sync/schemas/declaration';

import { PoisonRecordError } from '../errors.js';
import { beginBackfill, endBackfill } from '../merge/backfill-guard.js';
import { backfillObjectKey, quarantineKey } from '../staging/staging-key.js';
import {
  encodeStagingObject,
  STAGING_CONTENT_ENCODING,
  STAGING_CONTENT_TYPE,
} from '../staging/staging-object.js';
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
 * If the Scan fails, the run's staged objects are deleted before the guard is cleared: rows staged
 * from a Scan that did not finish could otherwise be merged after a delete they never saw. Run the
 * backfill again.
 */
export async function backfillTable(options: BackfillOptions): Promise<BackfillResult> {
  const now = options.now ?? (() => Date.now());
  const segments = options.segments ?? 4;
  const rowsPerObject = options.rowsPerObject ?? 1000;
  const runId = options.runId ?? new Date(now()).toISOString().replace(/[-:.]/g, '');
  const { table, s3, bucket } = options;
  const guard = {
    controlTable: options.controlTable,
    table: table.name,
    runId,
    now: () => new Date(now()),
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

  await beginBackfill(options.dynamodb, guard);
  try {
    await Promise.all(
      Array.from({ length: segments }, async (_, segment) => {
        let part = 0;
        let rows: StagingRow[] = [];
        const flush = async (): Promise<void> => {
          if (rows.length === 0) return;
          const key = backfillObjectKey({
            table: table.name,
            runId,
            segment,
            part: part++,
            ...(options.stagingPrefix === undefined ? {} : { prefix: options.stagingPrefix }),
          });
          await s3.send(
            new PutObjectCommand({
              Bucket: bucket,
              Key: key,
              Body: encodeStagingObject(rows),
              ContentType: STAGING_CONTENT_TYPE,
              ContentEncoding: STAGING_CONTENT_ENCODING,
            }),
          );
          keys.push(key);
          objects++;
          rows = [];
          report();
        };
        let start: Record<string, AttributeValue> | undefined;
        do {
          const page = await options.dynamodb.send(
            new ScanCommand({
              TableName: table.dynamodb.tableName,
              Segment: segment,
              TotalSegments: segments,
              ConsistentRead: true,
              ...(start === undefined ? {} : { ExclusiveStartKey: start }),
            }),
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
                sequenceNumber: `s${segment}-i${scanned}`,
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
      }),
    );
  } catch (error) {
    await Promise.all(keys.map((key) => s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }))));
    await endBackfill(options.dynamodb, guard);
    throw error;
  }
  await endBackfill(options.dynamodb, guard);
  return { runId, scanned, estimated, objects, quarantined, keys };
}
