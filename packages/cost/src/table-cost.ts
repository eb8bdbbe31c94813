import type { Assumptions } from './assumptions.js';
import type { TableCost, TableProfile } from './cost-types.js';
import { deriveProfile } from './derive-profile.js';
import { firehoseModeCost } from './firehose-mode-cost.js';
import { glueZeroEtlCost } from './glue-zero-etl-cost.js';
import { mergeModeCost } from './merge-mode-cost.js';
import type { PriceBook } from './price-book.js';
import { seedFullExportCost } from './seed-full-export-cost.js';
import { seedFullScanCost } from './seed-full-scan-cost.js';

/** Every design priced for one table profile. */
export function tableCost(profile: TableProfile, book: PriceBook, a: Assumptions): TableCost {
  const derived = deriveProfile(profile, book, a);
  return {
    profile,
    derived,
    designs: [
      mergeModeCost(profile, derived, book, a),
      firehoseModeCost(profile, derived, book, a),
      mergeModeCost(profile, derived, book, a, {
        design: 'append-daily',
        title: 'append-only merge, daily',
        intervalSec: a.appendDailyIntervalSec,
        appendOnly: true,
        batchWindowSec: a.appendDailyBatchWindowSec,
      }),
      glueZeroEtlCost(profile, derived, book, a),
      seedFullScanCost(profile, derived, book, a),
      seedFullExportCost(profile, derived, book, a),
    ],
  };
}
