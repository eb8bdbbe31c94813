import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import type { StagingRow } from '@ddb-athena-sync/core/stream/change-row';
import { InvalidIdentifierError } from '@ddb-athena-sync/schemas/errors';
import { books } from '@ddb-athena-sync/schemas/test-support/example-tables';
import { hostileText as anyHostileText } from '@ddb-athena-sync/schemas/test-support/hostile-text';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { Lake } from '../src/lake.js';
import { withTempDir } from './support/temp-dir.js';

// The lake renders DuckDB SQL from table metadata (column names), file paths (the lake root, data
// files added by other tools) and staged rows. Identifiers reach SQL only through the identifier
// check (core's DuckDB dialect, i.e. @ddb-athena-sync/schemas/sql-safety's assertIdentifier), paths
// only through sqlStringLiteral, row values never (they travel as NDJSON files read by read_json).
// These tests feed hostile text through every entry point and check it is rejected or kept intact.

/** The shared hostile text, without NUL (a file name cannot hold one; these cases never had it). */
const hostileText = anyHostileText.filter((s) => !s.includes('\u0000'));
/** A path segment: anything a file name may hold except `/` and NUL. */
const hostileSegment = hostileText.map((s) => s.replaceAll('/', '_')).filter((s) => s !== '.' && s !== '..');

let seq = 0;
function row(id: string, name: string | null, op: 'upsert' | 'delete' = 'upsert'): StagingRow {
  seq += 1;
  return {
    id,
    name: op === 'delete' ? null : name,
    author: op === 'delete' ? null : name,
    summary: null,
    published_at: op === 'delete' ? null : '2024-05-01 12:00:00.000000',
    _op: op,
    _seq: String(seq).padStart(40, '0'),
    _event_time: '2024-05-01 12:00:00.000000',
    _source: 'stream',
  };
}

describe('local lake SQL: hostile values, paths and identifiers', () => {
  it('row values with quotes, comments and separators come back exactly, in keys and data columns', async () => {
    await withTempDir(async (root) => {
      const lake = await Lake.open({ root });
      try {
        await lake.createTable(books);
        await fc.assert(
          fc.asyncProperty(fc.uniqueArray(hostileText, { minLength: 1, maxLength: 4 }), async (values) => {
            // Arrange: upsert every value as key and name, then delete the first.
            const upserts = values.map((v) => row(v, v));

            // Act
            await lake.merge('books', upserts);
            await lake.merge('books', [row(values[0]!, null, 'delete')]);
            const rows = await lake.query('SELECT id, name, author FROM books');

            // Assert
            const expected = values.slice(1).map((v) => ({ id: v, name: v, author: v }));
            for (const e of expected) expect(rows).toContainEqual(e);
            expect(rows.some((r) => r.id === values[0])).toBe(false);
          }),
          { numRuns: 25 },
        );
        // The table is still there and still a table of books: nothing was dropped or rewritten.
        expect(await lake.query('SELECT count(*) > 0 AS any FROM books')).toEqual([{ any: true }]);
      } finally {
        lake.close();
      }
    });
  });

  it('a lake root whose path holds quotes and separators works for every operation', async () => {
    await fc.assert(
      fc.asyncProperty(hostileSegment, async (segment) => {
        await withTempDir(async (dir) => {
          // Arrange
          const root = join(dir, segment, 'lake');
          await mkdir(root, { recursive: true });
          const lake = await Lake.open({ root });
          try {
            // Act: create, append, merge (position deletes), optimize, expire, read.
            await lake.createTable(books);
            await lake.append('books', [{ ...row('a', 'first'), _updated_at: '2024-05-01 12:00:00' }]);
            await lake.merge('books', [row('a', 'second'), row('b', 'third')]);
            await lake.optimize('books');
            await lake.expireSnapshots('books', { olderThan: new Date(Date.now() + 60_000), keepLast: 1 });
            await lake.removeOrphanFiles('books', { olderThan: new Date(Date.now() + 60_000) });

            // Assert
            expect(await lake.query('SELECT id, name FROM books ORDER BY id')).toEqual([
              { id: 'a', name: 'second' },
              { id: 'b', name: 'third' },
            ]);
          } finally {
            lake.close();
          }
        });
      }),
      { numRuns: 8 },
    );
  });

  it('a data file added by another tool under a hostile file name is read as one literal', async () => {
    await withTempDir(async (root) => {
      // Arrange: a real Parquet file at a path full of quotes, written by the lake's own DuckDB.
      const lake = await Lake.open({ root });
      try {
        await lake.createTable(books);
        await lake.append('books', [{ ...row('a', 'from the lake'), _updated_at: '2024-05-01 12:00:00' }]);
        const [own] = (await lake.files('books')).data;
        const hostile = join(root, `x'; DROP TABLE books; --"\n.parquet`);
        await writeFile(hostile, await readFile(new URL(own!.file.path)));

        // Act
        await lake.addFiles('books', [{ ...own!.file, path: `file://${hostile}` }]);
        const rows = await lake.query('SELECT id, name FROM books');

        // Assert: both files read, the hostile name never left its literal.
        expect(rows).toEqual([
          { id: 'a', name: 'from the lake' },
          { id: 'a', name: 'from the lake' },
        ]);
      } finally {
        lake.close();
      }
    });
  });

  it('rejects hostile namespaces and hostile column names in table metadata', async () => {
    await fc.assert(
      fc.asyncProperty(
        hostileText.filter((s) => !/^[a-z_][a-z0-9_]*$/.test(s)),
        async (name) => {
          await withTempDir(async (root) => {
            const lake = await Lake.open({ root });
            try {
              // Arrange: a namespace, and a column renamed by a foreign writer's metadata commit.
              await expect(lake.createTable(books, { namespace: name })).rejects.toThrow(
                InvalidIdentifierError,
              );
              const base = await lake.createTable(books);
              const schema = base.metadata.schemas[0]!;
              const tampered = {
                ...base.metadata,
                schemas: [
                  {
                    ...schema,
                    fields: schema.fields.map((f) => (f.name === 'name' ? { ...f, name } : f)),
                  },
                ],
              };
              expect((await lake.catalog.commit(base, tampered))?.version).toBe(2);

              // Act / Assert: every SQL path that names columns refuses.
              await expect(lake.scanSql('books')).rejects.toThrow(InvalidIdentifierError);
              await expect(lake.query('SELECT 1')).rejects.toThrow(InvalidIdentifierError);
              await expect(lake.merge('books', [row('a', 'x')])).rejects.toThrow(InvalidIdentifierError);
              await expect(
                lake.append('books', [{ ...row('a', 'x'), _updated_at: '2024-05-01 12:00:00' }]),
              ).rejects.toThrow(InvalidIdentifierError);
            } finally {
              lake.close();
            }
          });
        },
      ),
      { numRuns: 15 },
    );
  });
});
