import { stat } from 'node:fs/promises';
import { join } from 'node:path';

import { DuckDBInstance } from '@duckdb/node-api';
import { icebergRead } from 'icebird';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { books } from '@ddb-athena-sync/schemas/test-support/example-tables';
import type { StagingRow } from '@ddb-athena-sync/core/stream/change-row';

import { Lake } from '../src/lake.js';
import { applyTransform } from '../src/partition-transform.js';
import { installFileFetch } from './support/file-fetch.js';
import { withTempDir } from './support/temp-dir.js';
import { validateTable } from './support/validate-table.js';

const row = (id: string, seq: number, name: string): StagingRow => ({
  id,
  name,
  author: null,
  summary: null,
  published_at: null,
  _op: 'upsert',
  _seq: String(seq).padStart(40, '0'),
  _event_time: '2024-01-01 00:00:00.000000',
  _source: 'stream',
});
const bucket = (id: string): number =>
  applyTransform(
    { 'source-id': 1, 'field-id': 1000, name: 'id_bucket', transform: 'bucket[16]' },
    'string',
    id,
  ) as number;

describe('delete files written by another engine', () => {
  let restore: () => void;
  beforeAll(() => {
    restore = installFileFetch();
  });
  afterAll(() => restore());

  it('applies equality deletes to older data only and position deletes by file and row, like icebird', async () => {
    await withTempDir(async (root) => {
      // Arrange: three rows, then another engine's equality delete of k2 and position delete of k3's row.
      const lake = await Lake.open({ root });
      await lake.createTable(books);
      await lake.merge('books', [row('k1', 1, 'a'), row('k2', 2, 'b'), row('k3', 3, 'c')]);
      const k3File = (await lake.files('books')).data.find(
        (e) => e.file.partition.id_bucket === bucket('k3'),
      )!;
      const db = await (await DuckDBInstance.create(':memory:')).connect();
      const eqPath = join(root, 'eq-delete.parquet');
      const posPath = join(root, 'pos-delete.parquet');
      await db.run(`COPY (SELECT 'k2' AS id) TO '${eqPath}' (FORMAT parquet, FIELD_IDS {id: 1})`);
      await db.run(
        `COPY (SELECT '${k3File.file.path}' AS file_path, 0::BIGINT AS pos) TO '${posPath}' (FORMAT parquet, FIELD_IDS {file_path: 2147483546, pos: 2147483545})`,
      );
      // Act
      await lake.addFiles('books', [
        {
          content: 2,
          path: `file://${eqPath}`,
          format: 'PARQUET',
          partition: { id_bucket: bucket('k2') },
          recordCount: 1n,
          fileSizeInBytes: BigInt((await stat(eqPath)).size),
          equalityIds: [1],
          sortOrderId: null,
        },
        {
          content: 1,
          path: `file://${posPath}`,
          format: 'PARQUET',
          partition: { id_bucket: bucket('k3') },
          recordCount: 1n,
          fileSizeInBytes: BigInt((await stat(posPath)).size),
          equalityIds: null,
          sortOrderId: null,
        },
      ]);
      // Assert: k2 and k3 are gone for our reader and for icebird.
      expect(await lake.query('SELECT id FROM books ORDER BY id')).toEqual([{ id: 'k1' }]);
      const theirs = await icebergRead({ tableUrl: `file://${join(root, 'default', 'books')}` });
      expect(theirs.map((r) => r.id as string).sort()).toEqual(['k1']);
      // A later merge sees the deletes (k2 is not matched, so it is inserted) and its new row is
      // newer than the equality delete, so it stays.
      const merged = await lake.merge('books', [row('k2', 4, 'again'), row('k3', 5, 'again')]);
      expect([merged.rowsInserted, merged.rowsUpdated]).toEqual([2, 0]);
      expect(await lake.query('SELECT id, name FROM books ORDER BY id')).toEqual([
        { id: 'k1', name: 'a' },
        { id: 'k2', name: 'again' },
        { id: 'k3', name: 'again' },
      ]);
      // Optimize folds the foreign delete files in.
      await lake.optimize('books');
      expect((await lake.files('books')).deletes).toEqual([]);
      expect(await lake.query('SELECT id, name FROM books ORDER BY id')).toHaveLength(3);
      expect(await validateTable(join(root, 'default', 'books'), db)).toEqual([]);
      lake.close();
    });
  });
});
