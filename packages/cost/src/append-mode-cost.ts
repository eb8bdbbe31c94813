import type { Assumptions } from './assumptions.js';
import { athenaBilledBytes } from './athena-billed-bytes.js';
import type { DerivedProfile, DesignCost, LineItem, TableProfile } from './cost-types.js';
import { designCost } from './design-cost.js';
import { formatBytes, formatCount, formatSeconds } from './format-units.js';
import { lambdaLines } from './lambda-lines.js';
import { maintenanceLines } from './maintenance-lines.js';
import { nonEmptyProbability } from './non-empty-probability.js';
import type { PriceBook } from './price-book.js';
import { priceLine } from './price-line.js';
import { icebergStorageLine, streamWriterStage } from './stream-writer-stage.js';

/** Schedules the model tries for an append table, longest first (EventBridge Scheduler rate()). */
const INTERVALS_SEC = [86400, 43200, 21600, 10800, 7200, 3600, 1800, 900, 600, 300, 60];

/** What one merger run of an append table does at a given schedule, and whether it fits its timeout. */
export interface AppendRun {
  readonly intervalSec: number;
  /** Staged objects the run finds (one per stream shard per batching window). */
  readonly objects: number;
  /** Rows and their staged bytes (uncompressed, and gzip as staged). */
  readonly rows: number;
  readonly stagedTextBytes: number;
  readonly stagedBytes: number;
  /** Outputs of the compaction (about `compactedObjectBytes` each) and the append queries naming them. */
  readonly compactedObjects: number;
  readonly queries: number;
  /** Seconds the run needs: compaction (GETs, decode checks, PUTs) plus the append queries. */
  readonly compactionSec: number;
  readonly runSec: number;
  /** Seconds the run may use: the timeout less the merger's safety margin and one batch budget. */
  readonly budgetSec: number;
  readonly fits: boolean;
}

/**
 * One run of the append protocol at `intervalSec` (packages/core merge/compact-staged.ts, then
 * sql/render-append.ts): every staged object is read once (GET + decode check), folded into outputs
 * of `compactedObjectBytes`, and the outputs are appended by queries of at most `mergeFilesPerQuery`
 * files. The compaction's time is the GETs (run `compactionConcurrency` at a time) plus the decode
 * check at the measured rate (docs/BENCHMARKS.md, "Append mode").
 */
export function appendRun(
  profile: TableProfile,
  a: Assumptions,
  intervalSec: number,
  objectsPerSec: number,
): AppendRun {
  const rows = profile.writesPerSec * intervalSec;
  const stagedTextBytes = rows * (profile.itemBytes + a.stagingRowOverheadBytes);
  const stagedBytes = stagedTextBytes * a.stagingCompressionRatio;
  const objects = objectsPerSec * intervalSec;
  const compactedObjects = Math.max(objects > 0 ? 1 : 0, Math.ceil(stagedBytes / a.compactedObjectBytes));
  const queries = compactedObjects === 0 ? 0 : Math.ceil(compactedObjects / a.mergeFilesPerQuery);
  const compactionSec =
    (objects * a.compactionGetMs) / a.compactionConcurrency / 1000 +
    stagedTextBytes / a.compactionCheckBytesPerSec +
    (compactedObjects * a.compactionPutMs) / 1000;
  const runSec = compactionSec + (queries * a.mergerMsPerQuery) / 1000;
  const budgetSec = a.mergerTimeoutSec - a.mergerSafetySec - a.mergerMinBatchBudgetSec;
  return {
    intervalSec,
    objects,
    rows,
    stagedTextBytes,
    stagedBytes,
    compactedObjects,
    queries,
    compactionSec,
    runSec,
    budgetSec,
    fits: runSec <= budgetSec,
  };
}

