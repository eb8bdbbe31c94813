import { runScenario, isFailing } from './harness.js';
import type { ScenarioResult } from './harness.js';
import { scenarioFor } from './scenario-model.js';
import type { Scenario } from './scenario-model.js';
import { startSharedServices } from './shared-services.js';
import type { SharedServices } from './shared-services.js';

export { isFailing };

/** The figures of a reliability run, as written by `--json`. */
export interface ReliabilityFigures {
  readonly runs: number;
  /** Scenarios that failed: a history violation, a failed read, an unhandled bad input, a harness error. */
  readonly failing: number;
  /** History violations summed over all scenarios, by kind. */
  readonly violations: Readonly<Record<string, number>>;
  readonly failedReads: number;
  readonly reads: number;
  /** Snapshots the oracle checked (post-merge and reader reads) and commits it bound them with. */
  readonly observations: number;
  readonly commits: number;
  /** Stream records the oracle checked the lake against. */
  readonly writes: number;
  readonly badInputs: { readonly tried: number; readonly handled: number };
  readonly failingSeeds: readonly number[];
  readonly firstSeed: number;
  /** Faults actually injected, summed over all scenarios, by kind. */
  readonly injected: Readonly<Record<string, number>>;
  /** Append tables' compactions, summed: outputs PUT (replays included), inputs they folded, replays. */
  readonly compactions: { readonly outputs: number; readonly inputs: number; readonly replays: number };
  /** Staged rows that reached the lake through two objects (staged-once.ts), summed: counted as failing. */
  readonly stagedTwice: number;
  readonly onFailureRecords: number;
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
  /** The scenario a seed stands for (default `scenarioFor`; the mutation gate uses its profiles). */
  readonly scenario?: (seed: number) => Scenario;
  /** Stop at the first failing scenario (the mutation gate: one failure kills a mutant). */
  readonly stopOnFailure?: boolean;
  readonly onScenario?: (
    result: ScenarioResult | { readonly seed: number; readonly error: unknown },
    index: number,
  ) => void;
  readonly trace?: (line: string) => void;
  /** Services to use (tests share theirs); started and stopped here when absent. */
  readonly services?: SharedServices;
}

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

function add(into: Record<string, number>, from: Readonly<Record<string, number | undefined>>): void {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + (v ?? 0);
}

/** Runs `runs` randomised scenarios on shared local services and sums their figures. */
export async function runReliability(options: ReliabilityOptions): Promise<ReliabilityFigures> {
  const started = Date.now();
  const services = options.services ?? (await startSharedServices());
  const results: ScenarioResult[] = [];
  const failingSeeds: number[] = [];
  let errors = 0;
  let ran = 0;
  const runTag = started.toString(36);
  try {
    for (let i = 0; i < options.runs; i++) {
      const seed = options.seed + i;
      ran++;
      try {
        const scenario = (options.scenario ?? scenarioFor)(seed);
        const result = await runScenario(services, scenario, seed, `rel_${runTag}_${i}`, options.trace);
        results.push(result);
        if (isFailing(result)) failingSeeds.push(seed);
        options.onScenario?.(result, i);
      } catch (error) {
        errors++;
        failingSeeds.push(seed);
        options.onScenario?.({ seed, error }, i);
      }
      if (options.stopOnFailure === true && failingSeeds.length > 0) break;
    }
  } finally {
    if (options.services === undefined) await services.stop();
  }
  const sum = (f: (r: ScenarioResult) => number): number => results.reduce((s, r) => s + f(r), 0);
  const injected: Record<string, number> = {};
  const workload: Record<string, number> = {};
  const violations: Record<string, number> = {};
  for (const r of results) {
    add(injected, r.injected);
    add(workload, { ...r.workload });
    add(violations, r.violationsByKind);
  }
  const durations = results.map((r) => r.durationMs).sort((a, b) => a - b);
  return {
    runs: ran,
    failing: failingSeeds.length,
    violations,
    failedReads: sum((r) => r.failedReads),
    reads: sum((r) => r.reads),
    observations: sum((r) => r.observations),
    commits: sum((r) => r.commits),
    writes: sum((r) => r.writes),
    badInputs: { tried: sum((r) => r.badInputs.tried), handled: sum((r) => r.badInputs.handled) },
    failingSeeds,
    firstSeed: options.seed,
    injected,
    compactions: {
      outputs: sum((r) => r.compactions.outputs),
      inputs: sum((r) => r.compactions.inputs),
      replays: sum((r) => r.compactions.replays),
    },
    stagedTwice: sum((r) => r.stagedTwice),
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
