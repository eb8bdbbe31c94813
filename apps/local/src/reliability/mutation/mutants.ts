import type { ProfileName } from '../profiles.js';

export interface Replacement {
  readonly find: string;
  readonly replace: string;
  /** How many times `find` must occur (all are replaced). */
  readonly count: number;
}

/** A small, named, realistic mistake, applied as source-text replacements to one product file. */
export interface Mutant {
  readonly name: string;
  readonly description: string;
  /** Repository-relative path of the file it rewrites. */
  readonly file: string;
  readonly replacements: readonly Replacement[];
  /** The scenarios that must kill it. */
  readonly profile: ProfileName;
  /** Set when the mutant cannot run yet, with the reason (it is listed, not counted). */
  readonly pending?: string;
}

const LAKE = 'packages/local-lake/src/merge-rows.ts';
const MERGE_TABLE = 'packages/core/src/merge/merge-table.ts';
const APPEND = 'packages/local-lake/src/append-rows.ts';
const COMPACT = 'packages/core/src/merge/compact-staged.ts';

/**
 * The mutants of the gate. The `_seq`, dedupe and delete mutants target the local lake's merge
 * (packages/local-lake), which is the engine the harness runs; core's Athena SQL (render-merge.ts)
 * is not executed here, so mutants of it would say nothing about this harness.
 */
