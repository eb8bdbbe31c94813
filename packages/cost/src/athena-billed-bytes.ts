import type { PriceBook } from './price-book.js';

/**
 * Bytes Athena bills for one query that scans `scannedBytes`: at least the 10 MB minimum, rounded up
 * to a whole MB (Athena user guide, pricing: USD 5/TB, 10 MB minimum per query; see prices.json).
 */
export function athenaBilledBytes(scannedBytes: number, book: PriceBook): number {
  const minimum = book.prices['athena.minBytesPerQuery'].value ?? 0;
  const mb = book.units.bytesPerMb;
  return Math.max(minimum, Math.ceil(scannedBytes / mb) * mb);
}
