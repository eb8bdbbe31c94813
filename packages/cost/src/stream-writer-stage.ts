import type { Assumptions } from './assumptions.js';
import type { DerivedProfile, LineItem, TableProfile } from './cost-types.js';
import { formatCount } from './format-units.js';
import { lambdaLines } from './lambda-lines.js';
import { nonEmptyProbability } from './non-empty-probability.js';
import type { PriceBook } from './price-book.js';
import { priceLine } from './price-line.js';

/** The staging half of the merge-table module, the same in merge and append mode. */
export interface StreamWriterStage {
  /** Stream-writer invocations in the month (one staging object each). */
  readonly invocations: number;
  /** Its Lambda lines, the Streams reads by Lambda, and the staging PUTs. */
  readonly lines: LineItem[];
}

/**
 * DynamoDB Streams -> stream-writer -> one gzip NDJSON staging object per batch. The event source
 * mapping invokes once per batch window that has records on a shard, or once per full batch when
 * the window holds more than a batch. `records` names what the stream-writer stages in the note
 * ("changes" in merge mode, "inserts" in append mode).
 */
export function streamWriterStage(
  profile: TableProfile,
  derived: DerivedProfile,
  book: PriceBook,
  a: Assumptions,
  stage: { batchWindowSec: number; records: string },
): StreamWriterStage {
  const S = derived.secondsPerMonth;
  const shards = derived.streamShards;
  const perShardRate = profile.writesPerSec / shards;
  const bw = stage.batchWindowSec;
  const invocations =
    shards *
    Math.max((S / bw) * nonEmptyProbability(perShardRate, bw), (perShardRate * S) / a.streamWriterBatchSize);
  return {
    invocations,
    lines: [
      ...lambdaLines(book, {
        name: 'stream-writer',
        invocations,
        totalMs:
          invocations * a.streamWriterMsPerInvocation + derived.writesPerMonth * a.streamWriterMsPerRecord,
        memoryMb: a.streamWriterMemoryMb,
        note: `${formatCount(derived.writesPerMonth)} ${stage.records} on ${shards} shard(s), batches of up to ${a.streamWriterBatchSize} or ${bw} s`,
      }),
      priceLine(book, 'dynamodb.usdPerMillionStreamsReadsByLambda', {
        component: 'DynamoDB Streams GetRecords by Lambda',
        quantity: 4 * S * shards,
        unit: 'requests',
        per: 1e6,
        note: 'Lambda polls each shard 4 times a second; free for Lambda triggers',
      }),
      priceLine(book, 's3.usdPer1000PutListRequests', {
        component: 'S3 PUT staging objects',
        quantity: invocations,
        unit: 'requests',
        per: 1000,
        note: 'one gzip NDJSON object per stream-writer batch',
      }),
    ],
  };
}

/** The Iceberg table's own storage in merge and append mode (Parquet, old snapshots expired by VACUUM). */
export function icebergStorageLine(derived: DerivedProfile, book: PriceBook, a: Assumptions): LineItem {
  return priceLine(book, 's3.standardUsdPerGbMonth', {
    component: 'S3 storage: Iceberg table',
    quantity: (derived.tableBytes * a.parquetRatio) / book.units.bytesPerGb,
    unit: 'GB-month',
    note: `Parquet at ${a.parquetRatio} of the item bytes; snapshots expired by VACUUM`,
  });
}
