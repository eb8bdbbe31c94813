import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import {
  BACKFILL_SEQUENCE,
  compareSequenceNumbers,
  padSequenceNumber,
} from '../../src/stream/sequence-number.js';

/** Sequence numbers as DynamoDB Streams writes them: 21 to 40 digits, no leading zero. */
const sequenceNumber = fc.bigInt({ min: 10n ** 20n, max: 10n ** 40n - 1n }).map((n) => n.toString());

describe('sequence numbers', () => {
  it('order as padded strings exactly as they order as numbers', () => {
    fc.assert(
      fc.property(sequenceNumber, sequenceNumber, (a, b) => {
        const numeric = BigInt(a) < BigInt(b) ? -1 : BigInt(a) > BigInt(b) ? 1 : 0;
        expect(compareSequenceNumbers(a, b)).toBe(numeric);
        const [pa, pb] = [padSequenceNumber(a), padSequenceNumber(b)];
        expect(pa < pb ? -1 : pa > pb ? 1 : 0).toBe(numeric);
        expect(pa).toHaveLength(40);
      }),
    );
  });

  it('sorts every stream change after the backfill sequence', () => {
    fc.assert(
      fc.property(sequenceNumber, (s) => {
        expect(padSequenceNumber(s) > BACKFILL_SEQUENCE).toBe(true);
      }),
    );
  });

  it.each(['', '-1', '1.0', '1'.repeat(41), ' 1'])('rejects %j', (value) => {
    expect(() => padSequenceNumber(value)).toThrow(RangeError);
  });
});
