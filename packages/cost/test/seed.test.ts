// The seed scenario against the article: "To ingest 20GB of data a day it costs monthly 33.46 USD."
import { beforeAll, describe, expect, it } from 'vitest';

import { ARTICLE_FIREHOSE_USD } from '../src/article-firehose-check.js';
import { DEFAULT_ASSUMPTIONS } from '../src/assumptions.js';
import { costReport } from '../src/cost-report.js';
import type { CostReport } from '../src/cost-types.js';
import { loadPriceBook, type PriceBook } from '../src/price-book.js';
import { SCENARIOS } from '../src/scenarios.js';

let book: PriceBook;
let report: CostReport;
beforeAll(async () => {
  book = await loadPriceBook();
  report = costReport('seed', SCENARIOS.seed!, book, DEFAULT_ASSUMPTIONS);
});

describe('seed scenario vs the article', () => {
  it('reproduces 33.46 with 20 GB/day over the 730-hour month at 0.055 USD/GB, and with no price-file rate', () => {
    const check = report.articleFirehose!;
    expect(check.articleUsd).toBe(33.46);
    // 20 GB x (730 / 24) days x 0.055 USD/GB = 33.4583 -> 33.46
    expect(Math.round(20 * (730 / 24) * 0.055 * 100) / 100).toBe(ARTICLE_FIREHOSE_USD);
    expect(check.impliedUsdPerGb).toBeCloseTo(33.46 / (20 * (730 / 24)), 12);
    const matches = check.candidates.filter((c) => c.matches);
    expect(matches.map((c) => [c.rateKey, c.usdPerGb, c.days])).toEqual([['implied', 0.055, 730 / 24]]);
    // 30.4 days at 0.055 gives 33.44: the 730-hour month is what matches, not 30.4 days.
    expect(check.candidates.find((c) => c.rateKey === 'implied' && c.days === 30.4)!.matches).toBe(false);
    for (const key of [
      'firehose.icebergFromKinesisUsdPerGb',
      'firehose.icebergDirectPutUsdPerGb',
      'firehose.s3IngestUsdPerGb',
    ]) {
      expect(check.candidates.filter((c) => c.rateKey === key).some((c) => c.matches)).toBe(false);
    }
  });

  it('prices the orders Firehose line from 20 GiB/day of 2 KB records billed as 5 KB each', () => {
    const check = report.articleFirehose!;
    const rate = book.prices['firehose.icebergFromKinesisUsdPerGb'].value!;
    // 20 GiB a day of 2,048-byte orders = 10,485,760 records a day; each Kinesis record (2,048 + 400 B)
    // is billed as 5,120 B: 20 GiB x 5120/2048 = 50 GiB a day, over 730/24 days, at the KDS-source rate.
    expect(check.modelFirehoseUsd).toBeCloseTo(20 * (5120 / 2048) * (730 / 24) * rate, 6);
    // On the item bytes alone, unrounded: 20 GiB a day x 730/24 days x rate.
    expect(check.modelFirehoseUnroundedUsd).toBeCloseTo(20 * (730 / 24) * rate, 6);
    expect(check.modelFirehoseUnroundedUsd).toBeLessThan(ARTICLE_FIREHOSE_USD);
    expect(check.modelFirehoseUsd).toBeGreaterThan(ARTICLE_FIREHOSE_USD);
    expect(check.explanation.join(' ')).toContain('730-hour month');
  });

  it('has the article tables and every design for each', () => {
    expect(report.tables.map((t) => t.profile.name)).toEqual(['books', 'orders']);
    for (const t of report.tables) {
      // Only designs this project builds, each naming its module.
      expect(t.designs.map((d) => [d.design, d.module])).toEqual([
        ['merge', 'infra/modules/merge-table (table.mode = "merge")'],
        ['firehose', 'infra/modules/firehose-table'],
        ['append', 'infra/modules/merge-table (table.mode = "append")'],
      ]);
    }
    const orders = report.tables[1]!;
    // 20 GiB a day of 2 KB orders.
    expect(orders.profile.writesPerSec * 86400 * orders.profile.itemBytes).toBeCloseTo(20 * 1024 ** 3, 3);
  });

  it('meets the article freshness with merge for books and firehose for orders', () => {
    const books = report.tables[0]!.designs;
    const orders = report.tables[1]!.designs;
    expect(books.find((d) => d.design === 'merge')!.meetsFreshness).toBe(true);
    expect(orders.find((d) => d.design === 'firehose')!.meetsFreshness).toBe(true);
    expect(orders.find((d) => d.design === 'merge')!.feasible).toBe(false);
  });
});
