import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { InvalidMetadataError } from '../src/errors.js';
import {
  parseMetadataJson as parseLossless,
  parseTableMetadata,
  stringifyMetadataJson as stringifyLossless,
  stringifyTableMetadata,
} from '../src/table-metadata.js';
import { Lake } from '../src/lake.js';
import { withTempDir } from './support/temp-dir.js';
import { books } from '@ddb-athena-sync/schemas/test-support/example-tables';

describe('metadata JSON (lossless-json with bigint for unsafe integers)', () => {
  it('keeps 63-bit snapshot ids exact where JSON.parse rounds them', () => {
    // Arrange
    const text = '{"snapshot-id": 9223372036854775807, "n": 12, "f": 1.5, "s": "a\\"b"}';
    // Act
    const parsed = parseLossless(text) as Record<string, unknown>;
    // Assert
    expect(parsed['snapshot-id']).toBe(9223372036854775807n);
    expect(BigInt((JSON.parse(text) as Record<string, number>)['snapshot-id']!)).not.toBe(
      9223372036854775807n,
    );
    expect(parsed).toEqual({ 'snapshot-id': 9223372036854775807n, n: 12, f: 1.5, s: 'a"b' });
  });

  it('round-trips any JSON value with 64-bit integers', () => {
    const value = fc.letrec((tie) => ({
      v: fc.oneof(
        { depthSize: 'small' },
        fc
          .bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n })
          .filter((b) => !Number.isSafeInteger(Number(b)) || b > 2n ** 53n || b < -(2n ** 53n)),
        fc.integer(),
        fc.string(),
        fc.boolean(),
        fc.constant(null),
        fc.array(tie('v'), { maxLength: 3 }),
        fc.dictionary(fc.string(), tie('v'), { maxKeys: 3 }),
      ),
    })).v;
    fc.assert(
      fc.property(value, (v) => {
        expect(parseLossless(stringifyLossless(v))).toEqual(v);
        expect(parseLossless(stringifyLossless(v, 0))).toEqual(v);
      }),
    );
  });

  it('rejects malformed JSON', () => {
    expect(() => parseLossless('{"a": 1,}')).toThrow(SyntaxError);
    expect(() => parseLossless('[1] x')).toThrow(SyntaxError);
  });
});

describe("table metadata validation (zod schema of the spec's required fields)", () => {
  it('round-trips the metadata the lake writes, 63-bit ids included', async () => {
    await withTempDir(async (root) => {
      // Arrange
      const lake = await Lake.open({ root });
      try {
        await lake.createTable(books);
        await lake.append('books', [
          {
            id: 'a',
            name: 'n',
            author: null,
            summary: null,
            published_at: null,
            _seq: '1',
            _updated_at: '2024-05-01 12:00:00',
          },
        ]);
        const loaded = await lake.load('books');

        // Act
        const again = parseTableMetadata(stringifyTableMetadata(loaded.metadata), 'v2.metadata.json');

        // Assert
        expect(again).toEqual(loaded.metadata);
        expect(typeof again['current-snapshot-id']).toBe('bigint');
      } finally {
        lake.close();
      }
    });
  });

  it('rejects metadata that misses a required field or has the wrong types, naming the path', () => {
    const minimal = {
      'format-version': 2,
      'table-uuid': 'u',
      location: 'file:///t',
      'last-sequence-number': 0,
      'last-updated-ms': 1,
      'last-column-id': 1,
      'current-schema-id': 0,
      schemas: [
        { type: 'struct', 'schema-id': 0, fields: [{ id: 1, name: 'id', required: false, type: 'string' }] },
      ],
      'default-spec-id': 0,
      'partition-specs': [{ 'spec-id': 0, fields: [] }],
      'last-partition-id': 999,
      'default-sort-order-id': 0,
      'sort-orders': [{ 'order-id': 0, fields: [] }],
      'current-snapshot-id': -1,
    };
    const parsed = parseTableMetadata(JSON.stringify(minimal), 'v1.metadata.json');
    expect(parsed['current-snapshot-id']).toBeUndefined();
    expect(parsed.snapshots).toEqual([]);
    expect(parsed.properties).toEqual({});

    const { location: _location, ...noLocation } = minimal;
    expect(() => parseTableMetadata(JSON.stringify(noLocation), 'v1.metadata.json')).toThrow(/location/);
    expect(() =>
      parseTableMetadata(JSON.stringify({ ...minimal, 'format-version': 1 }), 'v1.metadata.json'),
    ).toThrow(InvalidMetadataError);
    expect(() =>
      parseTableMetadata(
        JSON.stringify({ ...minimal, snapshots: [{ 'snapshot-id': 'x', 'timestamp-ms': 1, summary: {} }] }),
        'v1.metadata.json',
      ),
    ).toThrow(/snapshots\.0\.snapshot-id/);
    expect(() => parseTableMetadata('{"format-version": 2,', 'v1.metadata.json')).toThrow(/not valid JSON/);
  });
});
