// The bytes a MERGE reads as a function of table size, with and without the partition restriction
// (issue 18 item 5). The measured figures behind the model are in docs/BENCHMARKS.md.
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';

import { DEFAULT_ASSUMPTIONS } from '../src/assumptions.js';
import { mergeReadBytes } from '../src/merge-read-bytes.js';
import { loadPriceBook, type PriceBook } from '../src/price-book.js';
import { tableCost } from '../src/table-cost.js';

let book: PriceBook;
beforeAll(async () => {
  book = await loadPriceBook();
});

describe('mergeReadBytes', () => {
  it('reads the whole target unrestricted, the touched partitions restricted', () => {
    // Arrange: 365 day partitions of 100 MiB, a batch of 1 MiB touching 2 days.
    const profile = {
      tableBytes: 365 * 2 ** 20 * 100,
      partitions: 365,
      touchedPartitions: 2,
      stagedBytes: 2 ** 20,
    };
    // Act / Assert
    expect(mergeReadBytes(profile, false)).toEqual({
      targetBytes: 365 * 2 ** 20 * 100,
      scannedBytes: 365 * 2 ** 20 * 100 + 2 ** 20,
    });
    expect(mergeReadBytes(profile, true)).toEqual({
      targetBytes: 200 * 2 ** 20,
      scannedBytes: 201 * 2 ** 20,
    });
  });

  it('as the table grows by partitions, the restricted read stays flat and the whole read grows (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 10, max: 10_000 }),
        fc.integer({ min: 1, max: 10_000 }),
        fc.double({ min: 1, max: 1e12, noNaN: true }),
        fc.integer({ min: 1, max: 10 }),
        (partitions, more, bytesPerPartition, touched) => {
          const at = (n: number) => ({
            tableBytes: n * bytesPerPartition,
            partitions: n,
            touchedPartitions: touched,
            stagedBytes: 1000,
          });
          const small = at(partitions);
          const large = at(partitions + more);
          const restrictedSmall = mergeReadBytes(small, true).targetBytes;
          const restrictedLarge = mergeReadBytes(large, true).targetBytes;
          // Restricted never reads more than the whole table, and no more as the table grows.
          expect(restrictedSmall).toBeLessThanOrEqual(mergeReadBytes(small, false).targetBytes * (1 + 1e-12));
          expect(restrictedLarge).toBeLessThanOrEqual(restrictedSmall * (1 + 1e-9) + 1e-6);
          expect(restrictedLarge / (touched * bytesPerPartition)).toBeCloseTo(1, 9);
          expect(mergeReadBytes(large, false).targetBytes).toBeGreaterThan(
            mergeReadBytes(small, false).targetBytes,
          );
        },
      ),
    );
  });
});

describe('the cost report', () => {
  it("states the merge's read both ways for merge mode, not for Firehose (no MERGE there)", () => {
    // Act
    const cost = tableCost(
      {
        name: 'events',
        items: 1e9,
        itemBytes: 500,
        writesPerSec: 50,
        freshnessSec: 300,
        updateFraction: 0.5,
      },
      book,
      DEFAULT_ASSUMPTIONS,
    );
    const notes = (design: string) => cost.designs.find((d) => d.design === design)!.notes;
    // Assert: 1e9 x 500 B x 0.35 (Parquet) = 1.75e11 B = 163 GiB whole; 2 of 365 of it restricted
    // (0.89 GiB), plus the staged rows.
    expect(notes('merge').find((n) => n.startsWith('MERGE read at this table size'))).toMatch(
      /^MERGE read at this table size: 163 GB per query over the whole target .*, 91\d MB restricted to the 2 of 365 day partitions/,
    );
    expect(notes('firehose').some((n) => n.startsWith('MERGE read'))).toBe(false);
  });
});
