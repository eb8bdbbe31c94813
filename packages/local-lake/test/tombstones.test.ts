import { S3Client } from '@aws-sdk/client-s3';
import type { StagingRow } from '@ddb-athena-sync/core/stream/change-row';
import { books } from '@ddb-athena-sync/schemas/test-support/example-tables';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { Lake } from '../src/lake.js';
import { LocalLakeEngine } from '../src/merge-engine.js';
import { PROPERTY_RUNS } from './support/changes.js';
import { withTempDir } from './support/temp-dir.js';

// Issue 19 item 3: a stream record redelivered after its delete merged (the event source mapping
// bisects a failed batch and retries the halves; Lambda delivery is at least once: Lambda developer
// guide, DynamoDB event source mapping, error handling) must never bring the deleted row back, in
// any snapshot a reader can pick.

function change(id: string, seq: number, op: 'upsert' | 'delete', name = `${id}@${seq}`): StagingRow {
  return {
    id,
    name: op === 'delete' ? null : name,
    author: op === 'delete' ? null : `author of ${id}`,
    summary: null,
    published_at: op === 'delete' ? null : '2024-05-01 12:00:00.000000',
    _op: op,
    _seq: String(seq).padStart(40, '0'),
    _event_time: '2024-05-01 12:00:00.000000',
    _source: 'stream',
  };
}

/** The ids and names of `books` in every snapshot of the table, oldest first. */
async function everySnapshot(lake: Lake): Promise<Record<string, unknown>[][]> {
  const out = [];
  for (const s of await lake.snapshots('books'))
    out.push(
      await lake.query('SELECT id, name, _seq FROM books ORDER BY id', {
        books: { snapshotId: s.snapshotId },
      }),
    );
  return out;
}

const seqText = (n: number): string => String(n).padStart(40, '0');