/**
 * Mode append (this project; built by infra/modules/merge-table with `table.mode = "append"`):
 * DynamoDB Streams -> stream-writer (INSERTs only, batching window `appendBatchWindowSec`) -> staging
 * -> scheduled merger: compact the staged objects, then one insert-only MERGE per
 * `mergeFilesPerQuery` outputs, `ON key AND <partitions the batch spans>`, `WHEN NOT MATCHED THEN
 * INSERT`. No Kinesis, no Firehose, no tombstones.
 *
 * The schedule is the longest of INTERVALS_SEC that meets the freshness target and whose run fits
 * the merger's timeout (the model's capacity check); the target read is the key and partition
 * columns of the partitions the batch spans (time partitioning: about one day's partition, half of
 * it written on average when it is read).
 */
export function appendModeCost(
  profile: TableProfile,
  derived: DerivedProfile,
  book: PriceBook,
  a: Assumptions,
): DesignCost {
  const S = derived.secondsPerMonth;
  const W = profile.writesPerSec;
  const lines: LineItem[] = [];
  const notes: string[] = [];

  const bw = a.appendBatchWindowSec;
  const { invocations, lines: stageLines } = streamWriterStage(profile, derived, book, a, {
    batchWindowSec: bw,
    records: 'inserts',
  });
  const objectsPerSec = invocations / S;

  const candidates = INTERVALS_SEC.map((i) => appendRun(profile, a, i, objectsPerSec));
  const chosen =
    candidates.find((r) => r.fits && bw + r.intervalSec + r.runSec <= profile.freshnessSec) ??
    candidates.find((r) => r.fits) ??
    candidates.at(-1)!;
  const daily = candidates[0]!;
  const interval = chosen.intervalSec;
  const runs = S / interval;
  const pStaged = nonEmptyProbability(W, interval);
  const activeRuns = runs * pStaged;
  const run = pStaged > 0 ? appendRun(profile, a, interval, objectsPerSec / pStaged) : chosen;

  lines.push(
    ...stageLines,
    priceLine(book, 's3.usdPer1000GetRequests', {
      component: 'S3 GET by the compaction (every staged object once)',
      quantity: invocations,
      unit: 'requests',
      per: 1000,
      note: `${formatCount(run.objects)} objects per run folded into ${formatCount(run.compactedObjects)} of about ${formatBytes(a.compactedObjectBytes)}`,
    }),
    priceLine(book, 's3.usdPer1000PutListRequests', {
      component: 'S3 PUT compacted objects, LIST staging prefix',
      quantity: activeRuns * (run.compactedObjects + Math.ceil(run.objects / 1000) + 1) + (runs - activeRuns),
      unit: 'requests',
      per: 1000,
      note: 'one PUT per output; the listing pages 1,000 keys (twice: before the compaction and before the append)',
    }),
  );

  // The append's Athena read: staged outputs plus the key and partition columns of the partitions
  // the batch spans (the ON clause's restriction). With day partitioning an hourly run spans about
  // one day partition, read when half of that day is written on average.
  const rowsPerDay = W * 86400;
  const spannedDays = Math.max(1, interval / 86400);
  const targetRowsPerQuery = (rowsPerDay * spannedDays) / 2 / Math.max(1, run.queries);
  const targetBytesPerQuery = targetRowsPerQuery * a.targetKeyBytesPerRow;
  const stagedPerQuery = run.queries === 0 ? 0 : run.stagedBytes / run.queries;
  const billedPerQuery = athenaBilledBytes(stagedPerQuery + targetBytesPerQuery, book);
  const queries = activeRuns * run.queries;
  lines.push(
    priceLine(book, 'athena.usdPerTbScanned', {
      component: 'Athena insert-only MERGE, bytes billed',
      quantity: (queries * billedPerQuery) / book.units.bytesPerTb,
      unit: 'TB',
      note:
        `${formatCount(queries)} queries (${run.queries} per run), each ${formatBytes(billedPerQuery)} billed = staged ${formatBytes(stagedPerQuery)} ` +
        `+ target keys of the spanned partitions ${formatBytes(targetBytesPerQuery)}, 10 MB minimum`,
    }),
    priceLine(book, 's3.usdPer1000GetRequests', {
      component: 'S3 GET by Athena (compacted objects, target files, metadata)',
      quantity:
        queries *
        (run.compactedObjects / Math.max(1, run.queries) +
          a.dataFilesPerTouchedPartition +
          a.icebergMetadataGetsPerQuery),
      unit: 'requests',
      per: 1000,
      note: `${formatCount(run.compactedObjects)} compacted objects per run`,
    }),
    priceLine(book, 's3.usdPer1000PutListRequests', {
      component: 'S3 PUT by Athena (data and metadata files)',
      quantity: queries * (1 + a.icebergMetadataPutsPerCommit),
      unit: 'requests',
      per: 1000,
      note: 'inserts only: one data file per spanned partition, no delete files; staging DELETEs are free',
    }),
    ...lambdaLines(book, {
      name: 'merger (append)',
      invocations: runs,
      totalMs: runs * a.mergerEmptyRunMs + activeRuns * run.runSec * 1000,
      memoryMb: a.mergerMemoryMb,
      note: `one scheduled run every ${formatSeconds(interval)}: compaction ${run.compactionSec.toFixed(1)} s + ${run.queries} append(s)`,
    }),
    priceLine(book, 'scheduler.usdPerMillionInvocations', {
      component: 'EventBridge Scheduler: append schedule',
      quantity: runs,
      unit: 'invocations',
      per: 1e6,
      note: `rate(${formatCount(interval / 60)} minutes)`,
    }),
    priceLine(book, 'dynamodb.usdPerMillionWriteRequestUnits', {
      component: 'DynamoDB control table (lease, journal)',
      quantity:
        runs * a.controlWritesPerRun +
        activeRuns * (run.compactedObjects + run.queries) * (a.journalWritesPerMerge + 1),
      unit: 'write request units',
      per: 1e6,
      note: `${a.controlWritesPerRun} lease writes per run; 3 journal writes per compaction and per append`,
    }),
  );

  const maintenance = maintenanceLines(profile, derived, book, a, {
    dataIntervalSec: interval,
    updates: false,
    invokedByMerger: true,
  });
  lines.push(...maintenance.lines);
  lines.push(
    icebergStorageLine(derived, book, a),
    priceLine(book, 's3.standardUsdPerGbMonth', {
      component: 'S3 storage: staging (average resident)',
      quantity:
        (W *
          (interval / 2 + bw) *
          (profile.itemBytes + a.stagingRowOverheadBytes) *
          a.stagingCompressionRatio) /
        book.units.bytesPerGb,
      unit: 'GB-month',
      note: 'inserts wait half an interval on average before the append deletes them',
    }),
  );

  notes.push(
    `Capacity check: a run every ${formatSeconds(interval)} finds ${formatCount(run.objects)} staged objects (${formatBytes(run.stagedBytes)}), ` +
      `compacts them in ${run.compactionSec.toFixed(1)} s and appends in ${run.queries} quer${run.queries === 1 ? 'y' : 'ies'}: ${run.runSec.toFixed(1)} s of the ${run.budgetSec} s a ${a.mergerTimeoutSec} s run may use.` +
      (daily.fits || interval === daily.intervalSec
        ? ''
        : ` A daily run would need ${daily.runSec.toFixed(0)} s (${formatCount(daily.objects)} objects), so the schedule is ${formatSeconds(interval)}.`),
  );
  if (profile.updateFraction > 0)
    notes.push(
      'Append mode keeps the first version of each item: MODIFY and REMOVE are dropped (or quarantined), so it only suits items that never change.',
    );
  if (!run.fits)
    notes.push(
      `Cannot keep up as configured: one run needs ${run.runSec.toFixed(0)} s, more than the ${run.budgetSec} s it may use; raise the merger timeout or the batching window.`,
    );
  return designCost(book, profile, {
    design: 'append',
    title: 'append mode (this project)',
    module: 'infra/modules/merge-table (table.mode = "append")',
    lines,
    notes,
    achievedFreshnessSec: bw + interval + run.runSec,
    feasible: run.fits,
  });
}
