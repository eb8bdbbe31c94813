import type { Assumptions } from './assumptions.js';
import type { DerivedProfile, DesignCost, TableProfile } from './cost-types.js';
import { designCost } from './design-cost.js';
import { formatCount, formatSeconds, formatUsd } from './format-units.js';
import type { PriceBook } from './price-book.js';
import { priceLine } from './price-line.js';

/**
 * AWS Glue zero-ETL integration from DynamoDB into an Iceberg table. It reads the table through
 * DynamoDB exports (PITR required: a full export once, then incremental exports each refresh) and
 * writes Iceberg itself. Its own per-GB charge could not be confirmed, so that line is unpriced and
 * the total is a lower bound.
 */
export function glueZeroEtlCost(
  profile: TableProfile,
  derived: DerivedProfile,
  book: PriceBook,
  a: Assumptions,
): DesignCost {
  const { bytesPerGb } = book.units;
  const refreshSec = Math.max(a.zeroEtlMinRefreshSec, profile.freshnessSec - a.zeroEtlProcessingSec);
  const changedBytes = derived.writesPerMonth * profile.itemBytes;
  const fullExportOnceUsd =
    (derived.tableBytes / bytesPerGb) * (book.prices['dynamodb.usdPerGbFullExport'].value ?? 0);
  const lines = [
    priceLine(book, 'dynamodb.usdPerGbMonthPitr', {
      component: 'DynamoDB point-in-time recovery (needed by exports)',
      quantity: derived.tableBytes / bytesPerGb,
      unit: 'GB-month',
      note: 'whole table',
    }),
    priceLine(book, 'dynamodb.usdPerGbIncrementalExport', {
      component: 'DynamoDB incremental exports',
      quantity: changedBytes / bytesPerGb,
      unit: 'GB',
      note: `${formatCount(derived.secondsPerMonth / refreshSec)} refreshes; assumed billed on the bytes of changed items`,
    }),
    priceLine(book, 'glue.zeroEtlUsdPerGbIngested', {
      component: 'Glue zero-ETL integration (ingest into Iceberg)',
      quantity: changedBytes / bytesPerGb,
      unit: 'GB',
      note: 'price not found',
    }),
    priceLine(book, 's3.standardUsdPerGbMonth', {
      component: 'S3 storage: Iceberg table',
      quantity: (derived.tableBytes * a.parquetRatio) / bytesPerGb,
      unit: 'GB-month',
      note: `Parquet at ${a.parquetRatio} of the item bytes`,
    }),
  ];
  return designCost(book, profile, {
    design: 'glue-zero-etl',
    title: 'Glue zero-ETL into Iceberg',
    lines,
    notes: [
      `One-time initial full export not included: about ${formatUsd(fullExportOnceUsd)} USD.`,
      `Refresh every ${formatSeconds(refreshSec)} at best (minimum refresh interval assumed ${formatSeconds(a.zeroEtlMinRefreshSec)}).`,
      'No code to run, but no control over the merge (no sequence guard, no quarantine), and Glue owns the table layout.',
    ],
    achievedFreshnessSec: refreshSec + a.zeroEtlProcessingSec,
    feasible: true,
  });
}
