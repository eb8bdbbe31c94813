import type { LineItem } from './cost-types.js';
import type { PriceBook } from './price-book.js';
import { priceLine } from './price-line.js';

/**
 * The two Lambda line items of one function: requests, and duration in GB-seconds
 * (memory in GB x seconds billed; arm64, the modules' default architecture).
 */
export function lambdaLines(
  book: PriceBook,
  fn: { name: string; invocations: number; totalMs: number; memoryMb: number; note: string },
): LineItem[] {
  const gbSeconds = (fn.totalMs / 1000) * (fn.memoryMb / 1024);
  return [
    priceLine(book, 'lambda.usdPerMillionRequests', {
      component: `Lambda ${fn.name}: requests`,
      quantity: fn.invocations,
      unit: 'requests',
      per: 1e6,
      note: fn.note,
    }),
    priceLine(book, 'lambda.arm64UsdPerGbSecond', {
      component: `Lambda ${fn.name}: duration`,
      quantity: gbSeconds,
      unit: 'GB-s',
      note: `${fn.memoryMb} MB x ${(fn.totalMs / 1000).toFixed(0)} s billed in the month`,
    }),
  ];
}
