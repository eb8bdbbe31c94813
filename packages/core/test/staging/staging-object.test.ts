import { gzipSync } from 'node:zlib';
import { Readable } from 'node:stream';

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { StagingFormatError } from '../../src/errors.js';
import type { StagingRow } from '../../src/stream/change-row.js';
import {
  encodeStagingObject,
  readAllStagingRows,
  readStagingObject,
} from '../../src/staging/staging-object.js';

const row: fc.Arbitrary<StagingRow> = fc.record({
  id: fc.string(),
  n: fc.oneof(fc.constant(null), fc.bigInt().map(String)),
  nested: fc.array(fc.record({ a: fc.string(), b: fc.integer() }), { maxLength: 3 }),
  _op: fc.constantFrom('upsert' as const, 'delete' as const),
  _seq: fc.bigInt({ min: 0n, max: 10n ** 40n - 1n }).map((n) => n.toString().padStart(40, '0')),
  _event_time: fc.constant('2024-05-01 12:00:00.000000'),
  _source: fc.constantFrom('stream' as const, 'backfill' as const),
});

describe('staging objects', () => {
  it('read back exactly the rows written, in order', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(row, { maxLength: 50 }), async (rows) => {
        expect(await readAllStagingRows(encodeStagingObject(rows))).toEqual(rows);
      }),
      { numRuns: 50 },
    );
  });

  it('stream rows from a chunked body without reading it whole', async () => {
    const rows = Array.from({ length: 2000 }, (_, i) => ({
      id: `k${i}`,
      _op: 'upsert' as const,
      _seq: String(i).padStart(40, '0'),
      _event_time: '2024-05-01 12:00:00.000000',
      _source: 'stream' as const,
    }));
    const bytes = encodeStagingObject(rows);
    const chunks = Array.from({ length: Math.ceil(bytes.length / 97) }, (_, i) =>
      bytes.subarray(i * 97, (i + 1) * 97),
    );
    let count = 0;
    for await (const r of readStagingObject(Readable.from(chunks))) {
      expect(r.id).toBe(`k${count}`);
      count++;
    }
    expect(count).toBe(2000);
  });

  it('names the object and line of a bad row', async () => {
    const body = gzipSync(
      '{"_op":"upsert","_seq":"' +
        '0'.repeat(40) +
        '","_event_time":"t","_source":"stream"}\n{"_op":"merge"}\n',
    );
    const error = await readAllStagingRows(body, 'staging/books/x.json.gz').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StagingFormatError);
    expect(error).toMatchObject({ objectKey: 'staging/books/x.json.gz', line: 2 });
  });

  it('rejects a body that is not gzip', async () => {
    const error = await readAllStagingRows(Buffer.from('{"plain":"json"}\n'), 'k').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StagingFormatError);
    expect((error as Error).message).toMatch(/not a gzip NDJSON object/);
  });

  it('rejects invalid JSON with its line number', async () => {
    const error = await readAllStagingRows(gzipSync('{"a":\n'), 'k').catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'StagingFormatError', line: 1 });
  });
});
