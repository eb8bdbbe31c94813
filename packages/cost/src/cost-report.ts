import { articleFirehoseCheck } from './article-firehose-check.js';
import type { Assumptions } from './assumptions.js';
import type { CostReport, TableProfile } from './cost-types.js';
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
    articleFirehose:
      scenario === 'seed'
        ? articleFirehoseCheck(
            book,
            tables.find((t) => t.profile.name === 'orders'),
          )
        : null,
  };
}
