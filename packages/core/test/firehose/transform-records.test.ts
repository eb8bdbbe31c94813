import { readFileSync } from 'node:fs';

import { parseDeclaration } from '@ddb-athena-sync/schemas/declaration';
import type { TableDeclaration } from '@ddb-athena-sync/schemas/declaration';
import { describe, expect, it } from 'vitest';

import { decodeFirehoseRow } from '../../src/firehose/firehose-row.js';
import { creationTimeMicros, MICROSECOND_THRESHOLD } from '../../src/firehose/kinesis-change-record.js';
import {
  DEFAULT_MAX_RESPONSE_BYTES,
  responseBytes,
  transformFirehoseRecords,
} from '../../src/firehose/transform-records.js';
import type { FirehoseInputRecord } from '../../src/firehose/transform-records.js';
import { readAllStagingRows } from '../../src/staging/staging-object.js';
import type { DynamoDBStreamRecord } from '../../src/stream/decode-record.js';
import { stageStreamBatch } from '../../src/stream/stage-batch.js';

/** Every DynamoDB type of the captured `types` item, declared in firehose mode with unique keys. */
const types = parseDeclaration({
  name: 'types',
  dynamodb: { tableName: 'types', partitionKey: 'id' },
  columns: [
    { name: 'id', type: 'string' },
    { name: 's', type: 'string' },
    { name: 'n_int', type: 'bigint' },
    { name: 'n_big', type: 'decimal(38,0)' },
    { name: 'n_dec', type: 'decimal(38,36)' },
    { name: 'b', type: 'binary' },
    { name: 'bool', type: 'boolean' },
    { name: 'nul', type: 'string' },
    { name: 'ss', type: 'array<string>' },
    { name: 'ns', type: 'array<decimal(4,1)>' },
    { name: 'bs', type: 'json' },
    { name: 'm', type: 'json' },
    { name: 'l', type: 'array<struct<sku:string,quantity:int>>' },
  ],
  mode: 'firehose',
  firehose: { appendOnly: false, removes: 'delete' },
});

function streamRecords(name: string): DynamoDBStreamRecord[] {
  return (
    JSON.parse(readFileSync(new URL(`../fixtures/stream-records/${name}.json`, import.meta.url), 'utf8')) as {
      records: DynamoDBStreamRecord[];
    }
  ).records;
}

/** The same change in the Kinesis Data Streams for DynamoDB shape (no SequenceNumber, milliseconds). */
function toKinesis(
  record: DynamoDBStreamRecord,
  tableName: string,
  precision: 'ms' | 'us' = 'ms',
): Record<string, unknown> {
  const d = record.dynamodb!;
  return {
    awsRegion: record.awsRegion,
    eventID: record.eventID,
    eventName: record.eventName,
    userIdentity: record.userIdentity ?? null,
    recordFormat: 'application/json',
    tableName,
    dynamodb: {
      ApproximateCreationDateTime: d.ApproximateCreationDateTime! * (precision === 'ms' ? 1000 : 1_000_000),
      Keys: d.Keys,
      NewImage: d.NewImage,
      OldImage: d.OldImage,
      SizeBytes: d.SizeBytes,
    },
    eventSource: 'aws:dynamodb',
  };
}

function input(records: readonly unknown[]): FirehoseInputRecord[] {
  return records.map((r, i) => ({
    recordId: `r${i}`,
    data: Buffer.from(JSON.stringify(r)).toString('base64'),
  }));
}

/** The raw JSON Firehose receives (timestamps in microseconds, numbers as JSON numbers). */
function wire(data: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(data, 'base64').toString('utf8')) as Record<string, unknown>;
}

/** The same record body read losslessly into the table's values, as the destination reads it. */
function decode(data: string, table: TableDeclaration): Record<string, unknown> {
  return decodeFirehoseRow(table, Buffer.from(data, 'base64').toString('utf8'));
}

describe('one value mapping for both modes', () => {
  it('gives every column of the captured types item the same value in stream-writer staging and in Firehose output', async () => {
    // Arrange
    const [record] = streamRecords('types');
    const objects = new Map<string, Uint8Array>();
    const store = {
      putObject: ({ key, body }: { key: string; body: Uint8Array }) =>
        Promise.resolve(void objects.set(key, body)),
    };

    // Act: the stream-writer path (stageStreamBatch) and the firehose-transform path.
    const staged = await stageStreamBatch([record!], { table: types }, { store, now: () => 0 });
    const [stagedRow] = await readAllStagingRows([...objects.values()][0]!);
    const transformed = transformFirehoseRecords(input([toKinesis(record!, 'types')]), {
      table: types,
      database: 'db',
    });
    const firehoseRow = decode(transformed.records[0]!.data, types);

    // Assert
    expect(staged.staged?.rows).toBe(1);
    for (const column of types.columns) {
      expect({ column: column.name, value: firehoseRow[column.name] }).toEqual({
        column: column.name,
        value: stagedRow![column.name],
      });
    }
    expect(firehoseRow._updated_at).toBe(stagedRow!._event_time);
    // Spot checks that the shared values are the exact ones, not merely equal to each other.
    expect(firehoseRow).toMatchObject({
      n_big: '12345678901234567890123456789012345678',
      n_dec: '-0.000000000000000000000000000000000001',
      b: 'AAEC/f7/',
      nul: null,
    });
  });
});

