import type { TableProfile } from './cost-types.js';

const GIB = 1024 ** 3;
const ORDER_BYTES = 2048;
const ORDERS_PER_DAY = (20 * GIB) / ORDER_BYTES;

/**
 * Named scenarios. `seed` is the article's two tables:
 * - books: "relatively small but frequently updated and read", visible in Athena within "a minute or
 *   two": 10,000 items of 1 KB, 5 writes a second (90% updates), freshness 120 s;
 * - orders: "huge but documents are immutable", "synchronize at least once a day", and the article's
 *   Firehose figure is for 20 GB a day: 2 KB orders, 20 GiB a day of inserts, a year of them kept.
 * Item sizes, the books write rate and the year of orders are our assumptions; the article gives none.
 */
export const SCENARIOS: Record<string, TableProfile[]> = {
  seed: [
    {
      name: 'books',
      items: 10_000,
      itemBytes: 1024,
      writesPerSec: 5,
      freshnessSec: 120,
      updateFraction: 0.9,
    },
    {
      name: 'orders',
      items: ORDERS_PER_DAY * 365,
      itemBytes: ORDER_BYTES,
      writesPerSec: ORDERS_PER_DAY / 86400,
      freshnessSec: 86400,
      updateFraction: 0,
    },
  ],
};
