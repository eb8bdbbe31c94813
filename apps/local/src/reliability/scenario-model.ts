import { parseDeclaration } from '@ddb-athena-sync/schemas/declaration';
import type { CompactionLimits } from '@ddb-athena-sync/core/merge/compact-staged';
import type { TableDeclaration } from '@ddb-athena-sync/schemas/declaration';
import fc from 'fast-check';

import type { S3FaultPlan } from './faults.js';

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
  /** Set the TTL attribute, then let the TTL sweeper delete the item (a REMOVE with the TTL identity). */
  | { readonly kind: 'expire'; readonly key: number };

/** A backfill (core's `backfillTable`) that runs while the workload goes on. */
export interface BackfillPlan {
  /** Items written before the scenario starts (BatchWriteItem), so the Scan has something to read. */
  readonly prepopulate: number;
  /** The backfill starts after this many operations. */
  readonly startAfter: number;
  readonly segments: number;
  /** Rows per staged object: 1 with many items gives the merger more objects than one batch takes. */
  readonly rowsPerObject: number;
  /** The backfill process dies before its k-th call to S3 or DynamoDB (undefined: it finishes). */
  readonly killBeforeCall: number | undefined;
}

export interface FaultPlan {
  /** Probability that a stream batch is delivered twice at once (at-least-once delivery). */
  readonly duplicateDelivery: number;
  /** Probability, per merger tick, that an old batch is delivered again after later ones merged. */
  readonly lateDuplicate: number;
  /** Probability that a stream-writer invocation fails after its PUT (Lambda retries, bisects). */
  readonly failAfterPut: number;
  /** Faults on the S3 client of the writer, the merger, its engine and the backfill. */
  readonly s3: S3FaultPlan;
  /** Faults on the merger's DynamoDB client (the control table: lease, journal, guard). */
  readonly controlTable: { readonly errorRate: number; readonly lostResponseRate: number };
  /** Probability that a merger invocation dies, before its k-th call (k uniform in 1..crashWithin). */
  readonly mergerCrashRate: number;
  readonly crashWithin: number;
  /** Probability that a merger tick starts two mergers at once. */
  readonly twoMergers: number;
  /** Engine faults per MERGE: failed, cancelled mid-query, committed but reported failed, orphaned. */
  readonly engine: {
    readonly failRate: number;
    readonly cancelRate: number;
    readonly lostResultRate: number;
    /** The invocation times out while its query runs on and commits after the lease expired. */
    readonly orphanRate: number;
  };
  /** Another writer (a second lake instance) commits right before the merger's commits: commit conflicts. */
  readonly lakeConflicts: boolean;
  /** A second instance optimizes and expires snapshots while readers read. */
  readonly maintenance: boolean;
  /** Probability that a delivered batch gets an extra bad record (a poison record the writer must quarantine). */
  readonly badInputRate: number;
  /** The stream's shard closes part-way and continues in a child shard (shard-rollover.ts). */
  readonly shardRollover: boolean;
  /**
   * The backfill outlives the tombstone retention: maintenance drops every tombstone while it runs
   * (so the backfill guard alone keeps deleted rows deleted). Only without redeliveries, which
   * cannot arrive after the retention either.
   */
  readonly tombstonesOutlived: boolean;
  /**
   * Probability that a merger invocation dies at one of its compaction's protocol points (faults.ts,
   * `CompactionCrashPoint`, picked uniformly), instead of before a random call. Absent: never (the
   * profiles without compaction draw no random number for it, so their seeds stay what they were).
   */
  readonly compactionCrashRate?: number;
}

