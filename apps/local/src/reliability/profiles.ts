import fc from 'fast-check';

import { operationArb, scenarioFor } from './scenario-model.js';
import type { FaultPlan, ItemValue, Scenario } from './scenario-model.js';

/**
 * Scenario profiles: the seeded scenario of `scenarioFor` with parts of its plan fixed, so that a
 * few runs open the window one mutant needs. `full` is the scenario as it is. The in-order ones
 * (`ordered`, `crashes`, `engine-faults`, `backfill-deletes`) leave out the redeliveries of older
 * records (late duplicates, retried halves, orphaned queries), so that what kills a mutant there is
 * the fault the profile is about; `upserts-reordered` and `redeliveries` are all about those.
 */
export const PROFILES = [
  'full',
  'ordered',
  'upserts-reordered',
  'redeliveries',
  'crashes',
  'engine-faults',
  'backfill-deletes',
  'append',
  'append-compaction',
] as const;
export type ProfileName = (typeof PROFILES)[number];

export function isProfile(name: string): name is ProfileName {
  return (PROFILES as readonly string[]).includes(name);
}

/** No late duplicates, no retried halves after a PUT, no orphaned query, no backfill. */
function inOrder(f: FaultPlan): FaultPlan {
  return { ...f, lateDuplicate: 0, failAfterPut: 0, engine: { ...f.engine, orphanRate: 0 } };
}

export function scenarioForProfile(seed: number, profile: ProfileName): Scenario {
  const s = scenarioFor(seed);
  switch (profile) {
    case 'full':
      return s;
    case 'ordered':
      return { ...s, batchSize: Math.max(5, s.batchSize), faults: inOrder(s.faults), backfill: undefined };
    case 'upserts-reordered': {
      // Only inserts and updates: every reordering is guarded by `_seq` alone, no delete is involved.
      const operations = fc.sample(
        fc.noBias(fc.array(operationArb(s.keys, 'upserts'), { minLength: 40, maxLength: 120 })),
        {
          seed,
          numRuns: 1,
        },
      )[0]!;
      return {
        ...s,
        operations,
        backfill: undefined,
        faults: {
          ...s.faults,
          lateDuplicate: 0.6,
          failAfterPut: 0.3,
          duplicateDelivery: 0.2,
          engine: { ...s.faults.engine, orphanRate: 0.2 },
        },
      };
    }
    case 'redeliveries':
      // Deletes and re-inserts, with older records delivered again after later ones merged.
      return {
        ...s,
        operations: fc.sample(
          fc.noBias(fc.array(operationArb(s.keys, 'deletes'), { minLength: 40, maxLength: 120 })),
          { seed, numRuns: 1 },
        )[0]!,
        backfill: undefined,
        faults: {
          ...s.faults,
          lateDuplicate: 0.6,
          failAfterPut: 0.3,
          engine: { ...s.faults.engine, orphanRate: 0.2 },
        },
      };
    case 'crashes':
      return {
        ...s,
        backfill: undefined,
        faults: { ...inOrder(s.faults), mergerCrashRate: 0.7, crashWithin: 14 },
      };
    case 'engine-faults':
      return {
        ...s,
        backfill: undefined,
        faults: {
          ...inOrder(s.faults),
          engine: { failRate: 0.3, cancelRate: 0.2, lostResultRate: 0.2, orphanRate: 0 },
        },
      };
    case 'append-compaction': {
      // The append profile with compaction in (nearly) every merger run: core's limits compact from
      // 64 staged objects on, which a scenario never stages; here from 2, in groups of at most 4, so
      // a run folds its few objects into one or more outputs before the append. 80% of the merger
      // invocations (of those not planned to die before a random call) are planned to die at the next
      // of the compaction's protocol points (faults.ts, COMPACTION_CRASH_POINTS, taken in turn), so a
      // scenario's few merger runs reach the later points too and every journal state gets replayed.
      const a = scenarioForProfile(seed, 'append');
      return {
        ...a,
        compaction: { minObjects: 2, maxInputBytes: 64 * 1024, maxInputs: 4 },
        // Stream batches of at most 2 records: many small objects, so a run nearly always finds two.
        batchSize: Math.min(2, a.batchSize),
        maxPauseMs: Math.max(80, a.maxPauseMs),
        faults: { ...a.faults, compactionCrashRate: 0.8 },
      };
    }
    case 'append': {
      // An append-mode table (DESIGN.md, "Mode append"): every key inserted once, never changed, under
      // every redelivery and crash the full profile has (late duplicates, retried halves, duplicate
      // deliveries, orphaned queries, merger crashes): a key must never show twice, none may be lost.
      const count = Math.max(40, s.operations.length);
      const values = fc.sample(
        fc.noBias(fc.array(operationArb(count, 'upserts'), { minLength: count, maxLength: count })),
        {
          seed,
          numRuns: 1,
        },
      )[0]!;
      return {
        ...s,
        mode: 'append',
        keys: count,
        operations: values.map((op, key) =>
          op.kind === 'put' ? { ...op, key } : { kind: 'put' as const, key, value: fallbackValue(key) },
        ),
        backfill: undefined,
        faults: {
          ...s.faults,
          lateDuplicate: 0.6,
          failAfterPut: 0.3,
          duplicateDelivery: 0.3,
          mergerCrashRate: Math.max(0.3, s.faults.mergerCrashRate),
          engine: { ...s.faults.engine, orphanRate: 0.2 },
        },
      };
    }
    case 'backfill-deletes':
      return {
        ...s,
        operations: fc.sample(
          fc.noBias(fc.array(operationArb(s.keys, 'deletes'), { minLength: 40, maxLength: 120 })),
          { seed, numRuns: 1 },
        )[0]!,
        maxPauseMs: Math.max(40, s.maxPauseMs),
        // A slow backfill (one item per object, each PUT up to 15 ms late) of 150 items, so that the
        // workload's deletes and expiries land between the Scan reading a key and its object's PUT.
        faults: {
          ...inOrder(s.faults),
          s3: { errorRate: 0, lostResponseRate: 0, maxDelayMs: 15 },
          tombstonesOutlived: true,
        },
        backfill: {
          prepopulate: 150,
          startAfter: 0,
          segments: 1,
          rowsPerObject: 1,
          killBeforeCall: undefined,
        },
      };
  }
}

/** A plain item value for an append profile's key whose sampled operation was not a put. */
function fallbackValue(key: number): ItemValue {
  return { name: `order ${key}`, n: String(key), price: '1.00', tags: undefined, exact: String(key) };
}
