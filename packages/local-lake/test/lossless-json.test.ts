import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { parseLossless, stringifyLossless } from '../src/lossless-json.js';

describe('lossless JSON', () => {
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
