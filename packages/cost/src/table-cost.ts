import type { Assumptions } from './assumptions.js';
import { appendModeCost } from './append-mode-cost.js';
import type { TableCost, TableProfile } from './cost-types.js';
import { deriveProfile } from './derive-profile.js';
import { firehoseModeCost } from './firehose-mode-cost.js';
import { mergeModeCost } from './merge-mode-cost.js';
import type { PriceBook } from './price-book.js';

/** Every design this project builds, priced for one table profile (merge, firehose, append). */
export function tableCost(profile: TableProfile, book: PriceBook, a: Assumptions): TableCost {
  const derived = deriveProfile(profile, book, a);
  return {
    profile,
    derived,
    designs: [
      mergeModeCost(profile, derived, book, a),
      firehoseModeCost(profile, derived, book, a),
      appendModeCost(profile, derived, book, a),
    ],
  };
}
