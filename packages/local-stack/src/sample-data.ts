/**
 * Shared by the demo workload, the benchmarks and the reliability harness: a seeded PRNG and the
 * vocabulary synthetic `books` items are made of.
 */

/**
 * A small seeded PRNG (mulberry32): runs fed from one seed write the same records and make the same
 * fault decisions (timing still varies between runs).
 */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function pick<T>(items: readonly T[], random: () => number): T {
  return items[Math.floor(random() * items.length)]!;
}

/** Words for titles and summaries of synthetic books. */
export const BOOK_WORDS: readonly string[] = [
  'river',
  'glass',
  'orchard',
  'winter',
  'lantern',
  'harbor',
  'copper',
  'meadow',
  'signal',
  'atlas',
  'ember',
  'quiet',
  'north',
  'paper',
  'salt',
  'desert',
  'spice',
  'empire',
  'machine',
  'garden',
];

/** Authors of synthetic books. */
export const BOOK_AUTHORS: readonly string[] = [
  'Frank Herbert',
  'William Gibson',
  'Ursula K. Le Guin',
  'Octavia E. Butler',
  'Iain M. Banks',
  'N. K. Jemisin',
  'Ted Chiang',
  'Becky Chambers',
];
