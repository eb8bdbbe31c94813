import type { Assumptions } from './assumptions.js';
import { athenaBilledBytes } from './athena-billed-bytes.js';
import type { DerivedProfile, DesignCost, LineItem, TableProfile } from './cost-types.js';
import { designCost } from './design-cost.js';
import { formatBytes, formatCount, formatPercent, formatSeconds } from './format-units.js';
import { lambdaLines } from './lambda-lines.js';
import { maintenanceLines } from './maintenance-lines.js';
import { mergeReadNote } from './merge-read-bytes.js';
import { nonEmptyProbability } from './non-empty-probability.js';
import type { PriceBook } from './price-book.js';
import { priceLine } from './price-line.js';
import { icebergStorageLine, streamWriterStage } from './stream-writer-stage.js';
import { touchedPartitions } from './touched-partitions.js';

export interface MergeModeOptions {
  design: 'merge';
  title: string;
  /** Merge every this many seconds; default: the longest whole-minute schedule that meets the freshness target. */
  intervalSec?: number;
  /** Stream-writer batching window, seconds; default the merge-table module's (assumptions). */
  batchWindowSec?: number;
}

/**
 * This project's merge mode: DynamoDB Streams -> stream-writer (one gzip NDJSON staging object per
 * batch) -> scheduled merger -> Athena MERGE INTO the Iceberg table, then delete the merged objects.
 *
 * A run that finds nothing staged issues no query (DESIGN.md, merge protocol step 3), so Athena is paid
 * only for intervals with changes: runs x P(at least one write in the interval). Each query bills
 * max(10 MB, staged bytes + key columns of the target partitions it touches).
 */
