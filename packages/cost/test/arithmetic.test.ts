// Hand-checked arithmetic of the cost model. Each expected value is computed here from the price file's
// numbers and the formula written next to it, never copied from the model's output.
import { beforeAll, describe, expect, it } from 'vitest';

import { DEFAULT_ASSUMPTIONS } from '../src/assumptions.js';
import { athenaBilledBytes } from '../src/athena-billed-bytes.js';
import type { DesignCost, LineItem, TableProfile } from '../src/cost-types.js';
import { deriveProfile } from '../src/derive-profile.js';
import { firehoseModeCost } from '../src/firehose-mode-cost.js';
import { lambdaLines } from '../src/lambda-lines.js';
import { mergeModeCost } from '../src/merge-mode-cost.js';
import { nonEmptyProbability } from '../src/non-empty-probability.js';
import { loadPriceBook, type PriceBook, type PriceKey } from '../src/price-book.js';
import { priceLine } from '../src/price-line.js';
import { touchedPartitions } from '../src/touched-partitions.js';

const MiB = 1024 ** 2;
const GiB = 1024 ** 3;
const TiB = 1024 ** 4;
const a = DEFAULT_ASSUMPTIONS;
let book: PriceBook;
const price = (key: PriceKey): number => book.prices[key].value!;

beforeAll(async () => {
  book = await loadPriceBook();
});

function line(design: DesignCost, component: string): LineItem {
  const found = design.lines.find((l) => l.component === component);
  if (found === undefined) throw new Error(`no line "${component}" in ${design.design}`);
  return found;
}

describe('building blocks', () => {
  it('bills an Athena query at least 10 MB, in whole MB', () => {
    expect(athenaBilledBytes(0, book)).toBe(10 * MiB);
    expect(athenaBilledBytes(10 * MiB + 1, book)).toBe(11 * MiB);
    expect(athenaBilledBytes(3 * GiB, book)).toBe(3 * GiB);
  });

  it('gives the Poisson chance of a non-empty interval', () => {
    expect(nonEmptyProbability(0, 60)).toBe(0);
    // rate x seconds = ln 2  ->  1 - e^(-ln 2) = 1/2
    expect(nonEmptyProbability(Math.LN2, 1)).toBeCloseTo(0.5, 12);
  });

  it('counts the partitions a batch of keys touches', () => {
    expect(touchedPartitions(0, 16)).toBe(0);
    expect(touchedPartitions(1, 16)).toBeCloseTo(1, 12);
    // two keys: 16 x (1 - (15/16)^2) = 1.9375
    expect(touchedPartitions(2, 16)).toBeCloseTo(1.9375, 12);
    expect(touchedPartitions(1e6, 16)).toBeCloseTo(16, 9);
  });

  it('prices a line, and leaves an unknown price unpriced', () => {
    const l = priceLine(book, 's3.usdPer1000PutListRequests', {
      component: 'x',
      quantity: 2000,
      unit: 'requests',
      per: 1000,
      note: '',
    });
    expect(l.usd).toBeCloseTo(2 * price('s3.usdPer1000PutListRequests'), 12);
    const unknown = priceLine(book, 'glue.zeroEtlUsdPerGbIngested', {
      component: 'y',
      quantity: 5,
      unit: 'GB',
      note: '',
    });
    expect(unknown.usd).toBeNull();
  });

  it('prices Lambda requests and GB-seconds', () => {
    // 1,000 calls of 500 ms at 2048 MB = 1,000 x 0.5 s x 2 GB = 1,000 GB-s
    const [requests, duration] = lambdaLines(book, {
      name: 'f',
      invocations: 1000,
      totalMs: 500_000,
      memoryMb: 2048,
      note: '',
    });
    expect(requests!.usd).toBeCloseTo((1000 / 1e6) * price('lambda.usdPerMillionRequests'), 12);
    expect(duration!.quantity).toBeCloseTo(1000, 9);
    expect(duration!.usd).toBeCloseTo(1000 * price('lambda.arm64UsdPerGbSecond'), 12);
  });
});

