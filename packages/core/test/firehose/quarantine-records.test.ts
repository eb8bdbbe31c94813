import { readFileSync } from 'node:fs';

import { books, orders } from '@ddb-athena-sync/schemas/test-support/example-tables';
import { describe, expect, it } from 'vitest';

import { quarantineFailedRecords } from '../../src/firehose/quarantine-records.js';
import { transformFirehoseRecords } from '../../src/firehose/transform-records.js';
import type { FirehoseInputRecord } from '../../src/firehose/transform-records.js';
import type { DynamoDBStreamRecord } from '../../src/stream/decode-record.js';
import { stageStreamBatch } from '../../src/stream/stage-batch.js';
import type { ObjectStore } from '../../src/stream/stage-batch.js';

/** A small in-memory ObjectStore (the port's contract: one putObject per key). */
function memoryStore(refuse?: RegExp): ObjectStore & { objects: Map<string, Uint8Array> } {
  const objects = new Map<string, Uint8Array>();
  return {
    objects,
    putObject({ key, body }) {
      if (refuse?.test(key)) return Promise.reject(new Error(`refused ${key}`));
      objects.set(key, body);
      return Promise.resolve();
    },
  };
}

const now = () => Date.parse('2026-05-01T12:35:00Z');
const SHARD = 'shardId-000000000000';

/**
 * A Firehose transformation record with a Kinesis data stream source (Lambda developer guide, "Using
 * Lambda with Amazon Data Firehose", event shape).
 */
function firehoseRecord(i: number, data: unknown): FirehoseInputRecord {
  return {
    recordId: `record-${i}`,
    approximateArrivalTimestamp: Date.parse('2026-05-01T12:34:57Z') + i,
    data: typeof data === 'string' ? data : Buffer.from(JSON.stringify(data)).toString('base64'),
    kinesisRecordMetadata: {
      shardId: SHARD,
      sequenceNumber: `4954698668313554428650745793632162567570019247115678515${i}`,
    },
  };
}

/** A Kinesis Data Streams for DynamoDB change of `orders` (DynamoDB developer guide, Kinesis CDC). */
function orderChange(id: string, total: string): Record<string, unknown> {
  return {
    awsRegion: 'us-east-1',
    eventID: `e-${id}`,
    eventName: 'INSERT',
    userIdentity: null,
    recordFormat: 'application/json',
    tableName: 'orders',
    dynamodb: {
      ApproximateCreationDateTime: Date.parse('2026-05-01T12:34:56Z'),
      Keys: { id: { S: id } },
      NewImage: { id: { S: id }, created_at: { S: '2026-05-01T12:34:56.789Z' }, total: { N: total } },
      SizeBytes: 60,
    },
    eventSource: 'aws:dynamodb',
  };
}

function body(store: { objects: Map<string, Uint8Array> }, key: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(store.objects.get(key)!).toString('utf8')) as Record<string, unknown>;
}

describe('quarantineFailedRecords', () => {
  it('writes each rejected record with its reason, in the shape and key layout of merge mode', async () => {
    // Arrange: one good order, one total that does not fit decimal(12,2), one record that is not JSON.
    const records = [
      firehoseRecord(0, orderChange('o-1', '1.50')),
      firehoseRecord(1, orderChange('o-2', '12345678901234567890.5')),
      firehoseRecord(2, Buffer.from('not json').toString('base64')),
    ];
    const result = transformFirehoseRecords(records, { table: orders, database: 'lake' });
    const store = memoryStore();

    // Act
    const quarantined = await quarantineFailedRecords(records, result, { table: orders }, { store, now });

    // Assert: one object per ProcessingFailed record, under quarantine/orders/<date>/<shard>-<seq>.json.
    expect(result.counts).toEqual({ Ok: 1, Dropped: 0, ProcessingFailed: 2 });
    expect(quarantined.map((q) => q.recordId)).toEqual(['record-1', 'record-2']);
    expect([...store.objects.keys()]).toEqual(quarantined.map((q) => q.objectKey));
    for (const key of store.objects.keys())
      expect(key).toMatch(new RegExp(`^quarantine/orders/2026/05/01/${SHARD}-\\d{56}\\.json$`));
    const overflow = body(store, quarantined[0]!.objectKey);
    expect(overflow).toMatchObject({
      table: 'orders',
      reason: expect.stringMatching(/^attribute total: /) as unknown,
      error: { name: 'ValueMappingError', attribute: 'total', table: 'orders', failReason: 'value-mapping' },
      firehoseRecordId: 'record-1',
      record: { eventID: 'e-o-2', tableName: 'orders' },
    });
    expect(body(store, quarantined[1]!.objectKey)).toMatchObject({
      error: { name: 'MalformedRecordError', failReason: 'malformed' },
      record: { data: records[2]!.data },
    });
  });

  it('keeps the same content keys as the stream-writer quarantine, plus the Firehose record id', async () => {
    // Arrange: merge mode's quarantine object for its captured poison record (b-003).
    const streamStore = memoryStore();
    const streamRecords = (
      JSON.parse(readFileSync(new URL('../fixtures/stream-records/books.json', import.meta.url), 'utf8')) as {
        records: DynamoDBStreamRecord[];
      }
    ).records;
    await stageStreamBatch(streamRecords, { table: books }, { store: streamStore, now });
    const mergeKey = [...streamStore.objects.keys()].find((k) => k.startsWith('quarantine/'))!;
    const records = [firehoseRecord(0, orderChange('o-2', '12345678901234567890.5'))];
    const store = memoryStore();

    // Act
    const [q] = await quarantineFailedRecords(
      records,
      transformFirehoseRecords(records, { table: orders, database: 'lake' }),
      { table: orders },
      { store, now },
    );

    // Assert
    expect(Object.keys(body(store, q!.objectKey)).sort()).toEqual(
      [...Object.keys(body(streamStore, mergeKey)), 'firehoseRecordId'].sort(),
    );
  });

  it('quarantines a record cut for the response size limit, whose error output carries no data', async () => {
    // Arrange: a limit so small that the Ok record does not fit.
    const records = [firehoseRecord(0, orderChange('o-1', '1.50'))];
    const result = transformFirehoseRecords(records, {
      table: orders,
      database: 'lake',
      maxResponseBytes: 10,
    });
    const store = memoryStore();

    // Act
    const [q] = await quarantineFailedRecords(records, result, { table: orders }, { store, now });

    // Assert
    expect(result.records[0]).toMatchObject({ result: 'ProcessingFailed', data: '' });
    expect(body(store, q!.objectKey)).toMatchObject({
      error: { name: 'ResponseTooLarge', failReason: 'response-size-limit' },
      record: { eventID: 'e-o-1' },
    });
  });

  it('lets an S3 error through, so the invocation fails and Firehose retries the batch', async () => {
    // Arrange
    const records = [firehoseRecord(0, Buffer.from('x').toString('base64'))];
    const result = transformFirehoseRecords(records, { table: orders, database: 'lake' });

    // Act
    const attempt = quarantineFailedRecords(
      records,
      result,
      { table: orders },
      { store: memoryStore(/./), now },
    );

    // Assert
    await expect(attempt).rejects.toThrow(/^refused quarantine\/orders\//);
  });
});
