import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { books, orders } from '@ddb-athena-sync/schemas/test-support/example-tables';

import { SnapshotNotFoundError } from '../src/errors.js';
import { Lake } from '../src/lake.js';
import { toBatches } from './support/changes.js';
import { withTempDir } from './support/temp-dir.js';
import { violationsOf } from './support/validate-table.js';
import type { StagingRow } from '@ddb-athena-sync/core/stream/change-row';

async function filledLake(root: string, clock?: () => Date): Promise<Lake> {
  const lake = await Lake.open({ root, ...(clock ? { clock } : {}) });
  await lake.createTable(books);
  const batches = toBatches([
    {
      kind: 'batch',
      changes: Array.from({ length: 12 }, (_, i) => ({
        id: `k${i}`,
        op: 'upsert' as const,
        name: `v1-${i}`,
      })),
    },
    {
      kind: 'batch',
      changes: [
        { id: 'k1', op: 'upsert', name: 'v2' },
        { id: 'k2', op: 'delete', name: '' },
        { id: 'k3', op: 'upsert', name: 'v2' },
      ],
    },
    {
      kind: 'batch',
      changes: [
        { id: 'k3', op: 'delete', name: '' },
        { id: 'k4', op: 'upsert', name: 'v3' },
      ],
    },
  ]) as { kind: 'rows'; rows: StagingRow[] }[];
  for (const b of batches) await lake.merge('books', b.rows);
  return lake;
}

async function allFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true }))
    if (e.isFile()) out.push(join(e.parentPath, e.name));
  return out.sort();
}

describe('optimize', () => {
  it('folds delete files into one data file per partition and keeps the rows', async () => {
    await withTempDir(async (root) => {
      // Arrange
      const lake = await filledLake(root);
      const before = await lake.query('SELECT * FROM books ORDER BY id');
      const filesBefore = await lake.files('books');
      expect(filesBefore.deletes.length).toBeGreaterThan(0);
      // Act
      const outcome = await lake.optimize('books');
      // Assert
      const after = await lake.files('books');
      expect(await lake.query('SELECT * FROM books ORDER BY id')).toEqual(before);
      expect(after.deletes).toEqual([]);
      const partitions = after.data.map((e) => JSON.stringify(e.file.partition));
      expect(new Set(partitions).size).toBe(partitions.length);
      expect(outcome.removedDeleteFiles).toBe(filesBefore.deletes.length);
      expect((await lake.snapshots('books')).at(-1)?.operation).toBe('replace');
      // A second optimize has nothing to do.
      expect((await lake.optimize('books')).commit).toBeUndefined();
      lake.close();
    });
  });
});

describe('expireSnapshots', () => {
  it('removes old snapshots and exactly the files only they reference', async () => {
    await withTempDir(async (root) => {
      // Arrange
      const lake = await filledLake(root);
      await lake.optimize('books');
      const old = (await lake.snapshots('books'))[0]!;
      const rows = await lake.query('SELECT * FROM books ORDER BY id');
      // Act
      const outcome = await lake.expireSnapshots('books', {
        olderThan: new Date(Date.now() + 60_000),
        keepLast: 1,
      });
      // Assert
      expect(outcome.expiredSnapshots).toBe(3);
      expect(outcome.deletedFiles).toBeGreaterThan(0);
      expect(await lake.snapshots('books')).toHaveLength(1);
      expect(await lake.query('SELECT * FROM books ORDER BY id')).toEqual(rows);
      await expect(lake.files('books', { snapshotId: old.snapshotId })).rejects.toBeInstanceOf(
        SnapshotNotFoundError,
      );
      expect(await violationsOf(root, 'books')).toEqual([]);
      lake.close();
    });
  });

  it('keeps snapshots superseded within the retention window and the last keepLast', async () => {
    await withTempDir(async (root) => {
      // Arrange
      const lake = await filledLake(root);
      // Act
      const recent = await lake.expireSnapshots('books', {
        olderThan: new Date(Date.now() - 60_000),
        keepLast: 1,
      });
      const keepAll = await lake.expireSnapshots('books', {
        olderThan: new Date(Date.now() + 60_000),
        keepLast: 10,
      });
      // Assert
      expect(recent.expiredSnapshots).toBe(0);
      expect(keepAll.expiredSnapshots).toBe(0);
      expect(await lake.snapshots('books')).toHaveLength(3);
      lake.close();
    });
  });
});

describe('removeOrphanFiles', () => {
  it('deletes unreferenced old files and leaves referenced and recent ones', async () => {
    await withTempDir(async (root) => {
      // Arrange
      const lake = await filledLake(root);
      const tableDir = join(root, 'default', 'books');
      const referenced = await allFiles(tableDir);
      await mkdir(join(tableDir, 'data', 'id_bucket=99'), { recursive: true });
      const strays = [
        join(tableDir, 'data', 'id_bucket=99', 'crashed-writer.parquet'),
        join(tableDir, 'metadata', 'crashed-manifest.avro'),
      ];
      for (const s of strays) await writeFile(s, 'partial');
      // Act
      const notYet = await lake.removeOrphanFiles('books', { olderThan: new Date(Date.now() - 60_000) });
      const now = await lake.removeOrphanFiles('books', { olderThan: new Date(Date.now() + 60_000) });
      // Assert
      expect(notYet.deletedFiles).toBe(0);
      expect(now.deletedFiles).toBe(2);
      expect(await allFiles(tableDir)).toEqual(referenced);
      expect(await lake.query('SELECT count(*) AS n FROM books')).toEqual([{ n: '10' }]);
      lake.close();
    });
  });
});

// Compacting only recently written partitions (issue 18 item 5; Athena: OPTIMIZE ... WHERE
// <partition predicate>, https://docs.aws.amazon.com/athena/latest/ug/optimize-statement.html).
describe('optimize of recent partitions only', () => {
  it('with `since`, leaves partitions of a day(created_at) table before that day alone', async () => {
    await withTempDir(async (root) => {
      // Arrange: two appends in each of two days, so each day partition holds two data files.
      const lake = await Lake.open({ root });
      try {
        await lake.createTable(orders);
        const order = (id: string, day: string) => ({
          id,
          customer_id: 'c',
          created_at: `${day} 10:00:00.000000`,
          total: '1.00',
          currency: 'EUR',
          status: 'new',
          line_items: [],
          _extra: null,
          _seq: '1',
          _updated_at: `${day} 10:00:00`,
        });
        for (const id of ['a', 'b']) {
          await lake.append('orders', [order(`${id}1`, '2024-04-30'), order(`${id}2`, '2024-05-01')]);
        }
        const filesPerDay = async (): Promise<number[]> => {
          const counts = new Map<string, number>();
          for (const e of (await lake.files('orders')).data) {
            const k = JSON.stringify(e.file.partition);
            counts.set(k, (counts.get(k) ?? 0) + 1);
          }
          return [...counts.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, n]) => n);
        };
        expect(await filesPerDay()).toEqual([2, 2]);

        // Act
        const recent = await lake.optimize('orders', { since: new Date('2024-05-01T18:00:00Z') });

        // Assert: only 2024-05-01 was compacted; then a full optimize does the older day too.
        expect(recent.rewrittenDataFiles).toBe(2);
        expect(await filesPerDay()).toEqual([2, 1]);
        const full = await lake.optimize('orders');
        expect(full.rewrittenDataFiles).toBe(2);
        expect(await filesPerDay()).toEqual([1, 1]);
        expect((await lake.query('SELECT count(*) AS n FROM orders'))[0]).toEqual({ n: '4' });
      } finally {
        lake.close();
      }
    });
  });
});
