import { describe, expect, it } from 'vitest';

import { applyTransform, icebergHash } from '../src/partition-transform.js';

// Expected hashes: Iceberg spec, Appendix B "32-bit Hash Requirements".
describe('icebergHash', () => {
  it.each([
    ['int', 34, 2017239379],
    ['long', '34', 2017239379],
    ['decimal(4, 2)', '14.20', -500754589],
    ['date', '2017-11-16', -653330422],
    ['timestamp', '2017-11-16 22:31:08', -2047944441],
    ['timestamp', '2017-11-16 22:31:08.000001', -1207196810],
    ['string', 'iceberg', 1210000089],
    ['binary', Buffer.from([0, 1, 2, 3]).toString('base64'), -188683207],
  ])('hashes a %s like the spec', (type, value, expected) => {
    expect(icebergHash(type, value)).toBe(expected);
  });
});

describe('applyTransform', () => {
  const field = (transform: string) => ({ 'source-id': 1, 'field-id': 1000, name: 'p', transform });

  it('buckets by the positive hash modulo N', () => {
    // 1210000089 % 16 = 9
    expect(applyTransform(field('bucket[16]'), 'string', 'iceberg')).toBe(1210000089 % 16);
    expect(applyTransform(field('bucket[16]'), 'string', null)).toBeNull();
  });

  it('counts days, months, years and hours from the epoch', () => {
    expect(applyTransform(field('day'), 'timestamp', '1970-01-02 00:00:00')).toBe(1);
    expect(applyTransform(field('day'), 'timestamp', '1969-12-31 23:59:59.999999')).toBe(-1);
    expect(applyTransform(field('month'), 'date', '2017-11-16')).toBe(47 * 12 + 10);
    expect(applyTransform(field('year'), 'date', '2017-11-16')).toBe(47);
    expect(applyTransform(field('hour'), 'timestamp', '1970-01-01 05:10:00')).toBe(5);
  });

  it('truncates strings and integers like the spec', () => {
    expect(applyTransform(field('truncate[3]'), 'string', 'iceberg')).toBe('ice');
    expect(applyTransform(field('truncate[10]'), 'int', -1)).toBe(-10);
    expect(applyTransform(field('truncate[10]'), 'long', '15')).toBe(10n);
  });
});
