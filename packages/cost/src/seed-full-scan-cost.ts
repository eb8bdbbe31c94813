import type { Assumptions } from './assumptions.js';
import type { DerivedProfile, DesignCost, TableProfile } from './cost-types.js';
import { designCost } from './design-cost.js';
import { formatBytes, formatCount, formatSeconds } from './format-units.js';
import { lambdaLines } from './lambda-lines.js';
import type { PriceBook } from './price-book.js';
import { priceLine } from './price-line.js';

/**
 * The article's books design: every minute a Lambda Scans the whole table (eventually consistent:
 * half a read unit per 4 KB), writes it to S3 as a new file and deletes the previous one.
 */
export function seedFullScanCost(
  profile: TableProfile,
  derived: DerivedProfile,
  book: PriceBook,
  a: Assumptions,
): DesignCost {
  const { bytesPerGb, bytesPerMb } = book.units;
  const interval = a.fullScanIntervalSec;
  const runs = derived.secondsPerMonth / interval;
  const rruPerScan = Math.ceil(derived.tableBytes / 4096) * 0.5;
  const scanSec = a.fullScanBaseMs / 1000 + derived.tableBytes / a.fullScanBytesPerSec;
  const feasible = scanSec <= a.lambdaMaxSec;
  const partSize = 100 * bytesPerMb;
  const putsPerRun = derived.tableBytes <= partSize ? 1 : Math.ceil(derived.tableBytes / partSize) + 2;
  const lines = [
    priceLine(book, 'dynamodb.usdPerMillionReadRequestUnits', {
      component: 'DynamoDB Scan (eventually consistent)',
      quantity: runs * rruPerScan,
      unit: 'read request units',
      per: 1e6,
      note: `${formatCount(runs)} scans of ${formatBytes(derived.tableBytes)} at 0.5 unit per 4 KB`,
    }),
    ...lambdaLines(book, {
      name: 'full scan',
      invocations: runs,
      totalMs: runs * scanSec * 1000,
      memoryMb: a.fullScanMemoryMb,
      note: `a scan takes ${formatSeconds(scanSec)} at ${formatBytes(a.fullScanBytesPerSec)}/s`,
    }),
    priceLine(book, 'scheduler.usdPerMillionInvocations', {
      component: 'EventBridge Scheduler: every minute',
      quantity: runs,
      unit: 'invocations',
      per: 1e6,
      note: 'rate(1 minute)',
    }),
    priceLine(book, 's3.usdPer1000PutListRequests', {
      component: 'S3 PUT snapshot file',
      quantity: runs * putsPerRun,
      unit: 'requests',
      per: 1000,
      note:
        putsPerRun > 1
          ? `multipart upload, ${putsPerRun} requests per file`
          : 'one file per run; the DELETE of the previous one is free',
    }),
    priceLine(book, 's3.standardUsdPerGbMonth', {
      component: 'S3 storage: one JSON snapshot',
      quantity: derived.tableBytes / bytesPerGb,
      unit: 'GB-month',
      note: 'JSON assumed the size of the items',
    }),
  ];
  const notes = [
    "Readers fail with HIVE_CANNOT_OPEN_SPLIT when the previous file is deleted while a query reads it (the article's problem); queries scan the whole snapshot every time.",
  ];
  if (!feasible)
    notes.push(
      `Infeasible: one scan takes ${formatSeconds(scanSec)}, beyond Lambda's ${a.lambdaMaxSec} s limit.`,
    );
  else if (scanSec > interval)
    notes.push(`A scan (${formatSeconds(scanSec)}) outlasts the 1-minute schedule: runs overlap.`);
  return designCost(book, profile, {
    design: 'seed-full-scan',
    title: 'article: full Scan every minute',
    lines,
    notes,
    achievedFreshnessSec: interval + scanSec,
    feasible,
  });
}
