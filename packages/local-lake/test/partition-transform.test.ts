import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { InvalidValueError } from '../src/errors.js';
import { applyTransform, dateDays, icebergHash, timestampMicros } from '../src/partition-transform.js';

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

// Years 1 to 9999 are valid Iceberg dates and timestamps (the spec counts from 1970-01-01 with no
// lower bound). `Date.UTC` maps years 0-99 to 1900-1999, so the expected values here come from a
// Date built from an epoch number (no year arithmetic involved) and its UTC getters.
describe('date and timestamp transforms over years 1 to 9999', () => {
  const field = (transform: string) => ({ 'source-id': 1, 'field-id': 1000, name: 'p', transform });
  const instant = fc.date({
    min: new Date('0001-01-01T00:00:00.000Z'),
    max: new Date('9999-12-31T23:59:59.999Z'),
    noInvalidDate: true,
  });
  const DAY_MS = 86_400_000;

  it('day, hour, month and year of a timestamp agree with the epoch arithmetic', () => {
    fc.assert(
      fc.property(instant, fc.integer({ min: 0, max: 999 }), (at, microsOfMs) => {
        // Arrange: 'YYYY-MM-DD HH:MM:SS.ffffff' as staging writes it.
        const iso = at.toISOString();
        const text = `${iso.slice(0, 10)} ${iso.slice(11, 23)}${String(microsOfMs).padStart(3, '0')}`;
        const ms = at.getTime();
        const micros = BigInt(ms) * 1000n + BigInt(microsOfMs);

        // Act / Assert
        expect(timestampMicros(text)).toBe(micros);
        expect(applyTransform(field('day'), 'timestamp', text)).toBe(Math.floor(ms / DAY_MS));
        expect(applyTransform(field('hour'), 'timestamp', text)).toBe(Math.floor(ms / 3_600_000));
        expect(applyTransform(field('month'), 'timestamp', text)).toBe(
          (at.getUTCFullYear() - 1970) * 12 + at.getUTCMonth(),
        );
        expect(applyTransform(field('year'), 'timestamp', text)).toBe(at.getUTCFullYear() - 1970);
      }),
      { numRuns: 2000 },
    );
  });

  it('dates: identity, day, month and year', () => {
    fc.assert(
      fc.property(instant, (at) => {
        // Arrange
        const text = at.toISOString().slice(0, 10);
        const days = Math.floor(at.getTime() / DAY_MS);

        // Act / Assert
        expect(dateDays(text)).toBe(days);
        expect(applyTransform(field('identity'), 'date', text)).toBe(days);
        expect(applyTransform(field('day'), 'date', text)).toBe(days);
        expect(applyTransform(field('month'), 'date', text)).toBe(
          (at.getUTCFullYear() - 1970) * 12 + at.getUTCMonth(),
        );
        expect(applyTransform(field('year'), 'date', text)).toBe(at.getUTCFullYear() - 1970);
      }),
      { numRuns: 2000 },
    );
  });

  it('the years Date.UTC gets wrong, by hand: 0001-01-01 is day -719162, 0099-12-31 is day -683004', () => {
    // 1969 years of 365 days plus 477 leap days (1..1969: 492 multiples of 4, minus 19 centuries, plus 4).
    expect(dateDays('0001-01-01')).toBe(-(1969 * 365 + 477));
    expect(dateDays('0099-12-31')).toBe(-(1969 * 365 + 477) + 99 * 365 + 24 - 1);
    expect(applyTransform(field('year'), 'timestamp', '0050-06-01 00:00:00')).toBe(50 - 1970);
  });

  it('rejects calendar dates that do not exist instead of rolling them over', () => {
    expect(() => dateDays('2023-02-29')).toThrow(InvalidValueError);
    expect(() => timestampMicros('2024-04-31 00:00:00')).toThrow(InvalidValueError);
    expect(() => timestampMicros('2024-01-01 24:00:00')).toThrow(InvalidValueError);
    expect(() => dateDays('0000-01-01')).toThrow(InvalidValueError);
    expect(dateDays('2024-02-29')).toBe(19782);
  });
});
