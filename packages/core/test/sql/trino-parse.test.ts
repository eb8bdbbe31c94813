import { parseDeclaration } from '@ddb-athena-sync/schemas/declaration';
import type { TableDeclarationInput } from '@ddb-athena-sync/schemas/declaration';
import { books } from '@ddb-athena-sync/schemas/test-support/example-tables';
import { TrinoSQL } from 'dt-sql-parser';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';

import { athenaDialect } from '../../src/sql/dialect.js';
import { renderMerge } from '../../src/sql/render-merge.js';
import {
  renderTombstoneExpiry,
  renderTombstoneMerge,
  tombstoneTableName,
} from '../../src/sql/render-tombstones.js';
import { everything } from './fixtures.js';

// A real Trino grammar (dt-sql-parser's ANTLR TrinoSQL), not a regex: every MERGE the Athena dialect
// can produce must parse.
const trino = new TrinoSQL();

const identifier = fc.stringMatching(/^[a-z_][a-z0-9_]{0,20}$/);
const scalar = fc.constantFrom(
  'string',
  'bigint',
  'int',
  'double',
  'float',
  'boolean',
  'binary',
  'decimal(12,2)',
  'decimal(38,0)',
  'date',
  'json',
);
const nested = fc.constantFrom(
  'array<string>',
  'array<bigint>',
  'struct<a:int,b:decimal(5,1)>',
  'array<struct<sku:string,qty:int>>',
);
const keyType = fc.constantFrom('string', 'bigint', 'decimal(20,0)', 'binary');

// Column names never start with "_" (reserved for the pipeline's own columns).
const columnName = fc.stringMatching(/^[a-z][a-z0-9_]{0,20}$/);

const declaration = fc
  .record({
    name: identifier,
    keys: fc.uniqueArray(columnName, { minLength: 1, maxLength: 2 }),
    keyTypes: fc.tuple(keyType, keyType),
    data: fc.uniqueArray(fc.tuple(columnName, fc.oneof(scalar, nested, fc.constant('timestamp'))), {
      maxLength: 8,
      selector: ([n]) => n,
    }),
    extra: fc.boolean(),
  })
  .map(({ name, keys, keyTypes, data, extra }) => {
    const [partitionKey, sortKey] = keys;
    const columns = [
      ...keys.map((k, i) => ({ name: k, type: keyTypes[i]! })),
      ...data
        .filter(([n]) => !keys.includes(n))
        .map(([n, type]) =>
          type === 'timestamp' ? { name: n, type, conversion: 'epoch-seconds' as const } : { name: n, type },
        ),
    ];
    const input: TableDeclarationInput = {
      name,
      dynamodb: {
        tableName: `t_${name}`,
        partitionKey: partitionKey!,
        ...(sortKey === undefined ? {} : { sortKey }),
      },
      columns,
      mode: 'merge',
      unknownAttributes: extra ? 'extra-json-column' : 'ignore',
    };
    return parseDeclaration(input);
  });

// Object keys may hold any printable character S3 allows, quotes included.
const s3Uri = fc
  .string({
    unit: fc.constantFrom('a', 'z', '0', '/', '-', '_', '.', "'", '"', ' ', ';', '\\', 'é', '$'),
    minLength: 1,
    maxLength: 40,
  })
  .map((k) => `s3://lake/staging/${k}`);

function errorsOf(sql: string): unknown[] {
  return trino.validate(sql);
}

describe('every Athena MERGE parses with the Trino grammar', () => {
  test('books and the every-type table', () => {
    for (const table of [books, everything]) {
      const sql = renderMerge(
        {
          table,
          target: { database: 'db', name: table.name },
          stagingTable: { database: 'db', name: `${table.name}_staging` },
          files: ["s3://b/k'1", 's3://b/k2'],
        },
        athenaDialect,
      );
      expect(errorsOf(sql)).toEqual([]);
    }
  });

  test('generated declarations and batches', () => {
    fc.assert(
      fc.property(
        declaration,
        fc.array(s3Uri, { minLength: 1, maxLength: 5 }),
        fc.option(identifier, { nil: undefined }),
        (table, files, database) => {
          const sql = renderMerge(
            {
              table,
              target: { database, name: table.name },
              stagingTable: { database, name: `${table.name}_staging` },
              files,
            },
            athenaDialect,
          );
          expect(errorsOf(sql)).toEqual([]);
        },
      ),
      { numRuns: 60 },
    );
  });

  test('the tombstone MERGE, the MERGE filtered against tombstones and the expiry DELETE parse', () => {
    fc.assert(
      fc.property(declaration, fc.array(s3Uri, { minLength: 1, maxLength: 5 }), (table, files) => {
        const plan = {
          table,
          target: { database: 'db', name: table.name },
          stagingTable: { database: 'db', name: `${table.name}_staging` },
          tombstones: { database: 'db', name: tombstoneTableName(table) },
          files,
        };
        const tombstones = renderTombstoneMerge(plan, athenaDialect);
        const merge = renderMerge(plan, athenaDialect);
        expect(errorsOf(tombstones)).toEqual([]);
        expect(errorsOf(merge)).toEqual([]);
        // The batch cap sizes the main MERGE (merge-table.ts): it must be the longer statement.
        expect(Buffer.byteLength(merge)).toBeGreaterThan(Buffer.byteLength(tombstones));
        expect(errorsOf(renderTombstoneExpiry(table, athenaDialect, 'db', new Date(0)))).toEqual([]);
      }),
      { numRuns: 40 },
    );
  });

  test('the grammar does reject a broken MERGE (the check can fail)', () => {
    const sql = renderMerge(
      {
        table: books,
        target: { name: 'books' },
        stagingTable: { name: 'books_staging' },
        files: ['s3://b/k'],
      },
      athenaDialect,
    );
    expect(errorsOf(sql.replace('THEN DELETE', 'THEN'))).not.toEqual([]);
  });
});
