import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { icebergRead } from 'icebird';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { parseDeclaration } from '@ddb-athena-sync/schemas/declaration';
import { orders } from '@ddb-athena-sync/schemas/test-support/example-tables';
import type { StagingRow } from '@ddb-athena-sync/core/stream/change-row';

import { Lake } from '../src/lake.js';
import { installFileFetch } from './support/file-fetch.js';
import { withTempDir } from './support/temp-dir.js';
import { violationsOf } from './support/validate-table.js';

const order = (id: string, seq: number, total: string, op: 'upsert' | 'delete' = 'upsert'): StagingRow => ({
  id,
  customer_id: 'c-1',
  created_at: '2024-05-01 23:59:59.999999',
  total,
  currency: 'EUR',
  status: 'paid',
  line_items: [
    { sku: 'sku-1', quantity: 2, unit_price: '12.30' },
    { sku: 'sku-2', quantity: 1, unit_price: '99999999.99' },
  ],
  _extra: '{"gift":true,"note":"ünïcode"}',
  _op: op,
  _seq: String(seq).padStart(40, '0'),
  _event_time: '2024-05-02 00:00:00.000001',
  _source: 'stream',
});

describe('column types', () => {
  let restore: () => void;
  beforeAll(() => {
    restore = installFileFetch();
  });
  afterAll(() => restore());

  it('stores decimals, timestamps, nested lists of structs and json exactly, partitioned by day', async () => {
    await withTempDir(async (root) => {
      // Arrange
      const lake = await Lake.open({ root });
      await lake.createTable(orders);
      // Act
      await lake.merge('orders', [order('o1', 1, '1234567890.12'), order('o2', 2, '-0.01')]);
      await lake.merge('orders', [order('o1', 3, '0.10'), order('o2', 4, '0', 'delete')]);
      // Assert
      expect(await lake.query('SELECT id, total, created_at, line_items, _extra, _seq FROM orders')).toEqual([
        {
          id: 'o1',
          total: '0.10',
          created_at: '2024-05-01 23:59:59.999999',
          line_items: [
            { sku: 'sku-1', quantity: 2, unit_price: '12.30' },
            { sku: 'sku-2', quantity: 1, unit_price: '99999999.99' },
          ],
          _extra: '{"gift":true,"note":"ünïcode"}',
          _seq: '0000000000000000000000000000000000000003',
        },
      ]);
      const files = await lake.files('orders');
      // day(created_at): 2024-05-01 is day 19844 since 1970-01-01.
      expect(files.data.map((e) => e.file.partition)).toEqual([
        { created_at_day: 19844 },
        { created_at_day: 19844 },
      ]);
      const theirs = await icebergRead({ tableUrl: `file://${join(root, 'default', 'orders')}` });
      expect(theirs).toHaveLength(1);
      expect(theirs[0]).toMatchObject({ id: 'o1', total: 0.1, _extra: '{"gift":true,"note":"ünïcode"}' });
      expect(await violationsOf(root, 'orders')).toEqual([]);
      const metadata = await readFile(
        join(root, 'default', 'orders', 'metadata', 'v3.metadata.json'),
        'utf8',
      );
      expect(metadata).toContain('"type": "decimal(12, 2)"');
      expect(metadata).toContain('"element-id"');
      lake.close();
    });
  });

  it('writes every scalar type a declaration can have and reads it back', async () => {
    await withTempDir(async (root) => {
      // Arrange
      const declaration = parseDeclaration({
        name: 'scalars',
        dynamodb: { tableName: 'scalars', partitionKey: 'pk', sortKey: 'sk' },
        columns: [
          { name: 'pk', type: 'bigint' },
          { name: 'sk', type: 'string' },
          { name: 'i', type: 'int' },
          { name: 'd', type: 'double' },
          { name: 'f', type: 'float' },
          { name: 'b', type: 'boolean' },
          { name: 'bin', type: 'binary' },
          { name: 'day', type: 'date', conversion: 'iso8601' },
          { name: 'tags', type: 'array<string>' },
        ],
        mode: 'merge',
        partitioning: ['bucket(4, pk)', 'truncate(2, sk)'],
      });
      const lake = await Lake.open({ root });
      await lake.createTable(declaration);
      const base = {
        i: 7,
        d: 0.1,
        f: 1.5,
        b: true,
        bin: Buffer.from([0, 255, 1]).toString('base64'),
        day: '1969-12-31',
        tags: ['x', 'y'],
        _op: 'upsert' as const,
        _event_time: '2024-01-01 00:00:00.000000',
        _source: 'stream' as const,
      };
      // Act
      await lake.merge('scalars', [
        { pk: '9223372036854775807', sk: 'abc', ...base, _seq: '1'.padStart(40, '0') },
        { pk: '9223372036854775807', sk: 'abd', ...base, _seq: '2'.padStart(40, '0') },
        { pk: '-5', sk: 'abc', ...base, _seq: '3'.padStart(40, '0') },
      ]);
      await lake.merge('scalars', [
        { pk: '9223372036854775807', sk: 'abc', ...base, i: 8, _seq: '4'.padStart(40, '0') },
      ]);
      // Assert
      expect(
        await lake.query(
          `SELECT pk, sk, i, d, f, b, to_base64(bin) AS bin, day, tags FROM scalars ORDER BY pk, sk`,
        ),
      ).toEqual([
        {
          pk: '-5',
          sk: 'abc',
          i: 7,
          d: 0.1,
          f: 1.5,
          b: true,
          bin: base.bin,
          day: '1969-12-31',
          tags: ['x', 'y'],
        },
        {
          pk: '9223372036854775807',
          sk: 'abc',
          i: 8,
          d: 0.1,
          f: 1.5,
          b: true,
          bin: base.bin,
          day: '1969-12-31',
          tags: ['x', 'y'],
        },
        {
          pk: '9223372036854775807',
          sk: 'abd',
          i: 7,
          d: 0.1,
          f: 1.5,
          b: true,
          bin: base.bin,
          day: '1969-12-31',
          tags: ['x', 'y'],
        },
      ]);
      const partitions = (await lake.files('scalars')).data.map((e) => e.file.partition);
      for (const p of partitions) expect(p.sk_trunc).toBe('ab');
      expect(await violationsOf(root, 'scalars')).toEqual([]);
      lake.close();
    });
  });
});
