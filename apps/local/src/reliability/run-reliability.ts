import { runScenario } from './run-scenario.js';
import type { ScenarioResult } from './run-scenario.js';
import { scenarioFor } from './scenario-model.js';
import { startSharedServices } from './shared-services.js';
import type { SharedServices } from './shared-services.js';

/** The figures of a reliability run (issue 8), as written by `--json`. */
export interface ReliabilityFigures {
  readonly runs: number;
  /** Scenarios after which the lake did not equal a full Scan of DynamoDB. */
  readonly divergences: number;
  readonly lostChanges: number;
  readonly duplicates: number;
  readonly resurrections: number;
  readonly failedReads: number;
  readonly badInputs: { readonly tried: number; readonly handled: number };
  /** Seeds of the scenarios that diverged, failed a read, left a bad input unhandled or did not finish. */
  readonly failingSeeds: readonly number[];
  readonly firstSeed: number;
  readonly reads: number;
  /** Faults actually injected, summed over all scenarios. */
  readonly injected: Readonly<Record<string, number>>;
  readonly onFailureRecords: number;
  /** The workload, summed: puts, updates, deletes, TTL expiries. */
  readonly workload: Readonly<Record<string, number>>;
  /** Real (not injected) records the writer quarantined. */
  readonly unexpectedQuarantine: number;
  /** Scenarios that threw (timed out draining, a harness error): counted as failing. */
  readonly errors: number;
  readonly durationMs: number;
  readonly scenarioMs: { readonly median: number; readonly p95: number; readonly max: number };
}

export interface ReliabilityOptions {
  readonly runs: number;
  /** Scenario i runs with seed `seed + i`; `--seed s --runs 1` replays scenario s alone. */
  readonly seed: number;
  readonly onScenario?: (
    result: ScenarioResult | { readonly seed: number; readonly error: unknown },
    index: number,
  ) => void;
  /** Services to use (tests share theirs); started and stopped here when absent. */
  readonly services?: SharedServices;
}

export function isFailing(r: ScenarioResult): boolean {
  return (
    !r.converged ||
    r.failedReads > 0 ||
    r.badInputs.handled !== r.badInputs.tried ||
    r.unexpectedQuarantine > 0
  );
}

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

/** Runs `runs` randomised scenarios on shared local services and sums their figures. */
export async function runReliability(options: ReliabilityOptions): Promise<ReliabilityFigures> {
  const started = Date.now();
  const services = options.services ?? (await startSharedServices());
  const results: ScenarioResult[] = [];
  const failingSeeds: number[] = [];
  let errors = 0;
  const runTag = started.toString(36);
  try {
    for (let i = 0; i < options.runs; i++) {
      const seed = options.seed + i;
      try {
        const result = await runScenario(services, scenarioFor(seed), seed, `rel_${runTag}_${i}`);
        results.push(result);
        if (isFailing(result)) failingSeeds.push(seed);
        options.onScenario?.(result, i);
      } catch (error) {
        errors++;
        failingSeeds.push(seed);
        options.onScenario?.({ seed, error }, i);
      }
    }
  } finally {
    if (options.services === undefined) await services.stop();
  }
  const sum = (f: (r: ScenarioResult) => number): number => results.reduce((s, r) => s + f(r), 0);
  const injected: Record<string, number> = {};
  for (const r of results)
    for (const [k, v] of Object.entries(r.injected)) injected[k] = (injected[k] ?? 0) + v;
  const workload: Record<string, number> = {};
  for (const r of results)
    for (const [k, v] of Object.entries(r.workload)) workload[k] = (workload[k] ?? 0) + v;
  const durations = results.map((r) => r.durationMs).sort((a, b) => a - b);
  return {
    runs: options.runs,
    divergences: results.filter((r) => !r.converged).length + errors,
    lostChanges: sum((r) => r.lostChanges),
    duplicates: sum((r) => r.duplicates),
    resurrections: sum((r) => r.resurrections),
    failedReads: sum((r) => r.failedReads),
    badInputs: { tried: sum((r) => r.badInputs.tried), handled: sum((r) => r.badInputs.handled) },
    failingSeeds,
    firstSeed: options.seed,
    reads: sum((r) => r.reads),
    injected,
    onFailureRecords: sum((r) => r.onFailureRecords),
    unexpectedQuarantine: sum((r) => r.unexpectedQuarantine),
    workload,
    errors,
    durationMs: Date.now() - started,
    scenarioMs: {
      median: quantile(durations, 0.5),
      p95: quantile(durations, 0.95),
      max: durations[durations.length - 1] ?? 0,
    },
  };
}
