import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';

import { books } from '@ddb-athena-sync/schemas/test-support/example-tables';

import { SnapshotNotFoundError } from '../src/errors.js';
import { Lake } from '../src/lake.js';
import { toBatches } from './support/changes.js';
import { withTempDir } from './support/temp-dir.js';
import type { StagingRow } from '@ddb-athena-sync/core/stream/change-row';

describe('reads', () => {
  it('reads any snapshot by id or by time, and views work in any DuckDB connection', async () => {
    await withTempDir(async (root) => {
      // Arrange: a clock we control, so that snapshot times are known.
      let now = Date.UTC(2024, 0, 1);
      const lake = await Lake.open({ root, clock: () => new Date(now) });
      await lake.createTable(books);
      const [first, second] = toBatches([
        { kind: 'batch', changes: [{ id: 'k1', op: 'upsert', name: 'one' }] },
        {
          kind: 'batch',
          changes: [
            { id: 'k1', op: 'upsert', name: 'two' },
            { id: 'k2', op: 'upsert', name: 'x' },
          ],
        },
      ]) as { kind: 'rows'; rows: StagingRow[] }[];
      now += 1000;
      const a = await lake.merge('books', first!.rows);
      now += 1000;
      await lake.merge('books', second!.rows);
      const own = await (await DuckDBInstance.create(':memory:')).connect();
      // Act
      const byId = await lake.query('SELECT id, name FROM books ORDER BY id', {
        books: { snapshotId: a.commit!.snapshotId },
      });
      const beforeAny = await lake.query('SELECT count(*) AS n FROM books', {
        books: { asOf: new Date(Date.UTC(2024, 0, 1)) },
      });
      const asOfFirst = await lake.query('SELECT name FROM books', {
        books: { asOf: new Date(Date.UTC(2024, 0, 1) + 1500) },
      });
      await lake.createViews(own);
      const viaOwnConnection = (
        await own.runAndReadAll('SELECT id, name FROM "default".books ORDER BY id')
      ).getRowObjectsJson();
      // Assert
      expect(byId).toEqual([{ id: 'k1', name: 'one' }]);
      expect(beforeAny).toEqual([{ n: '0' }]);
      expect(asOfFirst).toEqual([{ name: 'one' }]);
      expect(viaOwnConnection).toEqual([
        { id: 'k1', name: 'two' },
        { id: 'k2', name: 'x' },
      ]);
      await expect(lake.scanSql('books', { snapshotId: 42n })).rejects.toBeInstanceOf(SnapshotNotFoundError);
      own.closeSync();
      lake.close();
    });
  });
});