export interface Scenario {
  readonly keys: number;
  readonly operations: readonly Operation[];
  readonly batchSize: number;
  readonly faults: FaultPlan;
  readonly backfill: BackfillPlan | undefined;
  /** Pause after an operation: up to this many ms (order-sensitive windows need the merger in between). */
  readonly maxPauseMs: number;
  /** Seeds the run-time fault decisions (which request fails, which call a crash hits). */
  readonly faultSeed: number;
  /** The table's mode (default merge): `append` runs the same pipeline on an append-mode table. */
  readonly mode?: 'merge' | 'append';
  /**
   * The merger's compaction limits for an append table (core's compact-staged.ts). Absent: core's
   * defaults, which compact only from 64 staged objects on, more than a scenario stages at once.
   */
  readonly compaction?: CompactionLimits;
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

export type OperationMix = 'mixed' | 'upserts' | 'deletes';

export function operationArb(keys: number, mix: OperationMix = 'mixed'): fc.Arbitrary<Operation> {
  const key = fc.nat({ max: keys - 1 });
  const upserts = [
    { weight: 4, arbitrary: fc.record({ kind: fc.constant('put' as const), key, value: itemValue }) },
    {
      weight: 3,
      arbitrary: fc.record({ kind: fc.constant('update' as const), key, name: fc.string({ maxLength: 12 }) }),
    },
  ];
  if (mix === 'upserts') return fc.oneof(...upserts);
  return fc.oneof(
    ...upserts,
    {
      weight: mix === 'deletes' ? 6 : 2,
      arbitrary: fc.record({ kind: fc.constant('delete' as const), key }),
    },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('expire' as const), key }) },
  );
}

export const faultPlanArb: fc.Arbitrary<FaultPlan> = fc.record({
  duplicateDelivery: probability(0.3),
  lateDuplicate: probability(0.3),
  failAfterPut: probability(0.25),
  s3: fc.record({
    errorRate: probability(0.06),
    lostResponseRate: probability(0.04),
    maxDelayMs: fc.integer({ min: 0, max: 15 }),
  }),
  controlTable: fc.record({ errorRate: probability(0.05), lostResponseRate: probability(0.04) }),
  mergerCrashRate: probability(0.4),
  crashWithin: fc.integer({ min: 4, max: 24 }),
  twoMergers: probability(0.4),
  engine: fc.record({
    failRate: probability(0.15),
    cancelRate: probability(0.1),
    lostResultRate: probability(0.15),
    orphanRate: probability(0.15),
  }),
  lakeConflicts: fc.boolean(),
  maintenance: fc.boolean(),
  badInputRate: probability(0.2),
  shardRollover: fc.boolean(),
  tombstonesOutlived: fc.constant(false),
});

const backfillArb: fc.Arbitrary<BackfillPlan> = fc.record({
  prepopulate: fc.oneof(
    { weight: 4, arbitrary: fc.integer({ min: 10, max: 60 }) },
    { weight: 1, arbitrary: fc.integer({ min: 1050, max: 1200 }) },
  ),
  startAfter: fc.integer({ min: 0, max: 10 }),
  segments: fc.integer({ min: 1, max: 4 }),
  rowsPerObject: fc.integer({ min: 1, max: 4 }),
  // A quarter of the backfills die part-way (fc.option's nil comes 1 in `freq`: use weights instead).
  killBeforeCall: fc.oneof(
    { weight: 3, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: fc.integer({ min: 3, max: 40 }) },
  ),
});

/**
 * A scenario: few keys and many operations, so that every key has many versions and their order
 * matters (2 to 8 keys, 20 to 120 operations), pauses that let mergers run between the versions
 * of one key, and faults that reorder and repeat deliveries.
 */
export const scenarioArb: fc.Arbitrary<Scenario> = fc
  .integer({ min: 2, max: 8 })
  .chain((keys) =>
    fc.record({
      keys: fc.constant(keys),
      operations: fc.array(operationArb(keys), { minLength: 20, maxLength: 120 }),
      batchSize: fc.integer({ min: 1, max: 25 }),
      faults: faultPlanArb,
      backfill: fc.oneof(
        { weight: 3, arbitrary: fc.constant(undefined) },
        { weight: 1, arbitrary: backfillArb },
      ),
      maxPauseMs: fc.integer({ min: 20, max: 100 }),
      faultSeed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
    }),
  )
  .map((s) =>
    // A bulk backfill's 1,000+ prepopulated items reach the stream too: batches of 100 (the event
    // source mapping's default) keep their delivery within the scenario's time limits.
    (s.backfill?.prepopulate ?? 0) > 1000 ? { ...s, batchSize: Math.max(100, s.batchSize) } : s,
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
export function reliabilityTable(name: string, mode: 'merge' | 'append' = 'merge'): TableDeclaration {
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
    mode,
    partitioning: ['bucket(4, id)'],
    ttlDeletes: 'apply',
    unknownAttributes: 'ignore',
  });
}
