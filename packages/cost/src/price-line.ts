import type { LineItem } from './cost-types.js';
import type { PriceBook, PriceKey } from './price-book.js';

/**
 * One line item priced from the book: `usd = quantity / per * price`. An unknown price (null in the
 * file) gives `usd: null`, which marks the design total as a lower bound.
 */
export function priceLine(
  book: PriceBook,
  key: PriceKey,
  line: { component: string; quantity: number; unit: string; per?: number; note: string },
): LineItem {
  const per = line.per ?? 1;
  const unitPrice = book.prices[key].value;
  return {
    component: line.component,
    quantity: line.quantity,
    unit: line.unit,
    priceKey: key,
    unitPrice,
    per,
    usd: unitPrice === null ? null : (line.quantity / per) * unitPrice,
    note: line.note,
  };
}
