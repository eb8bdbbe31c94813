import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { DuckDBInstance } from '@duckdb/node-api';
import type { DuckDBConnection } from '@duckdb/node-api';
import { books } from '@ddb-athena-sync/schemas/test-support/example-tables';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

import { encodeStagingObject } from '../../src/staging/staging-object.js';
import type { StagingRow } from '../../src/stream/change-row.js';
import { duckdbDialect } from '../../src/sql/dialect.js';
import { renderMerge } from '../../src/sql/render-merge.js';
import {
  renderCreate,
  renderOptimize,
  renderStaging,
  renderVacuum,
} from '../../src/sql/render-statements.js';
import type { TableTarget } from '../../src/sql/render-statements.js';
import { everything } from './fixtures.js';

// Every DuckDB statement the renderer produces runs here for real, on staged gzip NDJSON files.
const dir = mkdtempSync(join(tmpdir(), 'duckdb-sql-'));
const target: TableTarget = {
  database: 'lake',
  tableLocation: 's3://unused/t/',
  stagingLocation: 's3://unused/s/',
};
let db: DuckDBConnection;
let fileCounter = 0;

beforeAll(async () => {
  db = await (await DuckDBInstance.create(':memory:')).connect();
});
afterAll(() => {
  db.closeSync();
});

function stage(rows: StagingRow[]): string {
  const path = join(dir, `f${fileCounter++}.json.gz`);
  writeFileSync(path, encodeStagingObject(rows));
  return path;
}

const seq = (n: number): string => String(n).padStart(40, '0');
const book = (
  id: string,
  n: number,
  op: 'upsert' | 'delete',
  name: string | null = `name-${n}`,
): StagingRow => ({
  id,
  name: op === 'delete' ? null : name,
  author: op === 'delete' ? null : "O'Brien",
  summary: null,
  published_at: op === 'delete' ? null : '2024-05-01 12:00:00.123456',
  _op: op,
  _seq: seq(n),
  _event_time: `2024-05-01 12:00:${String(n % 60).padStart(2, '0')}.000000`,
  _source: 'stream',
});

async function run(sql: string): Promise<void> {
  await db.run(sql);
}

async function rows(sql: string): Promise<Record<string, unknown>[]> {
  const reader = await db.runAndReadAll(sql);
  return reader.getRowObjectsJson();
}

describe('DuckDB statements run for real', () => {
  test('create, staging view, merge, optimize and vacuum of books', async () => {
    // Arrange
    for (const sql of renderCreate(books, duckdbDialect, target)) await run(sql);
    const f1 = stage([
      book('a', 1, 'upsert'),
      book('a', 3, 'upsert'),
      book('b', 2, 'upsert'),
      book('c', 4, 'delete'),
    ]);
    const f2 = stage([book('b', 5, 'delete'), book('a', 2, 'upsert', 'stale')]);

    // Act
    for (const sql of renderStaging(books, duckdbDialect, target, [f1, f2])) await run(sql);
    const staged = await rows('SELECT count(*) AS n FROM "lake"."books_staging"');
    const merge = renderMerge(
      {
        table: books,
        target: { database: 'lake', name: 'books' },
        stagingTable: { name: 'books_staging' },
        files: [f1, f2],
      },
      duckdbDialect,
    );
    await run(merge);
    await run(merge); // replaying a batch is a no-op
    await run(renderOptimize(books, duckdbDialect, target));
    await run(renderVacuum(books, duckdbDialect, target));

    // Assert
    expect(staged).toEqual([{ n: '6' }]);
    expect(
      await rows(
        'SELECT id, name, author, _seq, CAST(_updated_at AS VARCHAR) AS u, CAST(published_at AS VARCHAR) AS p FROM lake.books ORDER BY id',
      ),
    ).toEqual([
      {
        id: 'a',
        name: 'name-3',
        author: "O'Brien",
        _seq: seq(3),
        u: '2024-05-01 12:00:03',
        p: '2024-05-01 12:00:00.123456',
      },
    ]);
  });

  test('every column type casts from its staging encoding', async () => {
    for (const sql of renderCreate(everything, duckdbDialect, target)) await run(sql);
    const row: StagingRow = {
      pk: 'k',
      n: '9007199254740993',
      i: 7,
      d: 1.5,
      f: 0.25,
      ok: true,
      raw: Buffer.from([0, 255]).toString('base64'),
      price: '12345678901234567890123456789.123456789',
      at: '2024-05-01 12:00:00.000001',
      day: '2024-05-01',
      doc: '{"a":1}',
      tags: ['1', '9007199254740993'],
      dims: { w: '1.50', label: 'x' },
      _extra: '{"z":true}',
      _op: 'upsert',
      _seq: seq(1),
      _event_time: '2024-05-01 12:00:00.000000',
      _source: 'backfill',
    };
    const file = stage([row]);
    await run(
      renderMerge(
        {
          table: everything,
          target: { database: 'lake', name: 'everything' },
          stagingTable: { name: 'x' },
          files: [file],
        },
        duckdbDialect,
      ),
    );
    expect(
      await rows(
        'SELECT CAST(n AS VARCHAR) AS n, CAST(price AS VARCHAR) AS price, hex(raw) AS raw, CAST("at" AS VARCHAR) AS "at", CAST("day" AS VARCHAR) AS "day", CAST(tags AS VARCHAR) AS tags, CAST(dims.w AS VARCHAR) AS w FROM lake.everything',
      ),
    ).toEqual([
      {
        n: '9007199254740993',
        price: '12345678901234567890123456789.123456789',
        raw: '00FF',
        at: '2024-05-01 12:00:00.000001',
        day: '2024-05-01',
        tags: '[1, 9007199254740993]',
        w: '1.50',
      },
    ]);
  });

  test('batches merged in order equal the last change per key (property)', async () => {
    // Oracle: per key, the change with the highest _seq wins; a delete removes the row.
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.array(
            fc.record({
              id: fc.constantFrom('a', 'b', 'c', 'd'),
              op: fc.constantFrom('upsert' as const, 'delete' as const),
            }),
            { minLength: 1, maxLength: 6 },
          ),
          { minLength: 1, maxLength: 4 },
        ),
        async (batches) => {
          await run('DROP TABLE IF EXISTS lake.books');
          for (const sql of renderCreate(books, duckdbDialect, target)) await run(sql);
          const oracle = new Map<string, string>();
          let n = 0;
          for (const batch of batches) {
            const changes = batch.map((c) => book(c.id, ++n, c.op));
            for (const c of changes) {
              if (c._op === 'delete') oracle.delete(c.id as string);
              else oracle.set(c.id as string, c.name as string);
            }
            // Shuffle rows within the batch's objects: order inside a batch must not matter.
            const file = stage([...changes].reverse());
            await run(
              renderMerge(
                {
                  table: books,
                  target: { database: 'lake', name: 'books' },
                  stagingTable: { name: 'x' },
                  files: [file],
                },
                duckdbDialect,
              ),
            );
          }
          const actual = await rows('SELECT id, name FROM lake.books ORDER BY id');
          expect(actual).toEqual(
            [...oracle.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([id, name]) => ({ id, name })),
          );
        },
      ),
      { numRuns: 30 },
    );
  });
});
