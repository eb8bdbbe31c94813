import { articleFirehoseCheck } from './article-firehose-check.js';
import type { Assumptions } from './assumptions.js';
import type { CostReport, TableCost, TableProfile } from './cost-types.js';
import type { PriceBook, PriceKey } from './price-book.js';
import { tableCost } from './table-cost.js';

/** The whole report for a list of table profiles: what `cost --json` prints. */
export function costReport(
  scenario: string,
  profiles: TableProfile[],
  book: PriceBook,
  assumptions: Assumptions,
): CostReport {
  const tables = profiles.map((p) => tableCost(p, book, assumptions));
  const used = new Set<PriceKey>();
  for (const t of tables) {
    for (const d of t.designs) {
      for (const l of d.lines) if (l.priceKey !== null) used.add(l.priceKey as PriceKey);
    }
  }
  const checks = tables.flatMap((t) => howChecked(t, assumptions));
  const notConfirmedOnAwsPage = [...used].filter((k) => book.prices[k].status !== 'aws-page').sort();
  return {
    schema: 'ddb-athena-sync/cost@1',
    scenario,
    prices: {
      file: book.file,
      region: book.region,
      currency: book.currency,
      readOn: book.readOn,
      monthHours: book.monthHours,
      notConfirmedOnAwsPage,
    },
    assumptions: { ...assumptions },
    tables,
    checks,
    articleFirehose:
      scenario === 'seed'
        ? articleFirehoseCheck(
            book,
            tables.find((t) => t.profile.name === 'orders'),
          )
        : null,
  };
}

/**
 * How the append-mode figure of a table was checked: the model's own capacity check (the run fits
 * the merger's timeout with the compaction), the measured rate it rests on, its ratio to firehose
 * mode, and the tests that recompute it.
 */
function howChecked(t: TableCost, a: Assumptions): string[] {
  const append = t.designs.find((d) => d.design === 'append');
  const firehose = t.designs.find((d) => d.design === 'firehose');
  // Append mode keeps the first version of an item: only tables whose items never change.
  if (append === undefined || firehose === undefined || t.profile.updateFraction > 0) return [];
  const capacity = append.notes.find((n) => n.startsWith('Capacity check:')) ?? '';
  return [
    `${t.profile.name}: append mode ${append.monthlyUsd.toFixed(2)} USD/month = ${(append.monthlyUsd / firehose.monthlyUsd).toFixed(3)} x firehose mode (${firehose.monthlyUsd.toFixed(2)}); ${append.feasible ? 'keeps up' : 'does NOT keep up'}. ${capacity}`,
    `${t.profile.name}: the compaction's rate (${(a.compactionCheckBytesPerSec / 1e6).toFixed(0)} MB/s of staged NDJSON checked) is the append benchmark's measurement (docs/BENCHMARKS.md, "Append mode"); the GET and PUT latencies are guesses; packages/cost/test/append.test.ts recomputes the lines and the capacity check by hand.`,
  ];
}