describe('tombstones: a merged delete is remembered', () => {
  it('(1) an upsert older than a merged delete, redelivered later, is not applied in any snapshot', async () => {
    await withTempDir(async (root) => {
      const lake = await Lake.open({ root });
      try {
        // Arrange: k inserted at 3, deleted at 10.
        await lake.createTable(books);
        await lake.merge('books', [change('k', 3, 'upsert'), change('other', 4, 'upsert')]);
        await lake.merge('books', [change('k', 10, 'delete')]);
        const afterDelete = (await lake.snapshots('books')).length;

        // Act: a bisect retry redelivers k's upsert at 5 (with a newer change of another key).
        const late = await lake.merge('books', [change('k', 5, 'upsert'), change('other', 11, 'upsert')]);

        // Assert
        expect(late.rowsInserted).toBe(0);
        const snapshots = await everySnapshot(lake);
        expect(snapshots.length).toBeGreaterThan(afterDelete);
        for (const rows of snapshots.slice(afterDelete - 1)) expect(rows.map((r) => r.id)).not.toContain('k');
        expect(await lake.query('SELECT id, _seq FROM books__tombstones')).toEqual([
          { id: 'k', _seq: seqText(10) },
        ]);
      } finally {
        lake.close();
      }
    });
  });

  it('(1b) a delete merged before the upsert it follows ever arrived also holds the upsert back', async () => {
    await withTempDir(async (root) => {
      const lake = await Lake.open({ root });
      try {
        await lake.createTable(books);
        // The delete of a key the table never saw leaves nothing to delete, but a tombstone.
        const first = await lake.merge('books', [change('k', 10, 'delete')]);
        await lake.merge('books', [change('k', 5, 'upsert')]);
        expect(first.rowsDeleted).toBe(0);
        expect(await lake.query('SELECT id FROM books')).toEqual([]);
      } finally {
        lake.close();
      }
    });
  });

  it('(2) a re-insert newer than the delete is applied, with its own values, and an older one after it is not', async () => {
    await withTempDir(async (root) => {
      const lake = await Lake.open({ root });
      try {
        // Arrange
        await lake.createTable(books);
        await lake.merge('books', [change('k', 3, 'upsert')]);
        await lake.merge('books', [change('k', 10, 'delete')]);
        await lake.merge('books', [change('k', 5, 'upsert')]);

        // Act
        await lake.merge('books', [change('k', 12, 'upsert', 'back again')]);
        await lake.merge('books', [change('k', 11, 'upsert', 'stale'), change('k', 6, 'upsert', 'staler')]);

        // Assert
        expect(await lake.query('SELECT id, name, _seq FROM books')).toEqual([
          { id: 'k', name: 'back again', _seq: seqText(12) },
        ]);
        const snapshots = await everySnapshot(lake);
        const names = snapshots.map((rows) => rows.find((r) => r.id === 'k')?.name);
        // Every snapshot shows k as of 3, then absent, then as of 12: never the upsert at 5, 6 or 11.
        expect(names.filter((n) => n !== undefined && n !== 'back again' && n !== 'k@3')).toEqual([]);
        expect(names.at(-1)).toBe('back again');
      } finally {
        lake.close();
      }
    });
  });

  it('(3) after every merge of a history with late redeliveries, each row is its newest version and no deleted key reappears', async () => {
    // A history: changes with distinct, growing sequence numbers, cut into batches; then each
    // merge is either the next batch or a late redelivery of any part of an earlier one (a bisect
    // half or a duplicate).
    const history = fc
      .array(
        fc.record({
          id: fc.integer({ min: 0, max: 5 }).map((n) => `k${n}`),
          op: fc.constantFrom<'upsert' | 'delete'>('upsert', 'delete'),
        }),
        { minLength: 1, maxLength: 24 },
      )
      .chain((changes) =>
        fc.record({
          changes: fc.constant(changes.map((c, i) => change(c.id, (i + 1) * 10, c.op))),
          cuts: fc.uniqueArray(fc.integer({ min: 1, max: Math.max(1, changes.length - 1) })),
          redeliveries: fc.array(
            fc.record({ after: fc.nat(), batch: fc.nat(), from: fc.nat(), length: fc.nat({ max: 8 }) }),
            { maxLength: 6 },
          ),
        }),
      );
    await fc.assert(
      fc.asyncProperty(history, async ({ changes, cuts, redeliveries }) => {
        await withTempDir(async (root) => {
          // Arrange
          const bounds = [
            0,
            ...[...cuts].sort((a, b) => a - b).filter((c) => c < changes.length),
            changes.length,
          ];
          const batches = bounds
            .slice(1)
            .map((end, i) => changes.slice(bounds[i], end))
            .filter((b) => b.length > 0);
          const merges: StagingRow[][] = [];
          batches.forEach((batch, i) => {
            merges.push(batch);
            for (const r of redeliveries.filter((x) => x.after % batches.length === i)) {
              const earlier = batches[r.batch % (i + 1)]!;
              const from = r.from % earlier.length;
              merges.push(earlier.slice(from, from + 1 + r.length));
            }
          });
          const lake = await Lake.open({ root });
          try {
            await lake.createTable(books);
            const newest = new Map<string, StagingRow>();
            for (const batch of merges) {
              // Act
              await lake.merge('books', batch);
              for (const c of batch) {
                const id = c.id as string;
                const prev = newest.get(id);
                if (prev === undefined || c._seq > prev._seq) newest.set(id, c);
              }

              // Assert: a last-writer-wins register per key over every change merged so far.
              const expected = [...newest.values()]
                .filter((c) => c._op === 'upsert')
                .map((c) => ({ id: c.id, name: c.name, _seq: c._seq }))
                .sort((a, b) => ((a.id as string) < (b.id as string) ? -1 : 1));
              expect(await lake.query('SELECT id, name, _seq FROM books ORDER BY id')).toEqual(expected);
            }
          } finally {
            lake.close();
          }
        });
      }),
      { numRuns: PROPERTY_RUNS * 5 },
    );
  });

  it('(4) maintenance drops tombstones older than the retention and keeps younger ones', async () => {
    await withTempDir(async (root) => {
      // Arrange: k1 deleted at 00:00, k2 at 20:00; maintenance at 31:00 the next day (30 h retention).
      let now = new Date('2024-05-01T00:00:00Z');
      const lake = await Lake.open({ root, clock: () => now });
      const engine = new LocalLakeEngine({ lake, s3: new S3Client({ region: 'us-east-1' }) });
      try {
        await lake.createTable(books);
        await lake.merge('books', [change('k1', 10, 'delete')]);
        now = new Date('2024-05-01T20:00:00Z');
        await lake.merge('books', [change('k2', 20, 'delete')]);
        now = new Date('2024-05-02T07:00:00Z');

        // Act
        const result = await engine.maintain(books, {
          now,
          snapshotRetentionMs: 5 * 86_400_000,
          minSnapshotsToKeep: 1,
        });

        // Assert: k1's tombstone is 31 h old, k2's 11 h.
        expect(result.droppedTombstones).toBe(1);
        expect(await lake.query('SELECT id, _seq, _deleted_at FROM books__tombstones')).toEqual([
          { id: 'k2', _seq: seqText(20), _deleted_at: '2024-05-01 20:00:00' },
        ]);
        // Past the retention, an older upsert of k1 is applied again (nothing can be that late),
        // k2's is still held back.
        await lake.merge('books', [change('k1', 5, 'upsert'), change('k2', 5, 'upsert')]);
        expect(await lake.query('SELECT id FROM books')).toEqual([{ id: 'k1' }]);
        // A shorter retention passed to maintain drops k2's too.
        const again = await engine.maintain(books, {
          now,
          snapshotRetentionMs: 5 * 86_400_000,
          minSnapshotsToKeep: 1,
          tombstoneRetentionMs: 3_600_000,
        });
        expect(again.droppedTombstones).toBe(1);
        expect(await lake.query('SELECT id FROM books__tombstones')).toEqual([]);
      } finally {
        lake.close();
      }
    });
  });

  it('readers of the table never see tombstones: only live rows and the declared columns', async () => {
    await withTempDir(async (root) => {
      const lake = await Lake.open({ root });
      try {
        await lake.createTable(books);
        await lake.merge('books', [change('a', 1, 'upsert'), change('b', 2, 'upsert')]);
        await lake.merge('books', [change('a', 3, 'delete')]);
        const rows = await lake.query('SELECT * FROM books');
        expect(rows.map((r) => r.id)).toEqual(['b']);
        expect(Object.keys(rows[0]!)).not.toContain('_deleted_at');
      } finally {
        lake.close();
      }
    });
  });
});
