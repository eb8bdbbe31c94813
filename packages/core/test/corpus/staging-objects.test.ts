import { gzipSync } from 'node:zlib';

import { describe, expect, it } from 'vitest';

import { StagingFormatError } from '../../src/errors.js';
import { readAllStagingRows, readStagingObject } from '../../src/staging/staging-object.js';
import type { StagingRow } from '../../src/stream/change-row.js';
import { casesFor } from './corpus.js';

interface StagingInput {
  readonly bytesText?: string;
  readonly gzipText?: string;
  readonly truncateTo?: number;
}

function bodyOf(input: StagingInput): Uint8Array {
  if (input.bytesText !== undefined) return Buffer.from(input.bytesText, 'utf8');
  const gz = gzipSync(input.gzipText ?? '');
  return input.truncateTo === undefined ? gz : gz.subarray(0, input.truncateTo);
}

function goodObject(seqs: readonly number[]): Uint8Array {
  const lines = seqs.map((s) =>
    JSON.stringify({
      id: `s-${s}`,
      _op: 'upsert',
      _seq: String(s).padStart(40, '0'),
      _event_time: '2026-11-27 08:20:00.000000',
      _source: 'stream',
    }),
  );
  return gzipSync(`${lines.join('\n')}\n`);
}

// The merger reads staged objects with readStagingObject: a bad object is a StagingFormatError that
// names the object and the line; the other objects of the same batch read in full.
describe.each(casesFor('staging-object'))('staging object $name', (c) => {
  it(`${c.description} -> rejected (${c.expected.error})`, async () => {
    // Arrange
    const key = `staging/typed/2026/11/27/08/${c.name}.json.gz`;
    const objects = [
      { key: 'staging/typed/2026/11/27/08/a.json.gz', body: goodObject([1, 2]) },
      { key, body: bodyOf(c.input as StagingInput) },
      { key: 'staging/typed/2026/11/27/08/z.json.gz', body: goodObject([3]) },
    ];

    // Act
    const results = await Promise.all(
      objects.map(async (o) => {
        const rows: StagingRow[] = [];
        try {
          for await (const row of readStagingObject(o.body, o.key)) rows.push(row);
          return { rows, error: undefined };
        } catch (error) {
          return { rows, error };
        }
      }),
    );

    // Assert
    const [first, bad, last] = results;
    expect(bad!.error).toBeInstanceOf(StagingFormatError);
    const error = bad!.error as StagingFormatError;
    expect(error.name).toBe(c.expected.error);
    expect(error.objectKey).toBe(key);
    if (c.expected.fields?.line !== undefined) expect(error.line).toBe(c.expected.fields.line);
    if (c.expected.messageIncludes !== undefined) expect(error.message).toContain(c.expected.messageIncludes);
    if (c.expected.rowsBefore !== undefined) expect(bad!.rows).toHaveLength(c.expected.rowsBefore);
    expect(first).toEqual({ rows: await readAllStagingRows(objects[0]!.body), error: undefined });
    expect(first!.rows.map((r) => r.id)).toEqual(['s-1', 's-2']);
    expect(last!.rows.map((r) => r.id)).toEqual(['s-3']);
  });
});
