import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import {
  BACKFILL_SEQUENCE,
  changeSequence,
  compareSequenceNumbers,
  padSequenceNumber,
  streamEpoch,
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

  it('the stream epoch comes from the ARN label and orders a recreated stream after the old one', () => {
    const old = 'arn:aws:dynamodb:us-east-1:123456789012:table/books/stream/2015-05-11T21:21:33.291';
    const recreated = 'arn:aws:dynamodb:us-east-1:123456789012:table/books/stream/2016-01-02T03:04:05.006';
    expect(streamEpoch(old)).toBe('20150511212133291');
    expect(changeSequence(recreated, '5') > changeSequence(old, '99999999999999999999999')).toBe(true);
    expect(changeSequence(old, '5') < changeSequence(old, '6')).toBe(true);
    // Every stream change sorts above backfill rows (40 zeros) and rows staged before epochs.
    expect(changeSequence(old, '1') > '0'.repeat(40)).toBe(true);
    expect(streamEpoch(undefined)).toBe('0'.repeat(17));
  });
});
