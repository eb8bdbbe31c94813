import type { StagingRow } from '@ddb-athena-sync/core/stream/change-row';
import { BACKFILL_SEQUENCE, changeSequence } from '@ddb-athena-sync/core/stream/sequence-number';
import { books } from '@ddb-athena-sync/schemas/test-support/example-tables';
import { describe, expect, it } from 'vitest';

import { Lake } from '../src/lake.js';
import { withTempDir } from './support/temp-dir.js';

// Issue 19 item 5: the lake's merge follows core's repair rule (packages/core/src/sql/render-merge.ts,
// repairClause): a backfill row updates a matched row whose data differ when the row's last change
// is not newer than the Scan (`t._updated_at <= s._updated_at`), keeping the row's `_seq`; a change
// older than its key's tombstone is dropped first, as in core's MERGE source.

const seq = (n: number): string => String(n).padStart(40, '0');

function streamRow(
  id: string,
  n: number,
  name: string,
  at: string,
  op: 'upsert' | 'delete' = 'upsert',
): StagingRow {
  return {
    id,
    name: op === 'delete' ? null : name,
    author: 'a',
    summary: null,
    published_at: null,
    _op: op,
    _seq: seq(n),
    _event_time: at,
    _source: 'stream',
  };
}

/** The scanned state of a key: `_seq` 0, event time the scan time. */
function backfillRow(id: string, name: string, scannedAt: string): StagingRow {
  return { ...streamRow(id, 0, name, scannedAt), _seq: BACKFILL_SEQUENCE, _source: 'backfill' };
}

async function withBooks(run: (lake: Lake) => Promise<void>): Promise<void> {
  await withTempDir(async (root) => {
    const lake = await Lake.open({ root });
    try {
      await lake.createTable(books);
      await run(lake);
    } finally {
      lake.close();
    }
  });
}

const rows = (lake: Lake): Promise<Record<string, unknown>[]> =>
  lake.query('SELECT id, name, _seq, _updated_at FROM books ORDER BY id');

