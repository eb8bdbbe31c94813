import { parseDeclaration } from '@ddb-athena-sync/schemas/declaration';
import type { TableDeclaration } from '@ddb-athena-sync/schemas/declaration';
import fc from 'fast-check';

import type { S3FaultPlan } from './faults.js';

/** The merger protocol steps a crash can be injected at (core merge-table.ts `MergeStep`). */
export const CRASH_STEPS = [
  'leased',
  'journaled-merging',
  'merged',
  'journaled-committed',
  'object-deleted',
  'cleaned',
] as const;
export type CrashStep = (typeof CRASH_STEPS)[number];

export interface ItemValue {
  readonly name: string;
  /** bigint column, as decimal text (int64 range). */
  readonly n: string;
  /** decimal(12,2), as text. */
  readonly price: string;
  /** string set (non-empty, DynamoDB has no empty sets) or absent. */
  readonly tags: readonly string[] | undefined;
  /** A number of up to 38 digits kept in a json map. */
  readonly exact: string;
}

export type Operation =
  | { readonly kind: 'put'; readonly key: number; readonly value: ItemValue }
  | { readonly kind: 'update'; readonly key: number; readonly name: string }
  | { readonly kind: 'delete'; readonly key: number }
  /** Set the TTL attribute in the past, then let the TTL sweeper delete the item. */
  | { readonly kind: 'expire'; readonly key: number };

export interface FaultPlan {
  /** Probability that a stream batch is delivered twice (at-least-once delivery). */
  readonly duplicateDelivery: number;
  /** Probability that a stream-writer invocation fails after its PUT (Lambda retries, bisects). */
  readonly failAfterPut: number;
  readonly s3: S3FaultPlan;
  /** Probability that a merger invocation crashes, at one of `crashSteps`. */
  readonly mergerCrashRate: number;
  readonly crashSteps: readonly CrashStep[];
  /** Probability that a merger tick starts two mergers at once. */
  readonly twoMergers: number;
  /** Another writer (a second lake instance) compacts the table right before the merger's commits: commit conflicts. */
  readonly lakeConflicts: boolean;
  /** A reader scans the table while a second instance optimizes and expires snapshots. */
  readonly readerThroughMaintenance: boolean;
  /** Probability that a delivered batch gets an extra bad record (a poison record the writer must quarantine). */
  readonly badInputRate: number;
}

export interface Scenario {
  readonly keys: number;
  readonly operations: readonly Operation[];
  readonly batchSize: number;
  readonly faults: FaultPlan;
  /** Seeds the run-time fault decisions (which request fails, which step crashes). */
  readonly faultSeed: number;
}

/** Zero a quarter of the time (a scenario without that fault), else up to `max`. */
const probability = (max: number): fc.Arbitrary<number> =>
  fc.oneof(
    { weight: 1, arbitrary: fc.constant(0) },
    { weight: 3, arbitrary: fc.integer({ min: 1, max: 1000 }).map((k) => (k / 1000) * max) },
  );

const itemValue: fc.Arbitrary<ItemValue> = fc.record({
  name: fc.string({ maxLength: 12 }),
  n: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map(String),
  price: fc.bigInt({ min: -(10n ** 12n) + 1n, max: 10n ** 12n - 1n }).map((c) => {
    const negative = c < 0n;
    const digits = (negative ? -c : c).toString().padStart(3, '0');
    return `${negative ? '-' : ''}${digits.slice(0, -2)}.${digits.slice(-2)}`;
  }),
  tags: fc.option(fc.uniqueArray(fc.string({ minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 4 }), {
    nil: undefined,
  }),
  exact: fc.bigInt({ min: 0n, max: 10n ** 38n - 1n }).map(String),
});

export function operationArb(keys: number): fc.Arbitrary<Operation> {
  const key = fc.nat({ max: keys - 1 });
  return fc.oneof(
    { weight: 5, arbitrary: fc.record({ kind: fc.constant('put' as const), key, value: itemValue }) },
    {
      weight: 2,
      arbitrary: fc.record({ kind: fc.constant('update' as const), key, name: fc.string({ maxLength: 12 }) }),
    },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('delete' as const), key }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('expire' as const), key }) },
  );
}

export const faultPlanArb: fc.Arbitrary<FaultPlan> = fc.record({
  duplicateDelivery: probability(0.3),
  failAfterPut: probability(0.25),
  s3: fc.record({
    errorRate: probability(0.08),
    lostResponseRate: probability(0.05),
    maxDelayMs: fc.integer({ min: 0, max: 15 }),
  }),
  mergerCrashRate: probability(0.5),
  crashSteps: fc.subarray([...CRASH_STEPS], { minLength: 1 }),
  twoMergers: probability(0.5),
  lakeConflicts: fc.boolean(),
  readerThroughMaintenance: fc.boolean(),
  badInputRate: probability(0.3),
});

export const scenarioArb: fc.Arbitrary<Scenario> = fc.integer({ min: 3, max: 24 }).chain((keys) =>
  fc.record({
    keys: fc.constant(keys),
    operations: fc.array(operationArb(keys), { minLength: 5, maxLength: 60 }),
    batchSize: fc.integer({ min: 1, max: 25 }),
    faults: faultPlanArb,
    faultSeed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  }),
);

/**
 * The scenario a seed stands for: the same seed always gives the same workload and fault plan.
 * Unbiased: fast-check's first values lean to the smallest (no faults, few operations), and every
 * scenario here is a "first value" of its own seed.
 */
export function scenarioFor(seed: number): Scenario {
  return fc.sample(fc.noBias(scenarioArb), { seed, numRuns: 1 })[0]!;
}

/**
 * The table every scenario runs on, under a fresh name: a books-like merge table with exact
 * numbers, a set, a json map, TTL deletes applied, partitioned by bucket.
 */
export function reliabilityTable(name: string): TableDeclaration {
  return parseDeclaration({
    name,
    dynamodb: { tableName: name, partitionKey: 'id', ttlAttribute: 'expires_at' },
    columns: [
      { name: 'id', type: 'string' },
      { name: 'name', type: 'string' },
      { name: 'n', type: 'bigint' },
      { name: 'price', type: 'decimal(12,2)' },
      { name: 'tags', type: 'array<string>' },
      { name: 'doc', type: 'json' },
    ],
    mode: 'merge',
    partitioning: ['bucket(4, id)'],
    ttlDeletes: 'apply',
    unknownAttributes: 'ignore',
  });
}
