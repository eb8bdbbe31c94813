// Append mode for the seed's orders, recomputed by hand from the assumptions and the price file.
import { beforeAll, describe, expect, it } from 'vitest';

import { appendModeCost, appendRun } from '../src/append-mode-cost.js';
import { DEFAULT_ASSUMPTIONS } from '../src/assumptions.js';
import { costReport } from '../src/cost-report.js';
import type { DesignCost } from '../src/cost-types.js';
import { deriveProfile } from '../src/derive-profile.js';
import { loadPriceBook, type PriceBook } from '../src/price-book.js';
import { SCENARIOS } from '../src/scenarios.js';

const a = DEFAULT_ASSUMPTIONS;
const orders = SCENARIOS.seed![1]!;
let book: PriceBook;
let design: DesignCost;
beforeAll(async () => {
  book = await loadPriceBook();
  design = appendModeCost(orders, deriveProfile(orders, book, a), book, a);
});

describe('append mode, seed orders', () => {
  it('checks its capacity: a daily run does not fit the merger timeout, the chosen schedule does', () => {
    const derived = deriveProfile(orders, book, a);
    // 730 shards (7.1 TB / 10 GB), one staged object per shard per 300 s window.
    expect(derived.streamShards).toBe(730);
    const objectsPerSec = 730 / 300;
    const daily = appendRun(orders, a, 86400, objectsPerSec);
    expect(daily.objects).toBeCloseTo(730 * 288, 6);
    // Text bytes: 10,485,760 orders a day x (2,048 + 120) bytes.
    expect(daily.stagedTextBytes).toBeCloseTo(10_485_760 * 2168, 0);
    const compaction = (730 * 288 * 20) / 32 / 1000 + (10_485_760 * 2168) / 40e6;
    expect(daily.compactionSec).toBeCloseTo(compaction + (daily.compactedObjects * 200) / 1000, 6);
    expect(daily.budgetSec).toBe(300 - 20 - 30);
    expect(daily.fits).toBe(false);
    const sixHours = appendRun(orders, a, 21600, objectsPerSec);
    expect(sixHours.fits).toBe(true);
    expect(sixHours.queries).toBe(1);
    expect(design.feasible).toBe(true);
    expect(design.notes.some((n) => n.startsWith('Cannot keep up'))).toBe(false);
    expect(design.notes.find((n) => n.startsWith('Capacity check:'))).toContain('a run every 6.0 h');
  });

  it('prices the staging PUTs and the compaction GETs per staged object', () => {
    const objects = 730 * ((730 * 3600) / 300);
    for (const component of [
      'S3 PUT staging objects',
      'S3 GET by the compaction (every staged object once)',
    ]) {
      const line = design.lines.find((l) => l.component === component)!;
      expect(line.quantity).toBeCloseTo(objects, 0);
    }
    const put = design.lines.find((l) => l.component === 'S3 PUT staging objects')!;
    expect(put.usd).toBeCloseTo((objects / 1000) * book.prices['s3.usdPer1000PutListRequests'].value!, 6);
  });

  it('costs at most a third of firehose mode, and the report says how that was checked', () => {
    const report = costReport('seed', SCENARIOS.seed!, book, a);
    const t = report.tables[1]!;
    const firehose = t.designs.find((d) => d.design === 'firehose')!;
    const append = t.designs.find((d) => d.design === 'append')!;
    expect(append.monthlyUsd).toBeLessThanOrEqual(firehose.monthlyUsd / 3);
    expect(report.checks.some((c) => c.startsWith('orders: append mode') && c.includes('keeps up'))).toBe(
      true,
    );
    // Only the immutable table gets the append check.
    expect(report.checks.some((c) => c.startsWith('books'))).toBe(false);
  });
});
