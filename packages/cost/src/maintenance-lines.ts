import type { Assumptions } from './assumptions.js';
import { athenaBilledBytes } from './athena-billed-bytes.js';
import type { DerivedProfile, LineItem, TableProfile } from './cost-types.js';
import { formatBytes, formatCount, formatPercent } from './format-units.js';
import { lambdaLines } from './lambda-lines.js';
import { nonEmptyProbability } from './non-empty-probability.js';
import type { PriceBook } from './price-book.js';
import { priceLine } from './price-line.js';

const TARGET_FILE_BYTES = 512 * 1024 * 1024;

/**
 * Iceberg maintenance through Athena: `OPTIMIZE ... REWRITE DATA USING BIN_PACK` then `VACUUM`, every
 * maintenance run. packages/core `maintainTable` runs both whether or not anything was merged since the
 * last run, so an idle table still bills 2 x 10 MB a run. OPTIMIZE rewrites the small files written
 * since the last run plus, for tables with updates, the files that carry position deletes (at most one
 * 512 MB target file per updated row, at most the table). VACUUM is assumed billed at the 10 MB minimum.
 */
export function maintenanceLines(
  profile: TableProfile,
  derived: DerivedProfile,
  book: PriceBook,
  a: Assumptions,
  options: { dataIntervalSec: number; updates: boolean; invokedByMerger: boolean },
): { lines: LineItem[]; runs: number } {
  const interval = Math.max(a.maintenanceIntervalSec, options.dataIntervalSec);
  const runs = derived.secondsPerMonth / interval;
  const pActive = nonEmptyProbability(profile.writesPerSec, interval);
  const active = runs * pActive;
  const changes = pActive > 0 ? (profile.writesPerSec * interval) / pActive : 0;
  const tableParquetBytes = derived.tableBytes * a.parquetRatio;
  const newBytes = changes * profile.itemBytes * a.parquetRatio;
  const fileBytes = Math.min(TARGET_FILE_BYTES, tableParquetBytes / a.partitionBuckets);
  const deleteBytes = options.updates
    ? Math.min(tableParquetBytes, changes * profile.updateFraction * fileBytes)
    : 0;
  const optimizeBilled = athenaBilledBytes(newBytes + deleteBytes, book);
  const vacuumBilled = athenaBilledBytes(0, book);
  const idleBilled = 2 * athenaBilledBytes(0, book);
  const lines: LineItem[] = [
    priceLine(book, 'athena.usdPerTbScanned', {
      component: 'Athena OPTIMIZE + VACUUM, bytes billed',
      quantity:
        (active * (optimizeBilled + vacuumBilled) + (runs - active) * idleBilled) / book.units.bytesPerTb,
      unit: 'TB',
      note:
        `${formatCount(runs)} runs; ${formatCount(active)} with changes (${formatPercent(pActive)}): ` +
        `OPTIMIZE ${formatBytes(optimizeBilled)} (new ${formatBytes(newBytes)} + files with deletes ${formatBytes(deleteBytes)}) ` +
        `+ VACUUM ${formatBytes(vacuumBilled)}; idle runs 2 x ${formatBytes(vacuumBilled)} (not skipped)`,
    }),
  ];
  if (options.invokedByMerger) {
    lines.push(
      ...lambdaLines(book, {
        name: 'merger (maintain)',
        invocations: runs,
        totalMs: runs * a.mergerEmptyRunMs + active * a.maintenanceRunMs,
        memoryMb: a.mergerMemoryMb,
        note: `one scheduled maintain run every ${formatCount(interval)} s`,
      }),
      priceLine(book, 'scheduler.usdPerMillionInvocations', {
        component: 'EventBridge Scheduler: maintain schedule',
        quantity: runs,
        unit: 'invocations',
        per: 1e6,
        note: `rate(${formatCount(interval / 60)} minutes)`,
      }),
    );
  }
  return { lines, runs };
}