describe('transformFirehoseRecords', () => {
  it('reads ApproximateCreationDateTime in milliseconds and in microseconds alike', () => {
    // Arrange
    const [record] = streamRecords('books');
    const books = parseDeclaration({ ...booksLike, mode: 'firehose', firehose: {} });

    // Act
    const ms = transformFirehoseRecords(input([toKinesis(record!, 'books', 'ms')]), {
      table: books,
      database: 'db',
    });
    const us = transformFirehoseRecords(input([toKinesis(record!, 'books', 'us')]), {
      table: books,
      database: 'db',
    });

    // Assert: both are the instant the Streams record gives in seconds (1795767600).
    expect(decode(ms.records[0]!.data, books)._updated_at).toBe('2026-11-27 08:20:00.000000');
    expect(decode(us.records[0]!.data, books)._updated_at).toBe('2026-11-27 08:20:00.000000');
    // On the wire, as the Firehose developer guide requires for timestamps: microseconds.
    expect(wire(us.records[0]!.data)._updated_at).toBe(1795767600000000);
    expect(creationTimeMicros(1795767600_000)).toBe(creationTimeMicros(1795767600_000_000));
    expect(creationTimeMicros(MICROSECOND_THRESHOLD - 1)).toBe(BigInt(MICROSECOND_THRESHOLD - 1) * 1000n);
  });

  it('fails a record of another DynamoDB table instead of routing it', () => {
    // Arrange
    const [record] = streamRecords('types');

    // Act
    const out = transformFirehoseRecords(input([toKinesis(record!, 'someone-else')]), {
      table: types,
      database: 'db',
    });

    // Assert
    expect(out.outcomes[0]).toMatchObject({
      result: 'ProcessingFailed',
      reason: 'malformed',
      errorName: 'MalformedRecordError',
    });
  });

  it('keeps the response under the limit by failing the last Ok records', () => {
    // Arrange: 500 distinct items with a 16 KB attribute each: about 11 MB of output if all were Ok.
    const [record] = streamRecords('types');
    const big = 'x'.repeat(16 * 1024);
    const records = Array.from({ length: 500 }, (_, i) => {
      const k = toKinesis(record!, 'types') as {
        eventID: string;
        dynamodb: { Keys: unknown; NewImage: Record<string, unknown> };
      };
      const id = { S: `t-${i}` };
      return {
        ...k,
        eventID: `e-${i}`,
        dynamodb: { ...k.dynamodb, Keys: { id }, NewImage: { ...k.dynamodb.NewImage, id, s: { S: big } } },
      };
    });

    // Act
    const out = transformFirehoseRecords(input(records), { table: types, database: 'db' });

    // Assert
    const size = responseBytes(out.records);
    expect(size).toBeLessThanOrEqual(DEFAULT_MAX_RESPONSE_BYTES);
    expect(Buffer.byteLength(JSON.stringify({ records: out.records }))).toBe(size);
    expect(out.counts.Ok).toBeGreaterThan(200);
    expect(out.counts.ProcessingFailed).toBe(500 - out.counts.Ok);
    const firstFailed = out.outcomes.findIndex((o) => o.result === 'ProcessingFailed');
    expect(out.outcomes.slice(firstFailed).every((o) => o.reason === 'response-size-limit')).toBe(true);
    expect(out.outcomes.slice(0, firstFailed).every((o) => o.result === 'Ok')).toBe(true);
  });

  it('never puts record contents in the outcomes it returns for logging', () => {
    // Arrange: a value that does not fit (a string in a bigint column).
    const [record] = streamRecords('types');
    const k = toKinesis(record!, 'types') as { dynamodb: { NewImage: Record<string, unknown> } };
    const bad = {
      ...k,
      dynamodb: { ...k.dynamodb, NewImage: { ...k.dynamodb.NewImage, n_int: { S: 'secret-value' } } },
    };

    // Act
    const out = transformFirehoseRecords(input([bad]), { table: types, database: 'db' });

    // Assert
    expect(out.outcomes[0]).toMatchObject({
      result: 'ProcessingFailed',
      reason: 'value-mapping',
      errorName: 'ValueMappingError',
    });
    expect(JSON.stringify(out.outcomes)).not.toMatch(/secret-value|t-001/);
  });
});

const booksLike = {
  name: 'books',
  dynamodb: { tableName: 'books', partitionKey: 'id' },
  columns: [
    { name: 'id', type: 'string' },
    { name: 'name', type: 'string' },
  ],
} as const;