export function mergeModeCost(
  profile: TableProfile,
  derived: DerivedProfile,
  book: PriceBook,
  a: Assumptions,
  options: MergeModeOptions = { design: 'merge', title: 'merge mode (this project)' },
): DesignCost {
  const S = derived.secondsPerMonth;
  const W = profile.writesPerSec;
  const lines: LineItem[] = [];
  const notes: string[] = [];

  const bw = options.batchWindowSec ?? a.streamWriterBatchWindowSec;
  const { invocations, lines: stageLines } = streamWriterStage(profile, derived, book, a, {
    batchWindowSec: bw,
    records: 'changes',
  });
  lines.push(...stageLines);

  // Merger schedule: whole minutes (Scheduler rate()), as long as the freshness target allows.
  const mergeSec = a.mergerMsPerQuery / 1000;
  const interval =
    options.intervalSec ?? Math.max(60, Math.floor((profile.freshnessSec - bw - mergeSec) / 60) * 60);
  const runs = S / interval;
  const pStaged = nonEmptyProbability(W, interval);
  const mergeRuns = runs * pStaged;
  const changesPerMerge = pStaged > 0 ? (W * interval) / pStaged : 0;
  const objectsPerMerge = pStaged > 0 ? (invocations * interval) / S / pStaged : 0;
  const queriesPerMerge = Math.max(1, Math.ceil(objectsPerMerge / a.mergeFilesPerQuery));
  const queries = mergeRuns * queriesPerMerge;
  const changesPerQuery = changesPerMerge / queriesPerMerge;
  const stagedRowBytes = (profile.itemBytes + a.stagingRowOverheadBytes) * a.stagingCompressionRatio;
  const stagedBytesPerQuery = changesPerQuery * stagedRowBytes;
  const written = touchedPartitions(changesPerQuery, a.partitionBuckets);
  const read = written;
  const keyBytesPerPartition = (profile.items * a.targetKeyBytesPerRow) / a.partitionBuckets;
  const targetBytesPerQuery = read * keyBytesPerPartition;
  const billedPerQuery = athenaBilledBytes(stagedBytesPerQuery + targetBytesPerQuery, book);
  lines.push(
    priceLine(book, 'athena.usdPerTbScanned', {
      component: 'Athena MERGE, bytes billed',
      quantity: (queries * billedPerQuery) / book.units.bytesPerTb,
      unit: 'TB',
      note:
        `${formatCount(queries)} queries: only runs with something staged (${formatPercent(pStaged)} of ${formatCount(runs)}) ` +
        `x ${queriesPerMerge} per run, each ${formatBytes(billedPerQuery)} billed = staged ${formatBytes(stagedBytesPerQuery)}` +
        ` + target keys ${formatBytes(targetBytesPerQuery)} (${read.toFixed(1)} of ${a.partitionBuckets} partitions)` +
        ', 10 MB minimum',
    }),
    priceLine(book, 's3.usdPer1000PutListRequests', {
      component: 'S3 LIST staging prefix',
      quantity: runs + mergeRuns * Math.floor(objectsPerMerge / 1000),
      unit: 'requests',
      per: 1000,
      note: 'every run lists staging/<table>/ (1,000 keys a page), empty or not',
    }),
    priceLine(book, 's3.usdPer1000GetRequests', {
      component: 'S3 GET by Athena (staged objects, target files, metadata)',
      quantity:
        mergeRuns * objectsPerMerge +
        queries * (read * a.dataFilesPerTouchedPartition + a.icebergMetadataGetsPerQuery),
      unit: 'requests',
      per: 1000,
      note: `${formatCount(objectsPerMerge)} staged objects per merge`,
    }),
    priceLine(book, 's3.usdPer1000PutListRequests', {
      component: 'S3 PUT by Athena (data, delete and metadata files)',
      quantity: queries * (2 * written + a.icebergMetadataPutsPerCommit),
      unit: 'requests',
      per: 1000,
      note: `${written.toFixed(1)} partitions written per query; staging DELETEs are free`,
    }),
    ...lambdaLines(book, {
      name: 'merger (merge)',
      invocations: runs,
      totalMs: runs * a.mergerEmptyRunMs + queries * a.mergerMsPerQuery,
      memoryMb: a.mergerMemoryMb,
      note: `one scheduled run every ${formatSeconds(interval)}`,
    }),
    priceLine(book, 'scheduler.usdPerMillionInvocations', {
      component: 'EventBridge Scheduler: merge schedule',
      quantity: runs,
      unit: 'invocations',
      per: 1e6,
      note: `rate(${formatCount(interval / 60)} minutes)`,
    }),
    priceLine(book, 'dynamodb.usdPerMillionWriteRequestUnits', {
      component: 'DynamoDB control table (lease, journal)',
      quantity: runs * a.controlWritesPerRun + mergeRuns * a.journalWritesPerMerge,
      unit: 'write request units',
      per: 1e6,
      note: `${a.controlWritesPerRun} lease writes per run, ${a.journalWritesPerMerge} journal writes per merge`,
    }),
  );

  const maintenance = maintenanceLines(profile, derived, book, a, {
    dataIntervalSec: interval,
    updates: profile.updateFraction > 0,
    invokedByMerger: true,
  });
  lines.push(...maintenance.lines);

  const stagedResidentBytes = W * (interval / 2 + bw) * stagedRowBytes;
  lines.push(
    icebergStorageLine(derived, book, a),
    priceLine(book, 's3.standardUsdPerGbMonth', {
      component: 'S3 storage: staging (average resident)',
      quantity: stagedResidentBytes / book.units.bytesPerGb,
      unit: 'GB-month',
      note: 'changes wait half an interval on average before the merge deletes them',
    }),
  );

  if (profile.items * a.targetKeyBytesPerRow > 1e11) {
    notes.push(
      'Large target: every MERGE reads the key columns of each partition it touches; partition by time (e.g. day of creation) so new keys touch few partitions.',
    );
  }
  notes.push(mergeReadNote(derived.tableBytes * a.parquetRatio, stagedBytesPerQuery));
  const queriesPerTimeout = Math.floor(a.mergerTimeoutSec / mergeSec);
  const feasible = queriesPerMerge <= queriesPerTimeout;
  if (!feasible) {
    notes.push(
      `Cannot keep up as configured: an interval stages ${formatCount(objectsPerMerge)} objects, ${queriesPerMerge} MERGE queries of ${a.mergeFilesPerQuery} files, ` +
        `but one ${a.mergerTimeoutSec} s merger run fits ${queriesPerTimeout}; merge more often or raise the batching window; for a table whose items never change, use append mode (it compacts staging first).`,
    );
  }
  return designCost(book, profile, {
    design: options.design,
    title: options.title,
    module: 'infra/modules/merge-table (table.mode = "merge")',
    lines,
    notes,
    achievedFreshnessSec: bw + interval + mergeSec * queriesPerMerge,
    feasible,
  });
}
