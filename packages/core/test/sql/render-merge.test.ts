import { books } from '@ddb-athena-sync/schemas/test-support/example-tables';
import { describe, expect, test } from 'vitest';

import { athenaDialect, duckdbDialect } from '../../src/sql/dialect.js';
import { ATHENA_MAX_QUERY_BYTES, mergeSizeModel, renderMerge } from '../../src/sql/render-merge.js';
import type { MergeSqlPlan } from '../../src/sql/render-merge.js';
import { everything } from './fixtures.js';

const booksAthena: MergeSqlPlan = {
  table: books,
  target: { database: 'library', name: 'books' },
  stagingTable: { database: 'library', name: 'books_staging' },
  files: [
    's3://lake/staging/books/backfill/20240501T120000Z/000000-000000.json.gz',
    's3://lake/staging/books/2024/05/01/12/shardId-00000001-0000000000000000000000000000000000000100-0000000000000000000000000000000000000200.json.gz',
  ],
};

describe('renderMerge golden SQL', () => {
  test('books, athena', async () => {
    const sql = renderMerge(booksAthena, athenaDialect);
    await expect(sql).toMatchFileSnapshot('../fixtures/sql/books.merge.athena.sql');
  });

  test('books, duckdb', async () => {
    const sql = renderMerge(
      { ...booksAthena, files: ['/tmp/lake/staging/books/a.json.gz', '/tmp/lake/staging/books/b.json.gz'] },
      duckdbDialect,
    );
    await expect(sql).toMatchFileSnapshot('../fixtures/sql/books.merge.duckdb.sql');
  });

  test('every column type, athena and duckdb', async () => {
    const plan: MergeSqlPlan = {
      table: everything,
      target: { database: 'lake', name: 'everything' },
      stagingTable: { database: 'lake', name: 'everything_staging' },
      files: ['s3://lake/staging/everything/x.json.gz'],
    };
    await expect(renderMerge(plan, athenaDialect)).toMatchFileSnapshot(
      '../fixtures/sql/everything.merge.athena.sql',
    );
    await expect(renderMerge(plan, duckdbDialect)).toMatchFileSnapshot(
      '../fixtures/sql/everything.merge.duckdb.sql',
    );
  });
});

describe('renderMerge semantics', () => {
  test('the source is restricted to exactly the batch by "$path", with escaped literals', () => {
    // Arrange: a key with a quote (s3 keys may hold one) must stay one literal.
    const plan = { ...booksAthena, files: ["s3://lake/staging/books/it's.json.gz"] };

    // Act
    const sql = renderMerge(plan, athenaDialect);

    // Assert
    expect(sql).toContain(`WHERE "$path" IN (\n        's3://lake/staging/books/it''s.json.gz'\n      )`);
    expect(sql).toContain('row_number() OVER (PARTITION BY "id" ORDER BY "_seq" DESC) AS "_rn"');
    expect(sql).toContain(`WHEN MATCHED AND s."_seq" > t."_seq" AND s."_op" = 'delete' THEN DELETE`);
    expect(sql).toContain(`WHEN NOT MATCHED AND s."_op" <> 'delete' THEN INSERT`);
    expect(sql).toContain('CAST("_event_time" AS timestamp(6)) AS "_updated_at"');
  });

  test('casts every value that travels as text, and only those', () => {
    const sql = renderMerge(
      {
        table: everything,
        target: { name: 'everything' },
        stagingTable: { name: 'everything_staging' },
        files: ['s3://b/k'],
      },
      athenaDialect,
    );
    expect(sql).toContain('CAST("n" AS bigint) AS "n"');
    expect(sql).toContain('CAST("price" AS decimal(38, 9)) AS "price"');
    expect(sql).toContain('from_base64("raw") AS "raw"');
    expect(sql).toContain('CAST("day" AS date) AS "day"');
    expect(sql).toContain('CAST("tags" AS array(bigint)) AS "tags"');
    expect(sql).toContain('CAST("dims" AS row("w" decimal(10, 2), "label" varchar)) AS "dims"');
    expect(sql).toContain('"i" AS "i"');
    expect(sql).toContain('"doc" AS "doc"');
    expect(sql).toContain('PARTITION BY "pk", CAST("n" AS bigint)');
    expect(sql).toContain('ON t."pk" = s."pk" AND t."n" = s."n"');
  });

  test('an empty batch has no MERGE', () => {
    expect(() => renderMerge({ ...booksAthena, files: [] }, athenaDialect)).toThrow(RangeError);
  });

  test('the size model predicts the rendered length exactly', () => {
    const model = mergeSizeModel(booksAthena, athenaDialect);
    const files = Array.from(
      { length: 50 },
      (_, i) => `s3://lake/staging/books/2024/05/01/12/shard-${i}'.json.gz`,
    );
    const predicted = model.fixedBytes + files.reduce((sum, f) => sum + model.bytesPerFile(f), 0);
    expect(Buffer.byteLength(renderMerge({ ...booksAthena, files }, athenaDialect))).toBe(predicted);
    expect(model.fixedBytes).toBeLessThan(ATHENA_MAX_QUERY_BYTES);
  });
});
