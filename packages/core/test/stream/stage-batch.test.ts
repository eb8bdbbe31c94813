import { readFileSync } from 'node:fs';

import { parseDeclaration } from '@ddb-athena-sync/schemas/declaration';
import { books } from '@ddb-athena-sync/schemas/test-support/example-tables';
import { describe, expect, it } from 'vitest';

import { readAllStagingRows } from '../../src/staging/staging-object.js';
import type { DynamoDBStreamRecord } from '../../src/stream/decode-record.js';
import { batchToken, stageStreamBatch } from '../../src/stream/stage-batch.js';
import type { ObjectStore } from '../../src/stream/stage-batch.js';

function fixture(name: string): DynamoDBStreamRecord[] {
  return (
    JSON.parse(readFileSync(new URL(`../fixtures/stream-records/${name}.json`, import.meta.url), 'utf8')) as {
      records: DynamoDBStreamRecord[];
    }
  ).records;
}

/** A small in-memory store that can be told to refuse keys matching a pattern. */
function memoryStore(refuse?: RegExp): ObjectStore & { objects: Map<string, Uint8Array>; order: string[] } {
  const objects = new Map<string, Uint8Array>();
  const order: string[] = [];
  return {
    objects,
    order,
    putObject({ key, body }) {
      order.push(key);
      if (refuse?.test(key)) return Promise.reject(new Error(`refused ${key}`));
      objects.set(key, body);
      return Promise.resolve();
    },
  };
}

const now = () => 1795767600_000 + 5_000;