describe('backfill repair', () => {
  it('a stale row converges to the scanned state, keeps its _seq, and later stream changes still win', async () => {
    await withBooks(async (lake) => {
      // Arrange: k1's last change (11:59) left a stale value (a change lost before this product ran).
      await lake.merge('books', [
        streamRow('k1', 5, 'stale', '2024-05-01 11:59:00.000000'),
        streamRow('k2', 6, 'fresh', '2024-05-01 11:59:00.000000'),
      ]);

      // Act: a Scan at 12:00 reads DynamoDB's state of both keys.
      const repair = await lake.merge('books', [
        backfillRow('k1', 'scanned', '2024-05-01 12:00:00.000000'),
        backfillRow('k2', 'fresh', '2024-05-01 12:00:00.000000'),
      ]);
      const repaired = await rows(lake);
      await lake.merge('books', [streamRow('k1', 7, 'later', '2024-05-01 12:01:00.000000')]);

      // Assert
      expect(repair).toMatchObject({ rowsInserted: 0, rowsUpdated: 1, rowsDeleted: 0 });
      expect(repaired).toEqual([
        { id: 'k1', name: 'scanned', _seq: seq(5), _updated_at: '2024-05-01 12:00:00' },
        { id: 'k2', name: 'fresh', _seq: seq(6), _updated_at: '2024-05-01 11:59:00' },
      ]);
      expect(await rows(lake)).toEqual([
        { id: 'k1', name: 'later', _seq: seq(7), _updated_at: '2024-05-01 12:01:00' },
        { id: 'k2', name: 'fresh', _seq: seq(6), _updated_at: '2024-05-01 11:59:00' },
      ]);
    });
  });

  it('a backfill row never overrides a stream change newer than the Scan', async () => {
    await withBooks(async (lake) => {
      // Arrange: the row's last change (12:01) is newer than the Scan (12:00).
      await lake.merge('books', [streamRow('k1', 5, 'streamed', '2024-05-01 12:01:00.000000')]);
      const before = (await lake.snapshots('books')).length;

      // Act
      const out = await lake.merge('books', [backfillRow('k1', 'scanned', '2024-05-01 12:00:00.000000')]);

      // Assert
      expect(out).toMatchObject({ rowsInserted: 0, rowsUpdated: 0, commit: undefined });
      expect((await lake.snapshots('books')).length).toBe(before);
      expect(await rows(lake)).toEqual([
        { id: 'k1', name: 'streamed', _seq: seq(5), _updated_at: '2024-05-01 12:01:00' },
      ]);
    });
  });

  it('a backfill row equal to the row writes nothing', async () => {
    await withBooks(async (lake) => {
      // Arrange
      await lake.merge('books', [streamRow('k1', 5, 'same', '2024-05-01 11:59:00.000000')]);
      const before = (await lake.snapshots('books')).length;

      // Act
      const out = await lake.merge('books', [backfillRow('k1', 'same', '2024-05-01 12:00:00.000000')]);

      // Assert
      expect(out).toMatchObject({ rowsUpdated: 0, commit: undefined });
      expect((await lake.snapshots('books')).length).toBe(before);
      expect(await rows(lake)).toEqual([
        { id: 'k1', name: 'same', _seq: seq(5), _updated_at: '2024-05-01 11:59:00' },
      ]);
    });
  });

  it('a key with a tombstone newer than the backfill row is neither re-created nor repaired', async () => {
    await withBooks(async (lake) => {
      // Arrange: gone deleted at 10; back deleted at 10 and re-created at 12 (its tombstone stays).
      await lake.merge('books', [
        streamRow('gone', 3, 'x', '2024-05-01 11:00:00.000000'),
        streamRow('back', 4, 'x', '2024-05-01 11:00:00.000000'),
      ]);
      await lake.merge('books', [
        streamRow('gone', 10, '', '2024-05-01 11:10:00.000000', 'delete'),
        streamRow('back', 11, '', '2024-05-01 11:10:00.000000', 'delete'),
      ]);
      await lake.merge('books', [streamRow('back', 12, 'recreated', '2024-05-01 11:20:00.000000')]);

      // Act: core's MERGE source drops a change older than its key's tombstone, backfill rows too.
      const out = await lake.merge('books', [
        backfillRow('gone', 'scanned', '2024-05-01 12:00:00.000000'),
        backfillRow('back', 'scanned', '2024-05-01 12:00:00.000000'),
      ]);

      // Assert
      expect(out).toMatchObject({ rowsInserted: 0, rowsUpdated: 0, commit: undefined });
      expect(await rows(lake)).toEqual([
        { id: 'back', name: 'recreated', _seq: seq(12), _updated_at: '2024-05-01 11:20:00' },
      ]);
    });
  });
});

describe('57-character _seq (stream epoch + sequence number)', () => {
  const OLD_STREAM = 'arn:aws:dynamodb:eu-west-1:123456789012:table/books/stream/2024-01-01T00:00:00.000';
  const NEW_STREAM = 'arn:aws:dynamodb:eu-west-1:123456789012:table/books/stream/2024-06-01T00:00:00.000';

  it('orders changes by stream epoch first, within a batch and across batches, above backfill rows', async () => {
    await withBooks(async (lake) => {
      // Arrange: the recreated stream's sequence numbers are lower than the old stream's.
      const oldSeq = changeSequence(OLD_STREAM, '900000000000000000000');
      const newSeq = changeSequence(NEW_STREAM, '100000000000000000000');
      const newerSeq = changeSequence(NEW_STREAM, '100000000000000000001');
      expect([oldSeq.length, newSeq.length]).toEqual([57, 57]);
      const at = '2024-06-01 00:00:00.000000';

      // Act
      await lake.merge('books', [
        { ...streamRow('a', 0, 'old stream', at), _seq: oldSeq },
        { ...streamRow('a', 0, 'new stream', at), _seq: newSeq },
        { ...streamRow('b', 0, 'new stream', at), _seq: newSeq },
      ]);
      const replayOld = await lake.merge('books', [
        { ...streamRow('b', 0, 'old stream', at), _seq: oldSeq },
        backfillRow('a', 'scan', '2024-05-01 00:00:00.000000'),
      ]);
      await lake.merge('books', [{ ...streamRow('b', 0, 'newer', at), _seq: newerSeq }]);

      // Assert
      expect(replayOld).toMatchObject({ rowsInserted: 0, rowsUpdated: 0, commit: undefined });
      expect(await lake.query('SELECT id, name, _seq FROM books ORDER BY id')).toEqual([
        { id: 'a', name: 'new stream', _seq: newSeq },
        { id: 'b', name: 'newer', _seq: newerSeq },
      ]);
    });
  });
});
