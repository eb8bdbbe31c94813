import { DescribeTableCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import type { AttributeValue, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';
import { PoisonRecordError } from '@ddb-athena-sync/core/errors';
import { backfillObjectKey } from '@ddb-athena-sync/core/staging/staging-key';
import { encodeStagingObject, STAGING_CONTENT_ENCODING, STAGING_CONTENT_TYPE } from '@ddb-athena-sync/core/staging/staging-object';
import type { AttributeMap } from '@ddb-athena-sync/core/stream/attribute-value';
import type { StagingRow } from '@ddb-athena-sync/core/stream/change-row';
import { buildRow, describeKey, mapImage } from '@ddb-athena-sync/core/stream/decode-record';
import { BACKFILL_SEQUENCE } from '@ddb-athena-sync/core/stream/sequence-number';
import { formatMicros } from '@ddb-athena-sync/core/stream/timestamp';
import type { TableDeclaration } from '@ddb-athena-sync/schemas/declaration';

export interface BackfillOptions {
  readonly ddb: DynamoDBClient;
  readonly s3: S3Client;
  readonly bucket: string;
  readonly table: TableDeclaration;
  /** Parallel Scan segments (TotalSegments). */
  readonly segments?: number;
  /** Rows per staged object. */
  readonly rowsPerObject?: number;
  /** One id per run (default: the start time, e.g. 20240501T120000123Z). */
  readonly runId?: string;
  readonly onProgress?: (progress: BackfillProgress) => void;
  readonly now?: () => number;
}

export interface BackfillProgress {
  readonly scanned: number;
  /** DescribeTable's ItemCount at the start (approximate in DynamoDB: refreshed about every 6 hours). */
  readonly estimated: number;
  readonly objects: number;
  readonly rejected: number;
}

export interface BackfillResult extends BackfillProgress {
  readonly runId: string;
  readonly keys: readonly string[];
}

/**
 * Backfill (DESIGN.md): with the table's stream already running, a parallel Scan writes every item
 * as a staging row with `_seq` = 40 zeros and `_source` = backfill, in objects at core's
 * `backfillObjectKey`. The merger merges backfill objects before stream objects, and a backfill row
 * loses every sequence comparison, so any stream change made during or after the Scan wins over
 * the scanned state. Items that do not fit the declaration are counted as rejected, not staged.
 */
export async function backfillTable(options: BackfillOptions): Promise<BackfillResult> {
  const now = options.now ?? (() => Date.now());
  const segments = options.segments ?? 4;
  const rowsPerObject = options.rowsPerObject ?? 1000;
  const runId = options.runId ?? new Date(now()).toISOString().replace(/[-:.]/g, '');
  const table = options.table;
  const described = await options.ddb.send(new DescribeTableCommand({ TableName: table.dynamodb.tableName }));
  const estimated = described.Table?.ItemCount ?? 0;
  let scanned = 0;
  let objects = 0;
  let rejected = 0;
  const keys: string[] = [];
  const report = (): void => options.onProgress?.({ scanned, estimated, objects, rejected });

  await Promise.all(
    Array.from({ length: segments }, async (_, segment) => {
      let part = 0;
      let rows: StagingRow[] = [];
      const flush = async (): Promise<void> => {
        if (rows.length === 0) return;
        const key = backfillObjectKey({ table: table.name, runId, segment, part: part++ });
        await options.s3.send(
          new PutObjectCommand({ Bucket: options.bucket, Key: key, Body: encodeStagingObject(rows), ContentType: STAGING_CONTENT_TYPE, ContentEncoding: STAGING_CONTENT_ENCODING }),
        );
        keys.push(key);
        objects++;
        rows = [];
        report();
      };
      let start: Record<string, AttributeValue> | undefined;
      do {
        const page = await options.ddb.send(
          new ScanCommand({ TableName: table.dynamodb.tableName, Segment: segment, TotalSegments: segments, ...(start === undefined ? {} : { ExclusiveStartKey: start }) }),
        );
        const eventTime = formatMicros(BigInt(now()) * 1000n);
        for (const item of page.Items ?? []) {
          scanned++;
          try {
            const columns = mapImage(table, item as AttributeMap, { table: table.name, sequenceNumber: undefined, key: describeKey(table, item) });
            rows.push(buildRow(columns, { op: 'upsert', sequence: BACKFILL_SEQUENCE, eventTime, source: 'backfill' }));
          } catch (error) {
            if (!(error instanceof PoisonRecordError)) throw error;
            rejected++;
          }
          if (rows.length >= rowsPerObject) await flush();
        }
        report();
        start = page.LastEvaluatedKey;
      } while (start !== undefined);
      await flush();
    }),
  );
  return { runId, scanned, estimated, objects, rejected, keys };
}
