import { PutObjectCommand } from '@aws-sdk/client-s3';
import { encodeStagingObject } from '@ddb-athena-sync/core/staging/staging-object';
import type { StagedObject } from '@ddb-athena-sync/core/merge/engine';
import type { StagingRow } from '@ddb-athena-sync/core/stream/change-row';
import { books } from '@ddb-athena-sync/schemas/test-support/example-tables';
import { useLocalServices } from '@ddb-athena-sync/local-services/test-support/use-local-services';
import { describe, expect, it } from 'vitest';

import { Lake } from '../src/lake.js';
import { StagedObjectReadError } from '../src/errors.js';
import { LocalLakeEngine } from '../src/merge-engine.js';
import { withTempDir } from './support/temp-dir.js';

const local = useLocalServices({ buckets: ['staging'] });

const row = (
  id: string,
  seq: number,
  op: 'upsert' | 'delete',
  name: string | null,
  source: 'stream' | 'backfill' = 'stream',
): StagingRow => ({
  id,
  name,
  author: 'x',
  summary: null,
  published_at: '2024-05-01 00:00:00.000000',
  _op: op,
  _seq: String(seq).padStart(40, '0'),
  _event_time: '2024-05-02 03:04:05.000006',
  _source: source,
});

async function stage(
  key: string,
  rows: StagingRow[],
  source: 'stream' | 'backfill' = 'stream',
): Promise<StagedObject> {
  const body = encodeStagingObject(rows);
  await local.s3.send(new PutObjectCommand({ Bucket: 'staging', Key: key, Body: body }));
  return { key, size: body.length, lastModified: new Date(), source };
}

describe('LocalLakeEngine', () => {
  it('merges the staged objects of a batch from S3 in one commit, backfill losing to stream changes', async () => {
    await withTempDir(async (root) => {
      // Arrange
      const lake = await Lake.open({ root });
      const engine = new LocalLakeEngine({ lake, s3: local.s3 });
      await engine.ensureTable(books);
      await engine.ensureTable(books); // idempotent
      const objects = [
        await stage('staging/books/2024/05/02/03/shard-1-a.json.gz', [
          row('b1', 5, 'upsert', 'stream'),
          row('b2', 6, 'delete', null),
        ]),
        await stage(
          'staging/books/backfill/part-0.json.gz',
          [
            row('b1', 0, 'upsert', 'scan', 'backfill'),
            row('b2', 0, 'upsert', 'scan', 'backfill'),
            row('b3', 0, 'upsert', 'scan', 'backfill'),
          ],
          'backfill',
        ),
      ];
      // Act
      const result = await engine.merge({ table: books, bucket: 'staging', objects });
      const replay = await engine.merge({ table: books, bucket: 'staging', objects });
      // Assert
      expect(result).toMatchObject({ rowsRead: 5, rowsInserted: 2, rowsUpdated: 0, rowsDeleted: 0 });
      // Reported so the merge protocol need not read the objects again for the freshness metric.
      expect(result.oldestEventTime).toEqual(new Date('2024-05-02T03:04:05.000Z'));
      expect(result.snapshotId).toMatch(/^\d+$/);
      expect(replay.snapshotId).toBeUndefined();
      expect(await lake.query('SELECT id, name, _updated_at FROM books ORDER BY id')).toEqual([
        { id: 'b1', name: 'stream', _updated_at: '2024-05-02 03:04:05.000006' },
        { id: 'b3', name: 'scan', _updated_at: '2024-05-02 03:04:05.000006' },
      ]);
      lake.close();
    });
  });

  it('fails with a typed error naming the object when a staged object is missing', async () => {
    await withTempDir(async (root) => {
      // Arrange
      const lake = await Lake.open({ root });
      const engine = new LocalLakeEngine({ lake, s3: local.s3 });
      await engine.ensureTable(books);
      // Act
      const run = engine.merge({
        table: books,
        bucket: 'staging',
        objects: [{ key: 'staging/books/gone.json.gz', size: 1, lastModified: new Date(), source: 'stream' }],
      });
      // Assert
      await expect(run).rejects.toBeInstanceOf(StagedObjectReadError);
      expect(await lake.snapshots('books')).toEqual([]);
      lake.close();
    });
  });

  it('maintains: compacts, expires past the retention and reports what it removed', async () => {
    await withTempDir(async (root) => {
      // Arrange
      const lake = await Lake.open({ root });
      const engine = new LocalLakeEngine({ lake, s3: local.s3 });
      await engine.ensureTable(books);
      await engine.merge({
        table: books,
        bucket: 'staging',
        objects: [
          await stage('staging/books/m1.json.gz', [
            row('a', 1, 'upsert', 'one'),
            row('b', 2, 'upsert', 'two'),
          ]),
        ],
      });
      await engine.merge({
        table: books,
        bucket: 'staging',
        objects: [await stage('staging/books/m2.json.gz', [row('a', 3, 'upsert', 'uno')])],
      });
      // Act
      const result = await engine.maintain(books, {
        now: new Date(Date.now() + 3_600_000),
        snapshotRetentionMs: 60_000,
        minSnapshotsToKeep: 1,
      });
      // Assert
      expect(result.optimized).toBe(true);
      expect(result.expiredSnapshots).toBe(2);
      expect(result.removedFiles).toBeGreaterThan(0);
      expect(await lake.query('SELECT id, name FROM books ORDER BY id')).toEqual([
        { id: 'a', name: 'uno' },
        { id: 'b', name: 'two' },
      ]);
      lake.close();
    });
  });
});
