import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { DuckDBInstance } from '@duckdb/node-api';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { books } from '@ddb-athena-sync/schemas/tables';
import type { StagingRow } from '@ddb-athena-sync/core/stream/change-row';

import { RowValueError } from '../src/errors.js';
import { Lake } from '../src/lake.js';
import { PROPERTY_RUNS, stepsArbitrary, toBatches } from './support/changes.js';
import { withTempDir } from './support/temp-dir.js';
import type { DuckDBConnection } from '@duckdb/node-api';

/**
 * The oracle: a plain DuckDB table changed by the MERGE statement of DESIGN.md (dedup per key by
 * `_seq`, sequence-guarded delete/update, insert when not matched and not a delete).
 */
const ORACLE_DDL = `CREATE TABLE oracle (id VARCHAR, name VARCHAR, author VARCHAR, summary VARCHAR, published_at TIMESTAMP, _seq VARCHAR, _updated_at TIMESTAMP)`;

async function oracleMerge(db: DuckDBConnection, dir: string, rows: readonly StagingRow[]): Promise<void> {
  const file = join(dir, `batch-${Math.random().toString(36).slice(2)}.ndjson`);
  await writeFile(file, rows.map((r) => JSON.stringify(r)).join('\n'));
  await db.run(`
    MERGE INTO oracle AS t
    USING (
      SELECT * FROM (
        SELECT *, row_number() OVER (PARTITION BY id ORDER BY _seq DESC) AS rn
        FROM read_json('${file}', format = 'newline_delimited', columns = {id: 'VARCHAR', name: 'VARCHAR', author: 'VARCHAR', summary: 'VARCHAR', published_at: 'TIMESTAMP', _op: 'VARCHAR', _seq: 'VARCHAR', _event_time: 'TIMESTAMP', _source: 'VARCHAR'})
      ) WHERE rn = 1
    ) AS s
    ON t.id = s.id
    WHEN MATCHED AND s._seq > t._seq AND s._op = 'delete' THEN DELETE
    WHEN MATCHED AND s._seq > t._seq THEN UPDATE SET name = s.name, author = s.author, summary = s.summary, published_at = s.published_at, _seq = s._seq, _updated_at = s._event_time
    WHEN NOT MATCHED AND s._op <> 'delete' THEN INSERT (id, name, author, summary, published_at, _seq, _updated_at) VALUES (s.id, s.name, s.author, s.summary, s.published_at, s._seq, s._event_time)`);
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
          await db.run(ORACLE_DDL);
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
        // Replaying the latest batch is a no-op. (Replaying `first` would re-insert k1: a delete
        // leaves no tombstone under DESIGN.md's MERGE, for Athena as here; the journal prevents that.)
        const replay = await lake.merge('books', second!.rows);
        // Assert
        expect([a.rowsInserted, a.rowsUpdated, a.rowsDeleted]).toEqual([2, 0, 0]);
        expect([b.rowsInserted, b.rowsUpdated, b.rowsDeleted]).toEqual([0, 1, 1]);
        expect(replay.commit).toBeUndefined();
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
