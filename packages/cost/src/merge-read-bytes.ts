import { formatBytes } from './format-units.js';

/**
 * What one MERGE reads of its target, as a function of table size (docs/BENCHMARKS.md, "MERGE read
 * bytes", has the measured figures). Athena bills a MERGE by the bytes it scans and cancels it at the
 * workgroup's bytes-scanned cutoff (Athena user guide, "Workgroup data usage controls"), so this is
 * what decides both the price of a merge and whether it still runs as the table grows.
 *
 * Model: the MERGE reads its staged rows plus the target's data files. Unrestricted (a bucket or
 * truncate partitioning, a mutable partition column, objects without bounds) it reads the whole
 * target: every column, since the backfill repair clause compares every data column. Restricted
 * (packages/core/src/sql/partition-bounds.ts: year/month/day/hour or identity of an immutable column)
 * it reads only the partitions the batch's rows fall in: for rows spread evenly over `partitions`
 * partitions, `touchedPartitions / partitions` of the table. The table grows by adding partitions
 * (days) of about equal size, so the restricted read stays flat while the unrestricted one grows
 * with the table.
 */
export interface MergeReadProfile {
  /** Bytes of the target's data files (Parquet). */
  readonly tableBytes: number;
  /** Partitions of the restricting transform the table holds (e.g. 365 for a year of day partitions). */
  readonly partitions: number;
  /** Partitions one batch's rows fall in (a batch of recent changes: today, maybe yesterday). */
  readonly touchedPartitions: number;
  /** Bytes of the batch's staged objects (gzip NDJSON). */
  readonly stagedBytes: number;
}

export interface MergeRead {
  /** Target bytes read. */
  readonly targetBytes: number;
  /** Staged plus target bytes: what the query scans. */
  readonly scannedBytes: number;
}

export function mergeReadBytes(profile: MergeReadProfile, restricted: boolean): MergeRead {
  const share =
    restricted && profile.partitions > 0
      ? Math.min(1, Math.max(0, profile.touchedPartitions) / profile.partitions)
      : 1;
  const targetBytes = Math.max(0, profile.tableBytes) * share;
  return { targetBytes, scannedBytes: targetBytes + Math.max(0, profile.stagedBytes) };
}

/** Defaults of the report's note: a year of day partitions, batches touching today and yesterday. */
export const MERGE_READ_PARTITIONS = 365;
export const MERGE_READ_TOUCHED_PARTITIONS = 2;

/** One line for the cost report: the target read per MERGE at this table size, both ways. */
export function mergeReadNote(tableBytes: number, stagedBytes: number): string {
  const profile = {
    tableBytes,
    partitions: MERGE_READ_PARTITIONS,
    touchedPartitions: MERGE_READ_TOUCHED_PARTITIONS,
    stagedBytes,
  };
  const whole = mergeReadBytes(profile, false);
  const restricted = mergeReadBytes(profile, true);
  return (
    `MERGE read at this table size: ${formatBytes(whole.scannedBytes)} per query over the whole target ` +
    `(bucket partitioning or a mutable column), ${formatBytes(restricted.scannedBytes)} restricted to the ` +
    `${MERGE_READ_TOUCHED_PARTITIONS} of ${MERGE_READ_PARTITIONS} day partitions a batch touches ` +
    '(day(created_at) of an immutable column; docs/BENCHMARKS.md, "MERGE read bytes").'
  );
}
