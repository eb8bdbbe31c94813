import fc from 'fast-check';

import type { StagingRow } from '@ddb-athena-sync/core/stream/change-row';

/** Property runs: few by default to keep the suite fast; LAKE_PROPERTY_RUNS raises them. */
export const PROPERTY_RUNS = Number(process.env.LAKE_PROPERTY_RUNS ?? '4');

export interface Change {
  readonly id: string;
  readonly op: 'upsert' | 'delete';
  readonly name: string;
}

/** One step of a sequence: a batch of changes, a replay of an earlier batch, or an optimize. */
export type Step =
  | { readonly kind: 'batch'; readonly changes: readonly Change[] }
  | { readonly kind: 'replay'; readonly pick: number }
  | { readonly kind: 'optimize' };

const change = fc.record({
  // A small key space so that batches hit the same keys (duplicates in a batch, updates, deletes).
  id: fc.integer({ min: 0, max: 11 }).map((n) => `k${n}`),
  op: fc.constantFrom<'upsert' | 'delete'>('upsert', 'upsert', 'delete'),
  name: fc.string({ maxLength: 6 }),
});

export const stepsArbitrary = (withOptimize: boolean): fc.Arbitrary<Step[]> =>
  fc.array(
    fc.oneof(
      {
        weight: 6,
        arbitrary: fc
          .array(change, { minLength: 1, maxLength: 8 })
          .map((changes) => ({ kind: 'batch' as const, changes })),
      },
      { weight: 2, arbitrary: fc.nat().map((pick) => ({ kind: 'replay' as const, pick })) },
      { weight: withOptimize ? 1 : 0, arbitrary: fc.constant({ kind: 'optimize' as const }) },
    ),
    { minLength: 1, maxLength: 7 },
  );

/** Turns steps into staging batches; sequence numbers grow across the whole run. */
export function toBatches(
  steps: readonly Step[],
): ({ kind: 'rows'; rows: StagingRow[] } | { kind: 'optimize' })[] {
  let seq = 1000;
  const batches: StagingRow[][] = [];
  const out: ({ kind: 'rows'; rows: StagingRow[] } | { kind: 'optimize' })[] = [];
  for (const s of steps) {
    if (s.kind === 'optimize') {
      out.push({ kind: 'optimize' });
      continue;
    }
    if (s.kind === 'replay') {
      if (batches.length === 0) continue;
      out.push({ kind: 'rows', rows: batches[s.pick % batches.length]! });
      continue;
    }
    const rows = s.changes.map((c): StagingRow => {
      seq += 7;
      const second = String(seq % 60).padStart(2, '0');
      return {
        id: c.id,
        name: c.op === 'delete' ? null : c.name,
        author: c.op === 'delete' ? null : `author of ${c.id}`,
        summary: null,
        published_at: c.op === 'delete' ? null : `2024-05-01 12:00:${second}.123456`,
        _op: c.op,
        _seq: String(seq).padStart(40, '0'),
        _event_time: `2024-06-01 08:00:${second}.000042`,
        _source: 'stream',
      };
    });
    batches.push(rows);
    out.push({ kind: 'rows', rows });
  }
  return out;
}
