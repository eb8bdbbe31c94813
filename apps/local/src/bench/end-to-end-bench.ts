import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { books } from '@ddb-athena-sync/schemas/test-support/example-tables';
import { startStack } from '@ddb-athena-sync/local-stack/stack';

import { buildFunctions } from '../functions.js';
import { runDemo } from '../demo/run-demo.js';
import { runChangeRamp } from './change-ramp.js';
import type { RampResult, RampStep } from './change-ramp.js';

export interface EndToEndOptions {
  /** Length of the demo workload for the lag percentiles (2 minutes in the full run). */
  readonly lagRunMs: number;
  readonly mergeIntervalMs: number;
  /** Writes per second per table during the lag run (the demo's default, 10). */
  readonly lagRatePerSec: number;
  readonly readers: number;
  readonly rampRates: readonly number[];
  readonly rampStepMs: number;
  readonly onProgress?: (line: string) => void;
  readonly signal?: AbortSignal;
}

export interface LagRun {
  readonly table: string;
  readonly mode: string;
  readonly changes: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
  readonly converged: boolean;
}

export interface EndToEndResult {
  /** Lag of the merge-mode table (books) in the demo run: write to DynamoDB -> visible in the lake. */
  readonly lagP50Ms: number;
  readonly lagP95Ms: number;
  readonly lagP99Ms: number;
  readonly lagMaxMs: number;
  readonly maxSustainedChangesPerSec: number;
  readonly mergeIntervalMs: number;
  readonly lagRun: {
    readonly durationMs: number;
    readonly ratePerSecPerTable: number;
    readonly readers: number;
    readonly ok: boolean;
    readonly merges: number;
    readonly tables: readonly LagRun[];
  };
  readonly ramp: RampResult & { readonly stepMs: number };
}

async function withDataDir<T>(name: string, fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), `ddb-athena-sync-bench-${name}-`));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * End to end on the local stack, each part on a fresh stack in a temporary data directory:
 * (1) the demo (workload on books and orders, readers, lag tracker) for `lagRunMs` at the given merge
 * interval; (2) a stepped ramp of books changes to find the highest rate the stack keeps up with.
 */
export async function benchEndToEnd(options: EndToEndOptions): Promise<EndToEndResult> {
  const say = options.onProgress ?? (() => undefined);
  say(
    `lag run: ${options.lagRunMs / 1000} s demo workload, ${options.lagRatePerSec} writes/s per table, merge every ${options.mergeIntervalMs / 1000} s`,
  );
  const report = await withDataDir('lag', (dataDir) =>
    runDemo({
      durationMs: options.lagRunMs,
      stackOptions: {
        dataDir,
        functions: buildFunctions,
        mergeIntervalMs: options.mergeIntervalMs,
        inMemoryDynamoDb: true,
      },
      readers: options.readers,
      booksPerSecond: options.lagRatePerSec,
      ordersPerSecond: options.lagRatePerSec,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    }),
  );
  const tables: LagRun[] = Object.entries(report.tables).map(([table, t]) => ({
    table,
    mode: t.mode,
    changes: t.changes,
    p50: t.lagMs.p50,
    p95: t.lagMs.p95,
    p99: t.lagMs.p99,
    max: t.lagMs.max,
    converged: t.converged,
  }));
  const merged = tables.find((t) => t.table === books.name);
  if (merged === undefined) throw new Error('the demo report has no books table');
  say(
    `lag run: books p50 ${merged.p50} ms, p99 ${merged.p99} ms over ${merged.changes} changes (${report.ok ? 'converged' : 'NOT converged'})`,
  );

  say(`ramp: ${options.rampRates.join(', ')} changes/s, ${options.rampStepMs / 1000} s per step`);
  const ramp = await withDataDir('ramp', async (dataDir) => {
    const stack = await startStack({
      dataDir,
      functions: buildFunctions,
      mergeIntervalMs: options.mergeIntervalMs,
      inMemoryDynamoDb: true,
      tables: [books],
    });
    try {
      // The first merge creates the lake's state and warms DuckDB, as the demo does before its clock.
      await stack.mergeNow(books.name);
      return await runChangeRamp({
        stack,
        table: books.name,
        rates: options.rampRates,
        stepMs: options.rampStepMs,
        onStep: (s: RampStep) =>
          say(
            `ramp ${s.targetPerSec}/s: achieved ${s.achievedPerSec}/s, stream backlog ${s.streamBacklogEnd}, staged ${s.stagedObjectsEnd} (oldest ${Math.round(s.oldestStagedAgeMaxLateHalfMs / 100) / 10} s), ${s.merges} merges: ${s.sustained ? 'sustained' : s.reasons.join('; ')}`,
          ),
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      });
    } finally {
      await stack.stop();
    }
  });

  return {
    lagP50Ms: merged.p50,
    lagP95Ms: merged.p95,
    lagP99Ms: merged.p99,
    lagMaxMs: merged.max,
    maxSustainedChangesPerSec: ramp.maxSustainedChangesPerSec,
    mergeIntervalMs: options.mergeIntervalMs,
    lagRun: {
      durationMs: options.lagRunMs,
      ratePerSecPerTable: options.lagRatePerSec,
      readers: options.readers,
      ok: report.ok,
      merges: report.merges.runs,
      tables,
    },
    ramp: { ...ramp, stepMs: options.rampStepMs },
  };
}
