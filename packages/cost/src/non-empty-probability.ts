/**
 * Probability that an interval of `seconds` sees at least one of `ratePerSec` independent writes
 * (Poisson arrivals): 1 - e^(-rate x seconds). It is what decides whether a scheduled merge has work
 * (a run with nothing staged issues no query and costs no Athena bytes).
 */
export function nonEmptyProbability(ratePerSec: number, seconds: number): number {
  if (ratePerSec <= 0 || seconds <= 0) return 0;
  return -Math.expm1(-ratePerSec * seconds);
}
