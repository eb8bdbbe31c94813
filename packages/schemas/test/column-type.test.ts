import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import {
  formatColumnType,
  glueType,
  needsCastFromStaging,
  parseColumnType,
  stagingGlueType,
} from '../src/column-type.js';
import type { ColumnType } from '../src/column-type.js';
import { ColumnTypeError } from '../src/errors.js';

const fieldName = fc.stringMatching(/^[a-z_][a-z0-9_]{0,8}$/);

function containsBinary(t: ColumnType): boolean {
  if (t.kind === 'binary') return true;
  if (t.kind === 'array') return containsBinary(t.element);
  if (t.kind === 'struct') return t.fields.some((f) => containsBinary(f.type));
  return false;
}

const { type: columnType } = fc.letrec<{ type: ColumnType; nested: ColumnType }>((tie) => ({
  type: fc.oneof(
    { depthSize: 'small' },
    fc.constantFrom<ColumnType>(
      { kind: 'string' },
      { kind: 'bigint' },
      { kind: 'int' },
      { kind: 'double' },
      { kind: 'float' },
      { kind: 'boolean' },
      { kind: 'binary' },
      { kind: 'timestamp' },
      { kind: 'date' },
      { kind: 'json' },
    ),
    fc
      .integer({ min: 1, max: 38 })
      .chain((precision) =>
        fc
          .integer({ min: 0, max: precision })
          .map((scale): ColumnType => ({ kind: 'decimal', precision, scale })),
      ),
    tie('nested').map((element): ColumnType => ({ kind: 'array', element })),
    fc
      .uniqueArray(fc.record({ name: fieldName, type: tie('nested') }), {
        minLength: 1,
        maxLength: 4,
        selector: (f) => f.name,
      })
      .map((fields): ColumnType => ({ kind: 'struct', fields })),
  ),
  // Binary is only allowed at the top level (it cannot be CAST from its staging text inside a row).
  nested: tie('type').filter((t) => !containsBinary(t)),
}));

describe('parseColumnType', () => {
  it('round-trips every type through its canonical text', () => {
    fc.assert(
      fc.property(columnType, (type) => {
        expect(parseColumnType(formatColumnType(type))).toEqual(type);
      }),
    );
  });

  it('accepts spacing, upper case and the long/integer aliases', () => {
    expect(parseColumnType(' ARRAY< struct< sku : string , qty : INTEGER > > ')).toEqual({
      kind: 'array',
      element: {
        kind: 'struct',
        fields: [
          { name: 'sku', type: { kind: 'string' } },
          { name: 'qty', type: { kind: 'int' } },
        ],
      },
    });
    expect(parseColumnType('long')).toEqual({ kind: 'bigint' });
  });

  it.each([
    ['decimal(39,2)', /precision must be 1..38/],
    ['decimal(5,6)', /scale must not exceed/],
    ['varchar', /unknown type "varchar"/],
    ['array<string', /expected ">"/],
    ['struct<a:int,a:string>', /appears twice/],
    ['string extra', /unexpected trailing text/],
    ['struct<a:binary>', /binary is supported only as a top-level column/],
  ])('rejects %s', (text, reason) => {
    expect(() => parseColumnType(text)).toThrow(ColumnTypeError);
    expect(() => parseColumnType(text)).toThrow(reason);
  });
});

describe('Glue types', () => {
  it('maps json to string and keeps nested shapes', () => {
    const t = parseColumnType('array<struct<sku:string,price:decimal(12,2),meta:json>>');
    expect(glueType(t)).toBe('array<struct<sku:string,price:decimal(12,2),meta:string>>');
    expect(stagingGlueType(t)).toBe('array<struct<sku:string,price:string,meta:string>>');
    expect(needsCastFromStaging(t)).toBe(true);
  });

  it('needs no cast exactly for the types JSON carries natively', () => {
    for (const text of ['string', 'int', 'double', 'float', 'boolean', 'json', 'array<int>']) {
      expect(needsCastFromStaging(parseColumnType(text))).toBe(false);
    }
    for (const text of ['bigint', 'decimal(10,0)', 'timestamp', 'date', 'binary', 'array<bigint>']) {
      expect(needsCastFromStaging(parseColumnType(text))).toBe(true);
    }
  });
});
