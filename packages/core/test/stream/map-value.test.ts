import { parseColumnType } from '@ddb-athena-sync/schemas/column-type';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { ValueMappingError } from '../../src/errors.js';
import { mapAttributeValue } from '../../src/stream/map-value.js';
import type { MapContext } from '../../src/stream/map-value.js';

const ctx: MapContext = { table: 't', sequenceNumber: '42', key: { id: 'k' }, attribute: 'a' };
const map = (av: object, type: string, conversion?: MapContext['conversion']) =>
  mapAttributeValue(av as never, parseColumnType(type), { ...ctx, conversion });

function mappingError(fn: () => unknown): ValueMappingError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ValueMappingError);
    return error as ValueMappingError;
  }
  throw new Error('expected a ValueMappingError');
}

/** A DynamoDB number text for an integer, written the ways DynamoDB clients write it. */
const integerText = (n: bigint) => fc.constantFrom(n.toString(), `${n}.000`, n === 0n ? '0E+5' : `${n}0E-1`);

describe('numbers keep full precision', () => {
  it('bigint round trips every 64-bit integer, however it is written', () => {
    fc.assert(
      fc.property(
        fc
          .bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n })
          .chain((n) => fc.tuple(fc.constant(n), integerText(n))),
        ([n, text]) => {
          expect(map({ N: text }, 'bigint')).toBe(n.toString());
        },
      ),
    );
  });

  it('decimal(38,s) round trips every value that fits, with exactly s fractional digits', () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 0, max: 38 })
          .chain((scale) =>
            fc.tuple(fc.constant(scale), fc.bigInt({ min: -(10n ** 38n) + 1n, max: 10n ** 38n - 1n })),
          ),
        ([scale, unscaled]) => {
          const negative = unscaled < 0n;
          const digits = (negative ? -unscaled : unscaled).toString().padStart(scale + 1, '0');
          const text = `${negative ? '-' : ''}${scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`}`;
          const out = map({ N: text }, `decimal(38,${scale})`);
          expect(out).toBe(unscaled === 0n ? text.replace(/^-/, '') : text);
          // The value is the same number: compare as scaled integers.
          expect(BigInt((out as string).replace('.', ''))).toBe(unscaled);
        },
      ),
    );
  });

  it('rejects more digits than a decimal holds, never rounding', () => {
    expect(mappingError(() => map({ N: '1.005' }, 'decimal(12,2)')).reason).toMatch(
      /more than 2 fractional digits/,
    );
    expect(mappingError(() => map({ N: '12345678901' }, 'decimal(12,2)')).reason).toMatch(
      /more than 10 integer digits/,
    );
    expect(map({ N: '1.500' }, 'decimal(12,2)')).toBe('1.50');
  });

  it('rejects numbers beyond 38 significant digits and out-of-range integers', () => {
    expect(mappingError(() => map({ N: '1'.repeat(39) }, 'decimal(38,0)')).reason).toMatch(
      /38 significant digits/,
    );
    expect(mappingError(() => map({ N: '9223372036854775808' }, 'bigint')).reason).toMatch(/64-bit/);
    expect(mappingError(() => map({ N: '2147483648' }, 'int')).reason).toMatch(/32-bit/);
    expect(mappingError(() => map({ N: '1.5' }, 'bigint')).reason).toMatch(/fractional/);
    expect(mappingError(() => map({ N: 'NaN' }, 'double')).reason).toMatch(/not a number/);
    expect(mappingError(() => map({ N: 'Infinity' }, 'double')).reason).toMatch(/not a number/);
  });

  it('gives doubles the nearest double of the exact value', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e300, max: 1e300 }), (d) => {
        expect(map({ N: String(d) }, 'double')).toBe(d === 0 ? 0 : d);
      }),
    );
  });
});

describe('timestamps', () => {
  it('epoch conversions agree with each other for every instant (microsecond precision)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -62135596800000000n, max: 253402300799999999n }), (micros) => {
        const viaMicros = map({ N: micros.toString() }, 'timestamp', 'epoch-micros');
        expect(map({ N: (micros * 1000n + 999n).toString() }, 'timestamp', 'epoch-nanos')).toBe(viaMicros);
        if (micros % 1000n === 0n)
          expect(map({ N: (micros / 1000n).toString() }, 'timestamp', 'epoch-millis')).toBe(viaMicros);
        // Text form matches the ISO instant to the millisecond.
        const ms = Number(micros / 1000n - (micros % 1000n < 0n ? 1n : 0n));
        expect((viaMicros as string).slice(0, 23)).toBe(
          new Date(ms).toISOString().replace('T', ' ').slice(0, 23),
        );
      }),
    );
  });

  it('parses ISO 8601 with offsets and fractions', () => {
    expect(map({ S: '2024-02-29T23:30:00-01:30' }, 'timestamp', 'iso8601')).toBe(
      '2024-03-01 01:00:00.000000',
    );
    expect(map({ S: '2024-05-01 12:00:00.1234567Z' }, 'timestamp', 'iso8601')).toBe(
      '2024-05-01 12:00:00.123456',
    );
    expect(map({ S: '2024-05-01' }, 'date')).toBe('2024-05-01');
    expect(mappingError(() => map({ S: '2023-02-29' }, 'date')).reason).toMatch(/ISO 8601/);
    expect(mappingError(() => map({ S: '2024-05-01T25:00' }, 'timestamp', 'iso8601')).reason).toMatch(
      /ISO 8601/,
    );
    expect(mappingError(() => map({ N: '1e30' }, 'timestamp', 'epoch-seconds')).reason).toMatch(
      /outside years/,
    );
  });
});

describe('type mismatches name the attribute path and both types', () => {
  it.each([
    [{ N: '1' }, 'string', 'N'],
    [{ S: '1' }, 'bigint', 'S'],
    [{ S: 'true' }, 'boolean', 'S'],
    [{ M: {} }, 'array<string>', 'M'],
    [{ L: [] }, 'struct<a:int>', 'L'],
    [{ B: 'not base64!' }, 'binary', 'B'],
    [{ X: 1 }, 'string', 'invalid'],
  ])('%j into %s', (av, type, actual) => {
    const error = mappingError(() => map(av, type));
    expect(error).toMatchObject({
      table: 't',
      sequenceNumber: '42',
      key: { id: 'k' },
      attribute: 'a',
      expectedType: type,
      actualType: actual,
    });
  });

  it('points into nested values', () => {
    const error = mappingError(() =>
      map({ L: [{ M: { qty: { N: '1' } } }, { M: { qty: { S: 'two' } } }] }, 'array<struct<qty:int>>'),
    );
    expect(error.attribute).toBe('a[1].qty');
    expect(error.expectedType).toBe('int');
  });

  it('maps NULL to null for every type', () => {
    for (const type of [
      'string',
      'bigint',
      'decimal(5,2)',
      'json',
      'array<int>',
      'struct<a:int>',
      'binary',
      'boolean',
    ]) {
      expect(map({ NULL: true }, type)).toBeNull();
    }
  });
});
