import type { Assumptions } from './assumptions.js';
import type { DerivedProfile, DesignCost, LineItem, TableProfile } from './cost-types.js';
import { designCost } from './design-cost.js';
import { formatBytes, formatCount, formatSeconds } from './format-units.js';
import { lambdaLines } from './lambda-lines.js';
import { maintenanceLines } from './maintenance-lines.js';
import { nonEmptyProbability } from './non-empty-probability.js';
import type { PriceBook } from './price-book.js';
import { priceLine } from './price-line.js';
import { touchedPartitions } from './touched-partitions.js';

/** Bytes Firehose bills for one record: rounded up to the 5 KB increment (prices.json). */
export function firehoseBilledRecordBytes(recordBytes: number, book: PriceBook): number {
  const step = book.prices['firehose.recordRoundingBytes'].value ?? 1;
  return Math.ceil(recordBytes / step) * step;
}

/**
 * This project's firehose mode: DynamoDB -> Kinesis Data Streams (on-demand, as firehose-table
 * creates it) -> Firehose with the Iceberg destination and the firehose-transform Lambda.
 *
 * A Kinesis record for DynamoDB carries the new image, the old image on updates, and event metadata;
 * Kinesis bills it rounded up to 1 KB, Firehose in 5 KB increments.
 */
export function firehoseModeCost(
  profile: TableProfile,
  derived: DerivedProfile,
  book: PriceBook,
  a: Assumptions,
): DesignCost {
  const S = derived.secondsPerMonth;
  const W = profile.writesPerSec;
  const records = derived.writesPerMonth;
  const { bytesPerKb, bytesPerMb, bytesPerGb } = book.units;
  const recordBytes = profile.itemBytes * (1 + profile.updateFraction) + a.kinesisRecordOverheadBytes;
  const kdsStep = book.prices['kinesis.recordRoundingBytes'].value ?? 1;
  const kdsBilledBytes = records * Math.ceil(recordBytes / kdsStep) * kdsStep;
  const firehoseBilledBytes = records * firehoseBilledRecordBytes(recordBytes, book);
  const lines: LineItem[] = [];
  const notes: string[] = [];
  // Insert-only tables are assumed to opt into append_only: with unique keys every record also writes
  // an equality delete, and compacting a hash-partitioned table then rewrites all of it.
  const appendOnly = profile.updateFraction === 0;

  lines.push(
    priceLine(book, 'dynamodb.usdPerMillionChangeDataCaptureUnits', {
      component: 'DynamoDB change data capture to Kinesis',
      quantity: records * Math.ceil(profile.itemBytes / bytesPerKb),
      unit: 'CDC units',
      per: 1e6,
      note: 'one unit per 1 KB of item written',
    }),
    priceLine(book, 'kinesis.onDemandUsdPerStreamHour', {
      component: 'Kinesis Data Streams on-demand: stream',
      quantity: book.monthHours,
      unit: 'stream-hours',
      note: 'one on-demand stream per table (firehose-table module)',
    }),
    priceLine(book, 'kinesis.onDemandUsdPerGbIngested', {
      component: 'Kinesis Data Streams on-demand: data in',
      quantity: kdsBilledBytes / bytesPerGb,
      unit: 'GB',
      note: `${formatCount(records)} records of ${formatBytes(recordBytes)}, each rounded up to a multiple of ${formatBytes(kdsStep)}`,
    }),
    priceLine(book, 'kinesis.onDemandUsdPerGbRetrieved', {
      component: 'Kinesis Data Streams on-demand: data out (Firehose)',
      quantity: (records * recordBytes) / bytesPerGb,
      unit: 'GB',
      note: 'Firehose is the only consumer',
    }),
    priceLine(book, 'firehose.icebergFromKinesisUsdPerGb', {
      component: 'Firehose to Iceberg (source: Kinesis)',
      quantity: firehoseBilledBytes / bytesPerGb,
      unit: 'GB',
      note: `${formatBytes(recordBytes)} records billed as ${formatBytes(firehoseBilledRecordBytes(recordBytes, book))} (5 KB increments)`,
    }),
  );

  const transformInvocations = Math.max(
    (S / a.transformBufferSec) * nonEmptyProbability(W, a.transformBufferSec),
    (records * recordBytes) / (a.transformBufferMb * bytesPerMb),
  );
  lines.push(
    ...lambdaLines(book, {
      name: 'firehose-transform',
      invocations: transformInvocations,
      totalMs: transformInvocations * a.transformMsPerInvocation + records * a.transformMsPerRecord,
      memoryMb: a.transformMemoryMb,
      note: `Firehose invokes it per ${a.transformBufferMb} MB or ${a.transformBufferSec} s of records`,
    }),
  );

  // Delivery: one Iceberg commit per buffer (interval or size), each writing a data file per partition.
  const bufferSec = Math.min(
    a.firehoseMaxBufferSec,
    Math.max(0, profile.freshnessSec - a.transformBufferSec),
  );
  const bufferBytes = a.firehoseBufferMb * bytesPerMb;
  const commits = Math.max(
    bufferSec > 0 ? (S / bufferSec) * nonEmptyProbability(W, bufferSec) : records,
    (records * recordBytes) / bufferBytes,
  );
  const recordsPerCommit = commits > 0 ? records / commits : 0;
  const partitions = touchedPartitions(recordsPerCommit, a.partitionBuckets);
  lines.push(
    priceLine(book, 's3.usdPer1000PutListRequests', {
      component: 'S3 PUT by Firehose (data, delete and metadata files)',
      quantity: commits * ((appendOnly ? 1 : 2) * partitions + a.icebergMetadataPutsPerCommit),
      unit: 'requests',
      per: 1000,
      note: `${formatCount(commits)} commits (buffer ${formatSeconds(bufferSec)} or ${a.firehoseBufferMb} MB)`,
    }),
  );

  const maintenance = maintenanceLines(profile, derived, book, a, {
    dataIntervalSec: Math.max(bufferSec, 1),
    updates: !appendOnly,
    invokedByMerger: true,
  });
  lines.push(
    ...maintenance.lines,
    priceLine(book, 's3.standardUsdPerGbMonth', {
      component: 'S3 storage: Iceberg table',
      quantity: (derived.tableBytes * a.parquetRatio) / bytesPerGb,
      unit: 'GB-month',
      note: `Parquet at ${a.parquetRatio} of the item bytes`,
    }),
  );

  notes.push(
    'Kinesis records may arrive twice and out of order; with unique keys Firehose applies each as delete + insert, so an older image can overwrite a newer one (no sequence guard).',
    "Maintenance is priced as the merger's hourly OPTIMIZE/VACUUM; the firehose-table module does not schedule maintenance yet.",
  );
  if (appendOnly) {
    notes.push(
      'Insert-only table: priced with append_only (no equality deletes); a duplicate Kinesis record then lands twice.',
    );
  }
  return designCost(book, profile, {
    design: 'firehose',
    title: 'firehose mode (this project)',
    module: 'infra/modules/firehose-table',
    lines,
    notes,
    achievedFreshnessSec: a.transformBufferSec + bufferSec,
    feasible: true,
  });
}
