import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { DuckDBInstance } from '@duckdb/node-api';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { books } from '@ddb-athena-sync/schemas/test-support/example-tables';
import type { StagingRow } from '@ddb-athena-sync/core/stream/change-row';

import { RowValueError } from '../src/errors.js';
import { Lake } from '../src/lake.js';
import { PROPERTY_RUNS, stepsArbitrary, toBatches } from './support/changes.js';
import { withTempDir } from './support/temp-dir.js';
import type { DuckDBConnection } from '@duckdb/node-api';

/**
 * The oracle: a plain DuckDB table changed by the MERGE statement of DESIGN.md (dedup per key by
 * `_seq`, sequence-guarded delete/update, insert when not matched and not a delete), with the
 * tombstones of DESIGN.md in a second table: a delete newer than the row and the key's tombstone
 * raises the tombstone (first MERGE), and an upsert is applied only when newer than the tombstone.
 */
const ORACLE_DDL = [
  `CREATE TABLE oracle (id VARCHAR, name VARCHAR, author VARCHAR, summary VARCHAR, published_at TIMESTAMP, _seq VARCHAR, _updated_at TIMESTAMP)`,
  `CREATE TABLE oracle_tombstones (id VARCHAR, _seq VARCHAR)`,
];

async function oracleMerge(db: DuckDBConnection, dir: string, rows: readonly StagingRow[]): Promise<void> {
  const file = join(dir, `batch-${Math.random().toString(36).slice(2)}.ndjson`);
  await writeFile(file, rows.map((r) => JSON.stringify(r)).join('\n'));
  await db.run(`
    CREATE OR REPLACE TEMP TABLE batch AS
    SELECT * FROM (
      SELECT *, row_number() OVER (PARTITION BY id ORDER BY _seq DESC) AS rn
      FROM read_json('${file}', format = 'newline_delimited', columns = {id: 'VARCHAR', name: 'VARCHAR', author: 'VARCHAR', summary: 'VARCHAR', published_at: 'TIMESTAMP', _op: 'VARCHAR', _seq: 'VARCHAR', _event_time: 'TIMESTAMP', _source: 'VARCHAR'})
    ) WHERE rn = 1`);
  await db.run(`
    MERGE INTO oracle_tombstones AS t
    USING (
      SELECT s.id, s._seq FROM batch AS s LEFT JOIN oracle AS o ON o.id = s.id
      WHERE s._op = 'delete' AND (o._seq IS NULL OR s._seq > o._seq)
    ) AS s
    ON t.id = s.id
    WHEN MATCHED AND s._seq > t._seq THEN UPDATE SET _seq = s._seq
    WHEN NOT MATCHED THEN INSERT (id, _seq) VALUES (s.id, s._seq)`);
  await db.run(`
    MERGE INTO oracle AS t
    USING (
      SELECT s.*, b._seq AS tombstone_seq FROM batch AS s LEFT JOIN oracle_tombstones AS b ON b.id = s.id
    ) AS s
    ON t.id = s.id
    WHEN MATCHED AND s._seq > t._seq AND s._op = 'delete' THEN DELETE
    WHEN MATCHED AND s._seq > t._seq AND (s.tombstone_seq IS NULL OR s._seq > s.tombstone_seq) THEN UPDATE SET name = s.name, author = s.author, summary = s.summary, published_at = s.published_at, _seq = s._seq, _updated_at = s._event_time
    WHEN NOT MATCHED AND s._op <> 'delete' AND (s.tombstone_seq IS NULL OR s._seq > s.tombstone_seq) THEN INSERT (id, name, author, summary, published_at, _seq, _updated_at) VALUES (s.id, s.name, s.author, s.summary, s.published_at, s._seq, s._event_time)`);
}

