import type { Assumptions } from './assumptions.js';
import type { DerivedProfile, DesignCost, TableProfile } from './cost-types.js';
import { designCost } from './design-cost.js';
import { formatBytes, formatCount, formatSeconds } from './format-units.js';
import { lambdaLines } from './lambda-lines.js';
import type { PriceBook } from './price-book.js';
import { priceLine } from './price-line.js';

/**
 * The article's orders design: every 24 h a Lambda triggers a full DynamoDB export to S3, waits for it
 * (here: a status poll a minute, since one Lambda cannot wait an hour), copies the files into place
 * and removes the old ones.
 */
export function seedFullExportCost(
  profile: TableProfile,
  derived: DerivedProfile,
  book: PriceBook,
  a: Assumptions,
): DesignCost {
  const { bytesPerGb } = book.units;
  const exports = derived.secondsPerMonth / a.fullExportIntervalSec;
  const exportedBytes = derived.tableBytes * a.fullExportCompressionRatio;
  const objects = Math.max(1, Math.ceil(exportedBytes / a.fullExportObjectBytes));
  const polls = a.fullExportDurationSec / a.fullExportPollIntervalSec;
  const lines = [
    priceLine(book, 'dynamodb.usdPerGbFullExport', {
      component: 'DynamoDB full export',
      quantity: (exports * derived.tableBytes) / bytesPerGb,
      unit: 'GB',
      note: `${formatCount(exports)} exports of ${formatBytes(derived.tableBytes)}`,
    }),
    priceLine(book, 'dynamodb.usdPerGbMonthPitr', {
      component: 'DynamoDB point-in-time recovery (needed by exports)',
      quantity: derived.tableBytes / bytesPerGb,
      unit: 'GB-month',
      note: 'whole table',
    }),
    priceLine(book, 's3.usdPer1000PutListRequests', {
      component: 'S3 PUT (export files) and COPY (into place)',
      quantity: exports * objects * 2,
      unit: 'requests',
      per: 1000,
      note: `${formatCount(objects)} gzip DynamoDB JSON objects per export, written then copied (assumed billed to the bucket owner)`,
    }),
    ...lambdaLines(book, {
      name: 'export starter and poller',
      invocations: exports * (1 + polls),
      totalMs: exports * (1 + polls) * a.smallLambdaMs,
      memoryMb: a.smallLambdaMemoryMb,
      note: `start, then a poll every ${a.fullExportPollIntervalSec} s for ${formatSeconds(a.fullExportDurationSec)}`,
    }),
    priceLine(book, 'scheduler.usdPerMillionInvocations', {
      component: 'EventBridge Scheduler: daily start and polls',
      quantity: exports * (1 + polls),
      unit: 'invocations',
      per: 1e6,
      note: 'rate(24 hours) plus the polls',
    }),
    priceLine(book, 's3.standardUsdPerGbMonth', {
      component: 'S3 storage: one exported copy',
      quantity: exportedBytes / bytesPerGb,
      unit: 'GB-month',
      note: `gzip DynamoDB JSON at ${a.fullExportCompressionRatio} of the item bytes`,
    }),
  ];
  return designCost(book, profile, {
    design: 'seed-full-export',
    title: 'article: full export daily',
    lines,
    notes: [
      'Athena reads raw DynamoDB JSON (typed attribute maps), and queries fail with HIVE_CANNOT_OPEN_SPLIT while old files are removed.',
    ],
    achievedFreshnessSec: a.fullExportIntervalSec + a.fullExportDurationSec,
    feasible: true,
  });
}
