import { books } from '@ddb-athena-sync/schemas/test-support/example-tables';
import { describe, expect, test } from 'vitest';

import type { StagedObject } from '../../src/merge/engine.js';
import { planBatch } from '../../src/merge/merge-plan.js';
import { athenaDialect } from '../../src/sql/dialect.js';
import { ATHENA_MAX_QUERY_BYTES, mergeSizeModel, renderMerge } from '../../src/sql/render-merge.js';

const base = {
  table: books,
  target: { database: 'library', name: 'books' },
  stagingTable: { database: 'library', name: 'books_staging' },
};
const size = mergeSizeModel(base, athenaDialect);
const uri = (key: string): string => `s3://lake/${key}`;
const obj = (
  key: string,
  second: number,
  source: 'stream' | 'backfill' = 'stream',
  bytes = 100,
): StagedObject => ({
  key,
  size: bytes,
  lastModified: new Date(Date.UTC(2024, 4, 1, 12, 0, second)),
  source,
});
const unlimited = { maxFiles: 10_000, maxBytes: 1e12, maxQueryBytes: ATHENA_MAX_QUERY_BYTES };

describe('planBatch', () => {
  test('backfill objects come strictly before stream objects, then oldest first', () => {
    const plan = planBatch(
      [obj('s/b', 2), obj('s/a', 5), obj('b/2', 9, 'backfill'), obj('b/1', 9, 'backfill')],
      unlimited,
      size,
      uri,
    );
    expect(plan.objects.map((o) => o.key)).toEqual(['b/1', 'b/2', 's/b', 's/a']);
  });

  test('capped by file count and bytes', () => {
    const listing = [obj('a', 1), obj('b', 2), obj('c', 3)];
    expect(planBatch(listing, { ...unlimited, maxFiles: 2 }, size, uri)).toMatchObject({
      remaining: 1,
      cutBy: 'files',
    });
    expect(planBatch(listing, { ...unlimited, maxBytes: 250 }, size, uri)).toMatchObject({
      remaining: 1,
      cutBy: 'bytes',
    });
  });

  test('the cut never splits objects with the same LastModified second', () => {
    const plan = planBatch(
      [obj('a', 1), obj('b', 2), obj('c', 2), obj('d', 3)],
      { ...unlimited, maxFiles: 2 },
      size,
      uri,
    );
    expect(plan.objects.map((o) => o.key)).toEqual(['a']);
  });

  test('the MERGE of a planned batch stays within 262,144 bytes, and one more file would not', () => {
    const listing = Array.from({ length: 5000 }, (_, i) =>
      obj(
        `staging/books/2024/05/01/12/shardId-${String(i).padStart(6, '0')}-${'1'.repeat(40)}-${'2'.repeat(40)}.json.gz`,
        i,
      ),
    );
    const plan = planBatch(listing, unlimited, size, uri);
    const sql = renderMerge({ ...base, files: plan.objects.map((o) => uri(o.key)) }, athenaDialect);
    const oneMore = renderMerge(
      { ...base, files: listing.slice(0, plan.objects.length + 1).map((o) => uri(o.key)) },
      athenaDialect,
    );
    expect(plan.cutBy).toBe('query');
    expect(Buffer.byteLength(sql)).toBeLessThanOrEqual(ATHENA_MAX_QUERY_BYTES);
    expect(Buffer.byteLength(oneMore)).toBeGreaterThan(ATHENA_MAX_QUERY_BYTES);
  });
});
