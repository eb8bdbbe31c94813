import { InvalidIdentifierError } from '@ddb-athena-sync/schemas/errors';
import { describe, expect, it } from 'vitest';

import {
  backfillObjectKey,
  quarantineKey,
  stagedObjectSource,
  streamObjectKey,
  tableStagingPrefix,
} from '../../src/staging/staging-key.js';

const batch = {
  table: 'books',
  shardId: 'shardId-00000001',
  firstSequenceNumber: '100000000000000000001',
  lastSequenceNumber: '100000000000000000099',
  firstEventTime: new Date('2024-05-01T13:59:59Z'),
};

describe('staging keys', () => {
  it('are fixed by the batch, so a retried batch overwrites its own object', () => {
    const key = streamObjectKey(batch);
    expect(key).toBe(
      'staging/books/2024/05/01/13/shardId-00000001-0000000000000000000100000000000000000001-0000000000000000000100000000000000000099.json.gz',
    );
    expect(streamObjectKey({ ...batch })).toBe(key);
    expect(stagedObjectSource(key, 'books')).toBe('stream');
  });

  it('put backfill objects under their own prefix', () => {
    const key = backfillObjectKey({ table: 'books', runId: '20240501T120000Z', segment: 3, part: 12 });
    expect(key).toBe('staging/books/backfill/20240501T120000Z/000003-000012.json.gz');
    expect(stagedObjectSource(key, 'books')).toBe('backfill');
  });

  it('do not recognise foreign keys as staged objects', () => {
    expect(stagedObjectSource('staging/books/notes.txt', 'books')).toBeUndefined();
    expect(stagedObjectSource('staging/bookshelf/2024/05/01/13/x.json.gz', 'books')).toBeUndefined();
    expect(stagedObjectSource('staging/books/2024/05/01/x.json.gz', 'books')).toBeUndefined();
  });

  it('refuse table names and shard ids that could escape their prefix', () => {
    expect(() => tableStagingPrefix('../books')).toThrow(InvalidIdentifierError);
    expect(() => streamObjectKey({ ...batch, shardId: '../x' })).toThrow(RangeError);
    expect(() => tableStagingPrefix('books', 'no-slash')).toThrow(RangeError);
  });

  it('name one quarantine object per record', () => {
    const at = new Date('2024-05-01T00:00:00Z');
    expect(quarantineKey({ table: 'books', shardId: 's1', sequenceNumber: '7', eventTime: at })).toBe(
      `quarantine/books/2024/05/01/s1-${'7'.padStart(40, '0')}.json`,
    );
    expect(quarantineKey({ table: 'books', shardId: 's1', sequenceNumber: 'evt/../1', eventTime: at })).toBe(
      'quarantine/books/2024/05/01/s1-evt_.._1.json',
    );
  });
});
