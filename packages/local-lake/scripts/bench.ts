/**
 * Benchmark (prints numbers; not a test): merge 10,000 changes into `books`-shaped tables of
 * 100,000 and 1,000,000 rows partitioned by bucket(16, id), then optimize; full-scan read time
 * before and after optimize. Usage: pnpm --filter @ddb-athena-sync/local-lake bench [sizes...]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { books } from '@ddb-athena-sync/schemas/test-support/example-tables';
import type { StagingRow } from '@ddb-athena-sync/core/stream/change-row';

import { Lake } from '../src/lake.js';

const sizes = process.argv
  .slice(2)
  .map(Number)
  .filter((n) => n > 0);
const CHANGES = 10_000;

function bookRow(i: number, seq: number, name: string): StagingRow {
  return {
    id: `book-${i}`,
    name,
    author: `author ${i % 997}`,
    summary: `summary of book ${i}, a few words long`,
    published_at: '2024-05-01 12:00:00.000000',
    _op: 'upsert',
    _seq: String(seq).padStart(40, '0'),
    _event_time: '2024-05-01 12:00:00.000000',
    _source: 'stream',
  };
}

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const out = await fn();
  return [out, performance.now() - t0];
}

async function bench(rows: number): Promise<Record<string, string | number>> {
  const root = await mkdtemp(join(tmpdir(), 'lake-bench-'));
  const lake = await Lake.open({ root });
  try {
    await lake.createTable(books);
    const [, loadMs] = await timed(() =>
      lake.append(
        'books',
        Array.from({ length: rows }, (_, i) => {
          const { _op, _event_time, _source, ...rest } = bookRow(i, 1, `name ${i}`);
          void _op;
          void _source;
          return { ...rest, _updated_at: _event_time };
        }),
      ),
    );
    // 10,000 changes: 70% updates of existing keys, 20% new keys, 10% deletes, spread over all buckets.
    const changes: StagingRow[] = Array.from({ length: CHANGES }, (_, j) => {
      const kind = j % 10;
      const i = kind < 7 || kind === 9 ? Math.floor((j * 7919) % rows) : rows + j;
      const row = bookRow(i, 2 + j, `changed ${j}`);
      return kind === 9 ? { ...row, _op: 'delete' } : row;
    });
    const scan = 'SELECT count(*) AS n, sum(length(name)) AS chars FROM books';
    const [merge, mergeMs] = await timed(() => lake.merge('books', changes));
    const [before, scanBeforeMs] = await timed(() => lake.query(scan));
    const [, optimizeMs] = await timed(() => lake.optimize('books'));
    const [after, scanAfterMs] = await timed(() => lake.query(scan));
    if (JSON.stringify(before) !== JSON.stringify(after))
      throw new Error(`optimize changed the rows: ${JSON.stringify(before)} vs ${JSON.stringify(after)}`);
    return {
      rows,
      loadMs: Math.round(loadMs),
      mergeMs: Math.round(mergeMs),
      inserted: merge.rowsInserted,
      updated: merge.rowsUpdated,
      deleted: merge.rowsDeleted,
      scanBeforeOptimizeMs: Math.round(scanBeforeMs),
      optimizeMs: Math.round(optimizeMs),
      scanAfterOptimizeMs: Math.round(scanAfterMs),
      rowsAfter: String((after[0] as { n: unknown }).n),
    };
  } finally {
    lake.close();
    await rm(root, { recursive: true, force: true });
  }
}

const results = [];
for (const n of sizes.length > 0 ? sizes : [100_000, 1_000_000]) {
  const r = await bench(n);
  results.push(r);
  console.log(JSON.stringify(r));
}
if (results.length >= 2) {
  const ratio = Number(results.at(-1)!.mergeMs) / Number(results[0]!.mergeMs);
  console.log(`merge time ratio ${results.at(-1)!.rows} / ${results[0]!.rows} rows: ${ratio.toFixed(2)}`);
}
console.log(`node ${process.version}, ${(await import('node:os')).cpus().length} cpus`);
