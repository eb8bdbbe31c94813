import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { DuckDBInstance } from '@duckdb/node-api';
import type { DuckDBConnection } from '@duckdb/node-api';
import { parseDeclaration } from '@ddb-athena-sync/schemas/declaration';
import { ordersInput } from '@ddb-athena-sync/schemas/test-support/example-tables';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

import { encodeStagingObject } from '../../src/staging/staging-object.js';
import type { StagingRow } from '../../src/stream/change-row.js';
import { athenaDialect, duckdbDialect } from '../../src/sql/dialect.js';
import { maxRestrictionBytes } from '../../src/sql/partition-bounds.js';
import { appendSizeModel, renderAppend } from '../../src/sql/render-append.js';
import type { AppendSqlPlan } from '../../src/sql/render-append.js';
import { renderCreate } from '../../src/sql/render-statements.js';

const { firehose: _firehose, ...ordersRest } = ordersInput;
const orders = parseDeclaration({ ...ordersRest, mode: 'append' });

const ordersAthena: AppendSqlPlan = {
  table: orders,
  target: { database: 'shop', name: 'orders' },
  stagingTable: { database: 'shop', name: 'orders_staging' },
  files: ['s3://lake/staging/orders/2026/12/01/10/abc-1-2.json.gz', "s3://lake/staging/orders/it's.json.gz"],
};

describe('renderAppend', () => {
  test('golden SQL, athena and duckdb', async () => {
    await expect(renderAppend(ordersAthena, athenaDialect)).toMatchFileSnapshot(
      '../fixtures/sql/orders.append.athena.sql',
    );
    await expect(
      renderAppend({ ...ordersAthena, files: ['/tmp/a.json.gz'] }, duckdbDialect),
    ).toMatchFileSnapshot('../fixtures/sql/orders.append.duckdb.sql');
  });

  test('inserts only, keeps the first insert per key, restricted to the batch and to the partitions given', () => {
    // Act
    const sql = renderAppend(
      {
        ...ordersAthena,
        bounds: { created_at: { min: '2026-12-01 10:00:00.000000', max: '2026-12-02 09:30:00.000000' } },
      },
      athenaDialect,
    );

    // Assert
    expect(sql).toContain(`"$path" IN (\n        's3://lake/staging/orders/2026/12/01/10/abc-1-2.json.gz'`);
    expect(sql).toContain(`'s3://lake/staging/orders/it''s.json.gz'`);
    expect(sql).toContain('row_number() OVER (PARTITION BY "id" ORDER BY "_seq" ASC) AS "_rn"');
    expect(sql).toContain(`WHERE r."_op" <> 'delete'`);
    // Every column of an append table is immutable: the day partitions of created_at restrict it.
    expect(sql).toContain(
      `ON t."id" = s."id" AND "t"."created_at" >= TIMESTAMP '2026-12-01 00:00:00.000000' AND "t"."created_at" < TIMESTAMP '2026-12-03 00:00:00.000000'`,
    );
    expect(sql).toContain('WHEN NOT MATCHED THEN INSERT');
    expect(sql).not.toContain('WHEN MATCHED');
    expect(sql).not.toContain('tombstones');
  });

  test('an empty batch renders nothing, and the size model bounds the statement', () => {
    expect(() => renderAppend({ ...ordersAthena, files: [] }, athenaDialect)).toThrow(RangeError);
    const size = appendSizeModel(ordersAthena, athenaDialect);
    const files = ['s3://lake/a', 's3://lake/b', "s3://lake/c'd"];
    const modelled = size.fixedBytes + files.reduce((n, f) => n + size.bytesPerFile(f), 0);
    // Exact for the unrestricted statement plus the longest restriction (the planner runs before
    // the bounds are read), and never below a restricted one.
    expect(modelled).toBe(
      Buffer.byteLength(renderAppend({ ...ordersAthena, files }, athenaDialect)) +
        maxRestrictionBytes(orders, athenaDialect),
    );
    const bounded = renderAppend(
      {
        ...ordersAthena,
        files,
        bounds: { created_at: { min: '2026-12-01 10:00:00.000000', max: '2026-12-02 09:30:00.000000' } },
      },
      athenaDialect,
    );
    expect(Buffer.byteLength(bounded)).toBeLessThanOrEqual(modelled);
  });
});

// The rendered DuckDB statement runs for real on staged gzip NDJSON files.
describe('renderAppend on DuckDB: replays and duplicates never duplicate a row', () => {
  const dir = mkdtempSync(join(tmpdir(), 'append-sql-'));
  let db: DuckDBConnection;
  let counter = 0;
  beforeAll(async () => {
    db = await (await DuckDBInstance.create(':memory:')).connect();
  });
  afterAll(() => db.closeSync());

  const order = (id: string, n: number, status = `s${n}`): StagingRow => ({
    id,
    customer_id: 'c',
    created_at: `2026-12-0${1 + (id.charCodeAt(0) % 3)} 10:00:00.000000`,
    total: '12.50',
    currency: 'EUR',
    status,
    line_items: [{ sku: 'x', quantity: 1, unit_price: '12.50' }],
    _extra: null,
    _op: 'upsert',
    _seq: String(n).padStart(40, '0'),
    _event_time: '2026-12-01 10:00:00.000000',
    _source: 'stream',
  });
  const stage = (rows: StagingRow[]): string => {
    const path = join(dir, `f${counter++}.json.gz`);
    writeFileSync(path, encodeStagingObject(rows));
    return path;
  };
  const append = (files: string[]): string =>
    renderAppend(
      { table: orders, target: { database: 'lake', name: 'orders' }, stagingTable: { name: 'x' }, files },
      duckdbDialect,
    );
  const target = { database: 'lake', tableLocation: '', stagingLocation: '' };

  test('every key once, with its first staged insert, whatever is replayed or duplicated (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        // Batches of inserts (keys may repeat inside and across batches: a bisected batch retried,
        // a re-delivered record, a key inserted again after a dropped REMOVE) ...
        fc.array(fc.array(fc.constantFrom('a', 'b', 'c', 'd', 'e'), { minLength: 1, maxLength: 6 }), {
          minLength: 1,
          maxLength: 4,
        }),
        // ... and a schedule of runs: each run appends a batch chosen by index, replays included.
        fc.array(fc.nat(), { minLength: 1, maxLength: 8 }),
        async (batches, schedule) => {
          await db.run('DROP TABLE IF EXISTS lake.orders');
          for (const sql of renderCreate(orders, duckdbDialect, target)) await db.run(sql);
          let n = 0;
          const staged = batches.map((keys) => keys.map((id) => order(id, ++n)));
          const files = staged.map((rows) => stage(rows));
          // Oracle: the first staged insert of each key among the batches appended so far.
          const oracle = new Map<string, string>();
          for (const pick of [...schedule, ...batches.keys()]) {
            const i = pick % batches.length;
            await db.run(append([files[i]!]));
            const firstInBatch = new Map<string, StagingRow>();
            for (const r of staged[i]!)
              if (!firstInBatch.has(r.id as string)) firstInBatch.set(r.id as string, r);
            for (const [id, r] of firstInBatch) if (!oracle.has(id)) oracle.set(id, r.status as string);
            const rows = (
              await db.runAndReadAll('SELECT id, status FROM lake.orders ORDER BY id')
            ).getRowObjectsJson();
            expect(rows).toEqual(
              [...oracle].sort(([x], [y]) => (x < y ? -1 : 1)).map(([id, status]) => ({ id, status })),
            );
          }
        },
      ),
      { numRuns: 40 },
    );
  });
});