describe('stageStreamBatch', () => {
  it('writes quarantine objects before the staging object', async () => {
    // Arrange
    const store = memoryStore();

    // Act
    const result = await stageStreamBatch(fixture('books'), { table: books }, { store, now });

    // Assert
    expect(store.order.map((k) => k.split('/')[0])).toEqual(['quarantine', 'staging']);
    expect(result).toMatchObject({
      batchItemFailures: [],
      skipped: 0,
      oldestRecordAgeMs: 5_000,
      error: undefined,
    });
    expect(result.staged).toMatchObject({ rows: 5 });
    expect(result.quarantined).toEqual([
      {
        objectKey: store.order[0],
        sequenceNumber: '000000000000000000005',
        errorName: 'ValueMappingError',
        attribute: 'date',
        reason: 'epoch-nanos needs an N value (S -> timestamp)',
      },
    ]);
  });

  it('keeps key values and item contents out of what the handler logs', async () => {
    // Act
    const result = await stageStreamBatch(fixture('books'), { table: books }, { store: memoryStore(), now });

    // Assert
    expect(JSON.stringify(result.quarantined)).not.toMatch(/b-003|Untitled|not a number/);
  });

  it('reports the first record when the staging PUT fails, even after quarantining', async () => {
    // Arrange
    const store = memoryStore(/^staging\//);

    // Act
    const result = await stageStreamBatch(fixture('books'), { table: books }, { store, now });

    // Assert
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: '000000000000000000001' }]);
    expect(result.staged).toBeUndefined();
    expect((result.error as Error).message).toMatch(/^refused staging\//);
  });

  it('does not attempt the staging object when a quarantine PUT fails', async () => {
    // Arrange
    const store = memoryStore(/^quarantine\//);

    // Act
    const result = await stageStreamBatch(fixture('books'), { table: books }, { store, now });

    // Assert
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: '000000000000000000001' }]);
    expect(store.order.filter((k) => k.startsWith('staging/'))).toEqual([]);
  });

  it('stages the records before an unexpected error and reports the failing record', async () => {
    // Arrange: record 3 explodes on access (a bug, not bad data): not a PoisonRecordError.
    const records = fixture('books');
    const broken = {
      ...records[2]!,
      get eventName(): never {
        throw new TypeError('boom');
      },
    } as DynamoDBStreamRecord;
    const store = memoryStore();

    // Act
    const result = await stageStreamBatch(
      [records[0]!, records[1]!, broken, records[3]!],
      { table: books },
      { store, now },
    );

    // Assert
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: '000000000000000000003' }]);
    expect((result.error as Error).message).toBe('boom');
    const [key] = [...store.objects.keys()];
    expect(key).toMatch(/-0{39}1-0{39}2\.json\.gz$/);
    expect(await readAllStagingRows(store.objects.get(key!)!)).toHaveLength(2);
  });

  it('names the same batch identically and different batches differently', async () => {
    // Arrange
    const records = fixture('books');

    // Act
    const a = await stageStreamBatch(records, { table: books }, { store: memoryStore(), now });
    const b = await stageStreamBatch(
      records,
      { table: books },
      { store: memoryStore(), now: () => now() + 3_600_000 },
    );
    const c = await stageStreamBatch(records.slice(1), { table: books }, { store: memoryStore(), now });

    // Assert: the key depends on the records only, not on when the batch is processed.
    expect(a.staged!.objectKey).toBe(b.staged!.objectKey);
    expect(c.staged!.objectKey).not.toBe(a.staged!.objectKey);
    expect(batchToken('arn:x', 'e1')).not.toBe(batchToken('arn:y', 'e1'));
    expect(batchToken('arn:x', 'e1')).toMatch(/^[0-9a-f]{16}$/);
  });

  it('returns no failures and writes nothing for an empty batch', async () => {
    // Arrange
    const store = memoryStore();

    // Act
    const result = await stageStreamBatch([], { table: books }, { store, now });

    // Assert
    expect(result).toMatchObject({ batchItemFailures: [], staged: undefined, oldestRecordAgeMs: undefined });
    expect(store.order).toEqual([]);
  });

  it('quarantines a string that is not well-formed Unicode (lone surrogate) and stages the rest', async () => {
    // Arrange: DynamoDB Local accepts a lone surrogate in an S value; no engine can read it.
    const store = memoryStore();
    const [first, ...rest] = fixture('books').filter((r) => r.eventName === 'INSERT');
    const bad: DynamoDBStreamRecord = {
      ...first!,
      dynamodb: {
        ...first!.dynamodb!,
        NewImage: { ...first!.dynamodb!.NewImage!, summary: { S: 'broken \ud800 text' } },
      },
    };

    // Act
    const result = await stageStreamBatch([bad, ...rest], { table: books }, { store, now });

    // Assert: a typed error naming the attribute, no value in the reason; the rest is staged
    // exactly as it is without the bad record.
    const alone = await stageStreamBatch(rest, { table: books }, { store: memoryStore(), now });
    const surrogate = result.quarantined.filter((q) => q.attribute === 'summary');
    expect(surrogate).toEqual([
      expect.objectContaining({
        errorName: 'ValueMappingError',
        reason: expect.stringMatching(/not well-formed Unicode/),
      }),
    ]);
    expect(surrogate[0]!.reason).not.toContain('broken');
    expect(result.quarantined).toHaveLength(alone.quarantined.length + 1);
    expect(result.staged?.rows).toBe(alone.staged?.rows);
  });

  it('quarantines a lone surrogate in a json column, in a map key too', async () => {
    const store = memoryStore();
    const table = parseDeclaration({
      name: 'docs',
      dynamodb: { tableName: 'docs', partitionKey: 'id' },
      columns: [
        { name: 'id', type: 'string' },
        { name: 'm', type: 'json' },
      ],
      mode: 'merge',
    });
    const [record] = fixture('books');
    const withM = (m: object): DynamoDBStreamRecord => ({
      ...record!,
      dynamodb: { ...record!.dynamodb!, NewImage: { id: record!.dynamodb!.Keys!.id!, m: m as never } },
    });

    const keyBad = await stageStreamBatch(
      [withM({ M: { ['k\udc00']: { S: 'ok' } } })],
      { table },
      { store, now },
    );
    const valueBad = await stageStreamBatch([withM({ L: [{ S: '\udbff' }] })], { table }, { store, now });
    const fine = await stageStreamBatch(
      [withM({ M: { k: { S: 'paired \ud83d\ude00' } } })],
      { table },
      { store, now },
    );

    expect(keyBad.quarantined).toEqual([
      expect.objectContaining({ errorName: 'ValueMappingError', attribute: 'm' }),
    ]);
    expect(valueBad.quarantined).toEqual([expect.objectContaining({ errorName: 'ValueMappingError' })]);
    expect(fine.quarantined).toEqual([]);
  });
});
