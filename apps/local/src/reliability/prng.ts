/**
 * A small seeded PRNG (mulberry32) for the run-time fault decisions of a scenario, so a scenario's
 * faults follow from its seed. Timing (how the poller batches records, when a merge starts) still
 * varies between runs; the seed fixes the workload and the fault plan.
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

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
