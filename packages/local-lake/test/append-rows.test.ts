import type { StagingRow } from '@ddb-athena-sync/core/stream/change-row';
import { parseDeclaration } from '@ddb-athena-sync/schemas/declaration';
import { ordersInput } from '@ddb-athena-sync/schemas/test-support/example-tables';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { Lake } from '../src/lake.js';
import { PROPERTY_RUNS } from './support/changes.js';
import { withTempDir } from './support/temp-dir.js';

// Mode append on the local lake (append-rows.ts): a replayed or duplicated batch never duplicates a
// row, in any snapshot a reader can pick, and an append reads only the partitions it touches.

const { firehose: _firehose, ...ordersRest } = ordersInput;
const orders = parseDeclaration({ ...ordersRest, mode: 'append' });

/** An insert of order `id` created on day `day` of December 2026 (orders is partitioned by day). */
function insert(id: string, seq: number, day: number, status = `s${seq}`): StagingRow {
  const at = `2026-12-${String(day).padStart(2, '0')} 10:00:00.000000`;
  return {
    id,
    customer_id: 'c',
    created_at: at,
    total: '12.50',
    currency: 'EUR',
    status,
    line_items: [{ sku: 'x', quantity: 1, unit_price: '12.50' }],
    _extra: null,
    _op: 'upsert',
    _seq: String(seq).padStart(40, '0'),
    _event_time: at,
    _source: 'stream',
  };
}

/** Every snapshot's rows (id, status), oldest snapshot first. */
async function everySnapshot(lake: Lake): Promise<Record<string, unknown>[][]> {
  const out = [];
  for (const s of await lake.snapshots('orders'))
    out.push(
      await lake.query('SELECT id, status FROM orders ORDER BY id', { orders: { snapshotId: s.snapshotId } }),
    );
  return out;
}

describe('local lake append', () => {
  it('never duplicates a row under replays and duplicates, and keeps the first insert of a key (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        // Batches of inserts; a key's day is fixed (an append item never changes) and keys repeat
        // inside and across batches (re-deliveries, a bisected batch retried as new invocations).
        fc.array(fc.array(fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f'), { minLength: 1, maxLength: 6 }), {
          minLength: 1,
          maxLength: 4,
        }),
        fc.array(fc.nat(), { minLength: 1, maxLength: 6 }),
        async (batches, schedule) => {
          await withTempDir(async (root) => {
            const lake = await Lake.open({ root });
            try {
              await lake.createTable(orders);
              let n = 0;
              const staged = batches.map((ids) =>
                ids.map((id) => insert(id, ++n, 1 + (id.charCodeAt(0) % 3))),
              );
              const oracle = new Map<string, string>();
              for (const pick of [...schedule, ...batches.keys()]) {
                const batch = staged[pick % staged.length]!;
                const outcome = await lake.appendNew('orders', batch);
                const before = oracle.size;
                for (const r of [...batch].sort((x, y) => (x._seq < y._seq ? -1 : 1)))
                  if (!oracle.has(r.id as string)) oracle.set(r.id as string, r.status as string);
                expect(outcome.rowsInserted).toBe(oracle.size - before);
              }
              const expected = [...oracle]
                .sort(([x], [y]) => (x < y ? -1 : 1))
                .map(([id, status]) => ({ id, status }));
              expect(await lake.query('SELECT id, status FROM orders ORDER BY id')).toEqual(expected);
              // No snapshot ever held a key twice.
              for (const rows of await everySnapshot(lake))
                expect(new Set(rows.map((r) => r.id)).size).toBe(rows.length);
            } finally {
              lake.close();
            }
          });
        },
      ),
      { numRuns: Math.max(PROPERTY_RUNS, 10) },
    );
  });

  it('reads only the partitions the batch touches, and a replay commits nothing', async () => {
    await withTempDir(async (root) => {
      const lake = await Lake.open({ root });
      try {
        // Arrange: three days of orders.
        await lake.createTable(orders);
        for (const day of [1, 2, 3])
          await lake.appendNew(
            'orders',
            Array.from({ length: 50 }, (_, i) => insert(`d${day}-${i}`, day * 100 + i, day)),
          );
        const snapshots = (await lake.snapshots('orders')).length;

        // Act: a batch of day 3 (one new order, one already there), then the same batch again.
        const batch = [insert('d3-0', 300, 3), insert('d3-new', 400, 3)];
        const first = await lake.appendNew('orders', batch);
        const replay = await lake.appendNew('orders', batch);

        // Assert
        expect(first.rowsInserted).toBe(1);
        expect(first.filesRead).toBe(1);
        expect(first.bytesRead).toBeGreaterThan(0);
        expect(first.bytesRead * 2).toBeLessThan(first.tableBytes);
        expect(replay.rowsInserted).toBe(0);
        expect(replay.commit).toBeUndefined();
        expect((await lake.snapshots('orders')).length).toBe(snapshots + 1);
        expect(await lake.query('SELECT count(*) AS n, count(DISTINCT id) AS k FROM orders')).toEqual([
          { n: '151', k: '151' },
        ]);
      } finally {
        lake.close();
      }
    });
  });
});
