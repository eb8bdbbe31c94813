import type { DesignCost, DesignId, LineItem, TableProfile } from './cost-types.js';
import type { PriceBook } from './price-book.js';

/** Sums a design's lines and states whether the total is complete and what it rests on. */
export function designCost(
  book: PriceBook,
  profile: TableProfile,
  design: {
    design: DesignId;
    title: string;
    module: string;
    lines: LineItem[];
    notes: string[];
    achievedFreshnessSec: number;
    feasible: boolean;
  },
): DesignCost {
  const unpriced = design.lines.filter((l) => l.usd === null);
  const monthlyUsd = design.lines.reduce((sum, l) => sum + (l.usd ?? 0), 0);
  const notes = [...design.notes];
  if (unpriced.length > 0) {
    notes.push(
      `Not priced (unknown price): ${unpriced.map((l) => l.component).join('; ')}. The total is a lower bound.`,
    );
  }
  const unconfirmed = [
    ...new Set(
      design.lines
        .filter((l) => l.priceKey !== null && (l.usd ?? 0) > 0)
        .map((l) => l.priceKey as keyof PriceBook['prices'])
        .filter((k) => book.prices[k].status === 'unconfirmed'),
    ),
  ];
  if (unconfirmed.length > 0) notes.push(`Uses unconfirmed prices: ${unconfirmed.join(', ')}.`);
  return {
    design: design.design,
    title: design.title,
    module: design.module,
    monthlyUsd,
    lowerBound: unpriced.length > 0,
    achievedFreshnessSec: design.achievedFreshnessSec,
    meetsFreshness: design.achievedFreshnessSec <= profile.freshnessSec,
    feasible: design.feasible,
    notes,
    lines: design.lines,
  };
}
