// The price file shipped with the model, and what the parser does with an incomplete one.
import { readFile } from 'node:fs/promises';

import { describe, expect, it } from 'vitest';

import { DEFAULT_PRICE_FILE, PRICE_KEYS, parsePriceBook } from '../src/price-book.js';
import { PriceFileError } from '../src/errors.js';

describe('the price file', () => {
  it('defines every price with a status, a read date, and a source unless unconfirmed', async () => {
    const json = JSON.parse(await readFile(DEFAULT_PRICE_FILE, 'utf8')) as {
      prices: Record<string, { status: string; source: unknown[]; readOn: string }>;
    };
    expect(Object.keys(json.prices).sort()).toEqual([...PRICE_KEYS].sort());
    for (const [key, entry] of Object.entries(json.prices)) {
      expect(entry.readOn, key).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      if (entry.status !== 'unconfirmed') expect(entry.source.length, key).toBeGreaterThan(0);
    }
  });

  it('rejects a file that drops a price', async () => {
    const json = JSON.parse(await readFile(DEFAULT_PRICE_FILE, 'utf8')) as {
      prices: Record<string, unknown>;
    };
    delete json.prices['lambda.usdPerMillionRequests'];
    expect(() => parsePriceBook('test', json)).toThrow(PriceFileError);
  });
});