describe('merge mode on a small table', () => {
  // 100 items of 1,000 bytes, one write every 100 s, freshness 120 s.
  const profile: TableProfile = {
    name: 't',
    items: 100,
    itemBytes: 1000,
    writesPerSec: 0.01,
    freshnessSec: 120,
    updateFraction: 1,
  };

  it('runs every minute and pays Athena only for the intervals with something staged', () => {
    const derived = deriveProfile(profile, book, a);
    const design = mergeModeCost(profile, derived, book, a);
    // Schedule: floor((120 - 5 s window - 8 s merge) / 60) x 60 = 60 s; runs = 730 h x 3600 / 60 = 43,800.
    const runs = (730 * 3600) / 60;
    // P(at least one write in 60 s) = 1 - e^(-0.01 x 60); each such run is one MERGE far below 10 MB,
    // so it bills the 10 MB minimum: USD = runs x P x 10 MiB / 1 TiB x price per TB.
    const p = 1 - Math.exp(-0.6);
    const athena = line(design, 'Athena MERGE, bytes billed');
    expect(athena.quantity).toBeCloseTo((runs * p * 10 * MiB) / TiB, 12);
    expect(athena.usd).toBeCloseTo(((runs * p * 10 * MiB) / TiB) * price('athena.usdPerTbScanned'), 9);
    // Every run is a scheduler invocation and a merger call, empty or not.
    expect(line(design, 'EventBridge Scheduler: merge schedule').usd).toBeCloseTo(
      (runs / 1e6) * price('scheduler.usdPerMillionInvocations'),
      12,
    );
    expect(line(design, 'Lambda merger (merge): requests').quantity).toBeCloseTo(runs, 9);
    // Lease writes: 2 per run, plus 2 journal writes per merge.
    expect(line(design, 'DynamoDB control table (lease, journal)').quantity).toBeCloseTo(
      runs * 2 + runs * p * 2,
      6,
    );
    expect(design.achievedFreshnessSec).toBe(5 + 60 + 8);
    expect(design.meetsFreshness).toBe(true);
  });

  it('sums its lines into the total', () => {
    const design = mergeModeCost(profile, deriveProfile(profile, book, a), book, a);
    const sum = design.lines.reduce((s, l) => s + (l.usd ?? 0), 0);
    expect(design.monthlyUsd).toBeCloseTo(sum, 12);
    expect(design.lowerBound).toBe(false);
  });
});

describe('firehose mode', () => {
  it('bills Firehose per record in 5 KB increments and Kinesis in 1 KB increments', () => {
    // Inserts of 1,000-byte items: a Kinesis record is 1,000 + 400 bytes of event metadata = 1,400 B,
    // billed by Kinesis as 2,048 B and by Firehose as 5,120 B. 1 write/s for a 730-hour month.
    const profile: TableProfile = {
      name: 't',
      items: 1000,
      itemBytes: 1000,
      writesPerSec: 1,
      freshnessSec: 3600,
      updateFraction: 0,
    };
    const design = firehoseModeCost(profile, deriveProfile(profile, book, a), book, a);
    const records = 730 * 3600;
    expect(line(design, 'Firehose to Iceberg (source: Kinesis)').usd).toBeCloseTo(
      ((records * 5120) / GiB) * price('firehose.icebergFromKinesisUsdPerGb'),
      9,
    );
    expect(line(design, 'Kinesis Data Streams on-demand: data in').usd).toBeCloseTo(
      ((records * 2048) / GiB) * price('kinesis.onDemandUsdPerGbIngested'),
      9,
    );
    expect(line(design, 'Kinesis Data Streams on-demand: stream').usd).toBeCloseTo(
      730 * price('kinesis.onDemandUsdPerStreamHour'),
      9,
    );
  });
});