export const MUTANTS: readonly Mutant[] = [
  {
    name: 'seq-guard-removed',
    description:
      "the lake merge applies a change whatever the target row's _seq (s._seq > t._seq -> true; the backfill repair clause's NOT (s._seq > t._seq) goes with it)",
    file: LAKE,
    replacements: [{ find: 's._seq > t._seq', replace: 'true', count: 7 }],
    profile: 'upserts-reordered',
  },
  {
    name: 'dedupe-ascending',
    description: 'per-key deduplication keeps the lowest _seq of a batch instead of the highest',
    file: LAKE,
    replacements: [
      {
        find: 'if (prev === undefined || r._seq > prev._seq) winners.set(k, r);',
        replace: 'if (prev === undefined || r._seq < prev._seq) winners.set(k, r);',
        count: 1,
      },
    ],
    profile: 'ordered',
  },
  {
    name: 'delete-branch-removed',
    description: 'a newer delete no longer removes the live row (only upserts write position deletes)',
    file: LAKE,
    replacements: [
      {
        find: "WHERE (s._seq > t._seq AND (s._op = 'delete' OR ${newerThanTombstone})) OR ${repair}`;",
        replace: "WHERE (s._seq > t._seq AND s._op <> 'delete' AND ${newerThanTombstone}) OR ${repair}`;",
        count: 1,
      },
    ],
    // The full workload: its deletes hit rows merged earlier (seeds 1, 2 and 4 kill it in one
    // scenario each; under `ordered` only seed 7 of 1-7 did).
    profile: 'full',
  },
  {
    name: 'journal-replay-skipped',
    description:
      'a batch the journal says was merging is taken as merged: its objects are deleted, not merged again',
    file: MERGE_TABLE,
    replacements: [
      {
        find: 'await runBatch(pending.batchId, objects, true, pending.attempt);',
        replace:
          'await deleteObjects(deps, options, pending.batchId, objects.map((o) => o.key));\n        await journalCleaned(deps.dynamodb, journal, pending.batchId);',
        count: 1,
      },
    ],
    profile: 'crashes',
  },
  {
    name: 'delete-before-committed',
    description:
      'staged objects are deleted when the MERGE returns or throws, before the journal says committed',
    file: MERGE_TABLE,
    replacements: [
      {
        find: '    } finally {\n      clearTimeout(timer);\n    }',
        replace:
          '    } finally {\n      clearTimeout(timer);\n      await deleteObjects(deps, options, batchId, objects.map((o) => o.key));\n    }',
        count: 1,
      },
    ],
    profile: 'engine-faults',
  },
  {
    name: 'backfill-guard-ignored',
    description: 'the merger merges stream objects while a backfill runs',
    file: MERGE_TABLE,
    replacements: [
      {
        find: "const listing = backfilling ? staged.filter((o) => o.source === 'backfill') : staged;",
        replace: 'const listing = staged;',
        count: 1,
      },
    ],
    profile: 'backfill-deletes',
  },
  {
    name: 'tombstones-ignored',
    description:
      "upserts are applied whatever the key's tombstone says: an older redelivered upsert brings a deleted row back",
    file: LAKE,
    replacements: [
      {
        find: 'const newerThanTombstone = `(b._seq IS NULL OR s._seq > b._seq)`;',
        replace: 'const newerThanTombstone = `true`;',
        count: 1,
      },
      {
        find: " AND NOT EXISTS (SELECT 1 FROM ${b} AS b WHERE ${on('b')} AND b._seq >= s._seq)",
        replace: '',
        count: 1,
      },
    ],
    profile: 'redeliveries',
  },
  {
    name: 'append-guard-removed',
    description:
      "the append inserts every staged key, present or not (the insert-only MERGE's NOT MATCHED guard removed): a replayed or duplicated batch duplicates rows",
    file: APPEND,
    replacements: [
      {
        find: ' WHERE NOT EXISTS (SELECT 1 FROM ${t} AS t WHERE ${on})`;',
        replace: '`;',
        count: 1,
      },
    ],
    profile: 'append',
  },
  // Compaction (compact-staged.ts): the first three break a step of its journal protocol so that a
  // crash at the compaction's `before-output-put` point (faults.ts) loses rows (the history oracle);
  // the last two stage rows twice, which the append's insert-only guard hides from the lake, so what
  // kills them is the staged-once check (staged-once.ts).
  {
    name: 'compaction-inputs-deleted-before-put',
    description:
      'a compaction deletes its inputs as soon as it has read them, before its output is PUT: a crash in between loses their rows',
    file: COMPACT,
    replacements: [
      {
        find: '  let output: string | undefined;\n  const body = Buffer.concat(parts);',
        replace:
          '  await deleteKeys(s3, options.bucket, keys);\n  let output: string | undefined;\n  const body = Buffer.concat(parts);',
        count: 1,
      },
      {
        find: '  await deleteKeys(s3, options.bucket, keys);\n  await journalCleaned(',
        replace: '  await journalCleaned(',
        count: 1,
      },
    ],
    profile: 'append-compaction',
  },
  {
    name: 'compaction-committed-before-put',
    description:
      'a compaction writes `committed` before its output is PUT: a crash in between, and the replay deletes inputs whose rows are nowhere else',
    file: COMPACT,
    replacements: [
      {
        find: '  let output: string | undefined;\n  const body = Buffer.concat(parts);',
        replace:
          '  await journalCommitted(deps.dynamodb, options.journal, batchId, deps.now());\n  let output: string | undefined;\n  const body = Buffer.concat(parts);',
        count: 1,
      },
      {
        find: "  await options.onStep?.('compaction-written', { batchId });\n  await journalCommitted(deps.dynamodb, options.journal, batchId, deps.now());",
        replace: "  await options.onStep?.('compaction-written', { batchId });",
        count: 1,
      },
    ],
    profile: 'append-compaction',
  },
  {
    name: 'compaction-replay-taken-as-committed',
    description:
      "the journal's `merging` compaction entry is finished like a committed one: its inputs are deleted, the output is not built again",
    file: MERGE_TABLE,
    replacements: [
      {
        find: '      await compact(pending.batchId, pending.keys, true);',
        replace:
          '      await deleteObjects(deps, options, pending.batchId, pending.keys);\n      await journalCleaned(deps.dynamodb, journal, pending.batchId);',
        count: 1,
      },
    ],
    profile: 'append-compaction',
  },
  {
    name: 'compaction-output-key-not-from-batch',
    description:
      "a compaction's output key takes the time instead of only the batch id: a replay after the PUT writes a second output of the same inputs",
    file: COMPACT,
    replacements: [
      {
        find: 'output = compactedObjectKey(options.table.name, batchId, options.stagingPrefix);',
        replace:
          'output = compactedObjectKey(options.table.name, `${batchId}-${Date.now()}`, options.stagingPrefix);',
        count: 1,
      },
    ],
    profile: 'append-compaction',
  },
  {
    name: 'compaction-committed-inputs-kept',
    description:
      'the replay of a committed compaction clears the journal without deleting the inputs: they are appended again besides the output',
    file: MERGE_TABLE,
    replacements: [
      {
        find: "    } else if (pending?.state === 'committed') {\n      await deleteObjects(deps, options, pending.batchId, pending.keys);",
        replace:
          "    } else if (pending?.state === 'committed') {\n      if (!isCompactionBatch(pending.batchId))\n        await deleteObjects(deps, options, pending.batchId, pending.keys);",
        count: 1,
      },
    ],
    profile: 'append-compaction',
  },
];