describe('merge (differential against a DuckDB table with the same MERGE)', () => {
  let oracleDb: DuckDBInstance;
  let db: DuckDBConnection;

  beforeAll(async () => {
    oracleDb = await DuckDBInstance.create(':memory:');
    db = await oracleDb.connect();
  });
  afterAll(() => {
    db.closeSync();
    oracleDb.closeSync();
  });

  it('gives the same rows after every commit for random batches, duplicates, replays and compactions', async () => {
    await fc.assert(
      fc.asyncProperty(stepsArbitrary(true), async (steps) => {
        await withTempDir(async (root) => {
          // Arrange
          await db.run('DROP TABLE IF EXISTS oracle');
          await db.run('DROP TABLE IF EXISTS oracle_tombstones');
          for (const ddl of ORACLE_DDL) await db.run(ddl);
          const lake = await Lake.open({ root });
          try {
            await lake.createTable(books);
            for (const b of toBatches(steps)) {
              // Act
              if (b.kind === 'optimize') await lake.optimize('books');
              else {
                await lake.merge('books', b.rows);
                await oracleMerge(db, root, b.rows);
              }
              // Assert
              const ours = await lake.query('SELECT * FROM books ORDER BY id');
              const expected = (
                await db.runAndReadAll('SELECT * FROM oracle ORDER BY id')
              ).getRowObjectsJson();
              expect(ours).toEqual(expected);
              // The tombstone table appears with the first merge.
              const merged = (await lake.catalog.listTables('default')).includes('books__tombstones');
              expect(
                merged ? await lake.query('SELECT id, _seq FROM books__tombstones ORDER BY id') : [],
              ).toEqual(
                (
                  await db.runAndReadAll('SELECT id, _seq FROM oracle_tombstones ORDER BY id')
                ).getRowObjectsJson(),
              );
            }
          } finally {
            lake.close();
          }
        });
      }),
      { numRuns: PROPERTY_RUNS * 3 },
    );
  });

  it('reports inserted, updated and deleted rows and commits nothing for a replay', async () => {
    await withTempDir(async (root) => {
      // Arrange
      const lake = await Lake.open({ root });
      try {
        await lake.createTable(books);
        const [first, second] = toBatches([
          {
            kind: 'batch',
            changes: [
              { id: 'k1', op: 'upsert', name: 'a' },
              { id: 'k2', op: 'upsert', name: 'b' },
              { id: 'k1', op: 'upsert', name: 'c' },
            ],
          },
          {
            kind: 'batch',
            changes: [
              { id: 'k1', op: 'delete', name: '' },
              { id: 'k2', op: 'upsert', name: 'd' },
              { id: 'k3', op: 'delete', name: '' },
            ],
          },
        ]) as { kind: 'rows'; rows: StagingRow[] }[];
        // Act
        const a = await lake.merge('books', first!.rows);
        const b = await lake.merge('books', second!.rows);
        // Replaying the latest batch is a no-op, and so is replaying `first`: k1's delete left a
        // tombstone, so its older upserts are not applied again.
        const replay = await lake.merge('books', second!.rows);
        const late = await lake.merge('books', first!.rows);
        // Assert
        expect([a.rowsInserted, a.rowsUpdated, a.rowsDeleted]).toEqual([2, 0, 0]);
        expect([b.rowsInserted, b.rowsUpdated, b.rowsDeleted]).toEqual([0, 1, 1]);
        expect(replay.commit).toBeUndefined();
        expect(late.commit).toBeUndefined();
        expect(await lake.query('SELECT id, name FROM books')).toEqual([{ id: 'k2', name: 'd' }]);
      } finally {
        lake.close();
      }
    });
  });
});

describe('merge input errors', () => {
  it('rejects a value that does not fit its column with a RowValueError and commits nothing', async () => {
    await withTempDir(async (root) => {
      // Arrange
      const lake = await Lake.open({ root });
      await lake.createTable(books);
      const [batch] = toBatches([{ kind: 'batch', changes: [{ id: 'k1', op: 'upsert', name: 'a' }] }]) as {
        kind: 'rows';
        rows: StagingRow[];
      }[];
      const bad = { ...batch!.rows[0]!, published_at: 'not a timestamp' };
      // Act
      const run = lake.merge('books', [bad]);
      // Assert
      await expect(run).rejects.toBeInstanceOf(RowValueError);
      expect(await lake.snapshots('books')).toEqual([]);
      lake.close();
    });
  });
});
