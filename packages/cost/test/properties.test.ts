// Properties of the model that must hold for any table: more writes never cost less, and a merge run
// with nothing staged issues no Athena query.
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';

import { DEFAULT_ASSUMPTIONS } from '../src/assumptions.js';
import type { TableProfile } from '../src/cost-types.js';
import { loadPriceBook, type PriceBook } from '../src/price-book.js';
import { tableCost } from '../src/table-cost.js';

let book: PriceBook;
beforeAll(async () => {
  book = await loadPriceBook();
});

const profileArb = fc.record({
  name: fc.constant('p'),
  items: fc.integer({ min: 0, max: 5_000_000_000 }),
  itemBytes: fc.integer({ min: 1, max: 400 * 1024 }),
  writesPerSec: fc.double({ min: 0, max: 5000, noNaN: true }),
  freshnessSec: fc.integer({ min: 1, max: 3 * 86400 }),
  updateFraction: fc.double({ min: 0, max: 1, noNaN: true }),
}) satisfies fc.Arbitrary<TableProfile>;

describe('cost model properties', () => {
  it('more writes never cost less, in any design', () => {
    fc.assert(
      fc.property(profileArb, fc.double({ min: 0, max: 5000, noNaN: true }), (profile, extra) => {
        const before = tableCost(profile, book, DEFAULT_ASSUMPTIONS);
        const after = tableCost(
          { ...profile, writesPerSec: profile.writesPerSec + extra },
          book,
          DEFAULT_ASSUMPTIONS,
        );
        before.designs.forEach((d, i) => {
          const more = after.designs[i]!;
          expect(more.design).toBe(d.design);
          expect(more.monthlyUsd).toBeGreaterThanOrEqual(d.monthlyUsd * (1 - 1e-9) - 1e-12);
        });
      }),
      { numRuns: 120 },
    );
  });

  it('an interval with nothing staged costs no Athena query', () => {
    fc.assert(
      fc.property(profileArb, (profile) => {
        const idle = tableCost({ ...profile, writesPerSec: 0 }, book, DEFAULT_ASSUMPTIONS);
        for (const id of ['merge', 'append'] as const) {
          const design = idle.designs.find((d) => d.design === id)!;
          const query = design.lines.find(
            (l) => l.component.startsWith('Athena MERGE') || l.component.startsWith('Athena insert-only'),
          )!;
          expect(query.quantity).toBe(0);
          expect(query.usd).toBe(0);
          // Maintenance is not skipped on an idle table (packages/core maintainTable): OPTIMIZE and
          // VACUUM still bill 10 MB each per scheduled run.
          const maintenance = design.lines.find(
            (l) => l.component === 'Athena OPTIMIZE + VACUUM, bytes billed',
          )!;
          const runs = design.lines.find(
            (l) => l.component === 'Lambda merger (maintain): requests',
          )!.quantity;
          expect(maintenance.quantity).toBeCloseTo((runs * 2 * 10 * 1024 ** 2) / 1024 ** 4, 12);
          // The scheduled runs still happen (and list the empty prefix); they just issue no query.
          expect(
            design.lines.find(
              (l) =>
                l.component.startsWith('Lambda merger (merge') ||
                l.component.startsWith('Lambda merger (append'),
            )!.quantity,
          ).toBeGreaterThan(0);
        }
      }),
      { numRuns: 60 },
    );
  });

  it('every total is the sum of its priced lines, and a lower bound exactly when a line is unpriced', () => {
    fc.assert(
      fc.property(profileArb, (profile) => {
        for (const d of tableCost(profile, book, DEFAULT_ASSUMPTIONS).designs) {
          const sum = d.lines.reduce((s, l) => s + (l.usd ?? 0), 0);
          expect(d.monthlyUsd).toBeCloseTo(sum, 6);
          expect(d.lowerBound).toBe(d.lines.some((l) => l.usd === null));
          expect(Number.isFinite(d.monthlyUsd)).toBe(true);
        }
      }),
      { numRuns: 60 },
    );
  });
});
