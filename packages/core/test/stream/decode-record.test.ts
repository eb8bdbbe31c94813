import { readFileSync } from 'node:fs';

import { parseDeclaration } from '@ddb-athena-sync/schemas/declaration';
import type { TableDeclarationInput } from '@ddb-athena-sync/schemas/declaration';
import { books, booksInput, orders } from '@ddb-athena-sync/schemas/test-support/example-tables';
import { describe, expect, it } from 'vitest';

import {
  MalformedRecordError,
  MissingKeyError,
  PoisonRecordError,
  UnknownAttributeError,
  ValueMappingError,
} from '../../src/errors.js';
import { decodeStreamRecord, isTtlRemoval } from '../../src/stream/decode-record.js';
import type { DynamoDBStreamRecord } from '../../src/stream/decode-record.js';

interface Fixture {
  note: string;
  records: DynamoDBStreamRecord[];
}

/** Stream records captured from DynamoDB Local (see the fixture's `note` and scripts/capture-stream-fixtures.ts). */
function fixture(name: string): DynamoDBStreamRecord[] {
  const parsed = JSON.parse(
    readFileSync(new URL(`../fixtures/stream-records/${name}`, import.meta.url), 'utf8'),
  ) as Fixture;
  return parsed.records;
}

const captured = fixture('books.json');
const [insertDune, insertNeuromancer, modifyDune, removeDune, insertBadDate, removeNeuromancer] =
  captured as [
    DynamoDBStreamRecord,
    DynamoDBStreamRecord,
    DynamoDBStreamRecord,
    DynamoDBStreamRecord,
    DynamoDBStreamRecord,
    DynamoDBStreamRecord,
  ];

function decodeChange(record: DynamoDBStreamRecord, table = books) {
  const result = decodeStreamRecord(record, table);
  if (result.kind !== 'change') throw new Error(`expected a change, got ${result.kind}`);
  return result;
}

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

describe('decodeStreamRecord on records captured from DynamoDB Local', () => {
  it('turns an INSERT into an upsert row with typed columns', () => {
    const { row, ttl } = decodeChange(insertDune);
    expect(ttl).toBe(false);
    expect(row).toEqual({
      id: 'b-001',
      name: 'Dune',
      author: 'Frank Herbert',
      summary: "A desert planet's spice",
      // date = -139881600000000000 ns = -1619 days: 1965-07-27, before the epoch.
      published_at: '1965-07-27 00:00:00.000000',
      _op: 'upsert',
      // The stream epoch (the ARN's label 2026-11-27T08:20:47.530), then the padded sequence number.
      _seq: `20261127082047530${insertDune.dynamodb!.SequenceNumber!.padStart(40, '0')}`,
      _event_time: expect.stringMatching(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.000000$/),
      _source: 'stream',
    });
  });

  it('truncates nanoseconds to microseconds and nulls absent attributes', () => {
    const { row } = decodeChange(insertNeuromancer);
    expect(row.published_at).toBe('1984-06-27 00:00:00.123456');
    expect(row.summary).toBeNull();
  });

  it('takes the whole new image of a MODIFY', () => {
    const { row } = decodeChange(modifyDune);
    expect(row).toMatchObject({
      id: 'b-001',
      summary: 'Politics, religion and ecology on Arrakis',
      name: 'Dune',
      _op: 'upsert',
    });
  });

  it('turns a REMOVE into a delete carrying only the key', () => {
    const { row } = decodeChange(removeDune);
    expect(row).toMatchObject({
      id: 'b-001',
      name: null,
      author: null,
      summary: null,
      published_at: null,
      _op: 'delete',
    });
  });

  it('orders the rows of one item by _seq as the stream delivered them', () => {
    const seqs = [insertDune, modifyDune, removeDune].map((r) => decodeChange(r).row._seq);
    expect([...seqs].sort()).toEqual(seqs);
    expect(new Set(seqs).size).toBe(3);
  });

  it('raises a ValueMappingError naming table, key, sequence number, attribute and type', () => {
    const error = thrown(() => decodeStreamRecord(insertBadDate, books));
    expect(error).toBeInstanceOf(ValueMappingError);
    expect(error).toBeInstanceOf(PoisonRecordError);
    expect(error).toMatchObject({
      name: 'ValueMappingError',
      table: 'books',
      key: { id: 'b-003' },
      sequenceNumber: insertBadDate.dynamodb!.SequenceNumber,
      attribute: 'date',
      expectedType: 'timestamp',
      actualType: 'S',
    });
    // The message names where the problem is, never the offending value itself.
    expect((error as Error).message).not.toContain('not a number');
  });
});

describe('TTL removals', () => {
  const [ttlRemove] = fixture('books-ttl-remove.json') as [DynamoDBStreamRecord];

  it('recognises the service principal of TTL deletions', () => {
    expect(isTtlRemoval(ttlRemove)).toBe(true);
    expect(isTtlRemoval(removeNeuromancer)).toBe(false);
  });

  it('applies them as deletes under the "apply" policy', () => {
    const result = decodeChange(ttlRemove);
    expect(result.ttl).toBe(true);
    expect(result.row).toMatchObject({ id: 'b-002', _op: 'delete' });
  });

  it('skips them under the "ignore" policy, but not user deletes', () => {
    const keepHistory = parseDeclaration({ ...booksInput, ttlDeletes: 'ignore' });
    expect(decodeStreamRecord(ttlRemove, keepHistory)).toEqual({
      kind: 'skipped',
      reason: 'ttl-ignored',
      sequenceNumber: ttlRemove.dynamodb!.SequenceNumber,
    });
    expect(decodeChange(removeNeuromancer, keepHistory).row._op).toBe('delete');
  });
});

describe('every DynamoDB type (captured from DynamoDB Local)', () => {
  const [item] = fixture('types.json') as [DynamoDBStreamRecord];
  const input: TableDeclarationInput = {
    name: 'types',
    dynamodb: { tableName: 'types', partitionKey: 'id' },
    columns: [
      { name: 'id', type: 'string' },
      { name: 's', type: 'string' },
      { name: 'n_int', type: 'bigint' },
      { name: 'n_big', type: 'decimal(38,0)' },
      { name: 'n_dec', type: 'decimal(38,37)' },
      { name: 'b', type: 'binary' },
      { name: 'bool', type: 'boolean' },
      { name: 'nul', type: 'string' },
      { name: 'ss', type: 'array<string>' },
      { name: 'ns', type: 'array<decimal(3,1)>' },
      { name: 'bs', type: 'json' },
      { name: 'm', type: 'json' },
      { name: 'l', type: 'array<struct<sku:string,quantity:int>>' },
    ],
    mode: 'merge',
  };

  it('maps S, N, B, BOOL, NULL, SS, NS, BS, M and L exactly', () => {
    const { row } = decodeChange(item, parseDeclaration(input));
    expect(row).toMatchObject({
      s: 'text',
      n_int: '9223372036854775807',
      n_big: '12345678901234567890123456789012345678',
      n_dec: '-0.0000000000000000000000000000000000010',
      b: Buffer.from([0, 1, 2, 253, 254, 255]).toString('base64'),
      bool: true,
      nul: null,
      ss: ['a', 'b'],
      ns: ['1.0', '2.5'],
      bs: JSON.stringify([Buffer.from([1]).toString('base64'), Buffer.from([2, 3]).toString('base64')]),
      // Map keys sorted: DynamoDB keeps no order in M.
      m: '{"inner":1,"list":["x",2]}',
      l: [{ sku: 'A-1', quantity: 2 }, null],
    });
  });

  it('keeps unknown attributes per policy', () => {
    const narrow = { ...input, columns: input.columns.slice(0, 2) };
    const ignore = decodeChange(item, parseDeclaration(narrow)).row;
    expect(Object.keys(ignore)).toEqual(['id', 's', '_op', '_seq', '_event_time', '_source']);

    const extra = decodeChange(
      item,
      parseDeclaration({ ...narrow, unknownAttributes: 'extra-json-column' }),
    ).row;
    expect(JSON.parse(extra._extra as string)).toMatchObject({
      n_big: expect.any(Number),
      bool: true,
      ss: ['a', 'b'],
    });
    // The exact digits survive in the JSON text even though JSON.parse would round them.
    expect(extra._extra).toContain('"n_big":12345678901234567890123456789012345678');

    const error = thrown(() =>
      decodeStreamRecord(item, parseDeclaration({ ...narrow, unknownAttributes: 'fail' })),
    );
    expect(error).toBeInstanceOf(UnknownAttributeError);
    expect((error as UnknownAttributeError).attributes).toEqual(
      expect.arrayContaining(['n_int', 'b', 'm', 'l']),
    );
  });
});

describe('malformed envelopes', () => {
  const good = insertDune;
  const cases: [string, unknown, RegExp][] = [
    ['no dynamodb object', { eventName: 'INSERT' }, /no "dynamodb" object/],
    ['a null record', null, /no "dynamodb" object/],
    [
      'a non-numeric SequenceNumber',
      { ...good, dynamodb: { ...good.dynamodb, SequenceNumber: '12a' } },
      /SequenceNumber/,
    ],
    [
      'a 41-digit SequenceNumber',
      { ...good, dynamodb: { ...good.dynamodb, SequenceNumber: '1'.repeat(41) } },
      /SequenceNumber/,
    ],
    ['an unknown eventName', { ...good, eventName: 'UPSERT' }, /eventName must be/],
    [
      'no creation time',
      { ...good, dynamodb: { ...good.dynamodb, ApproximateCreationDateTime: 'yesterday' } },
      /ApproximateCreationDateTime/,
    ],
    ['no Keys', { ...good, dynamodb: { ...good.dynamodb, Keys: undefined } }, /Keys is missing/],
    [
      'no NewImage (KEYS_ONLY stream)',
      { ...good, dynamodb: { ...good.dynamodb, NewImage: undefined } },
      /NEW_IMAGE or NEW_AND_OLD_IMAGES/,
    ],
  ];

  it.each(cases)('rejects %s with a MalformedRecordError', (_label, record, reason) => {
    const error = thrown(() => decodeStreamRecord(record as DynamoDBStreamRecord, books));
    expect(error).toBeInstanceOf(MalformedRecordError);
    expect((error as MalformedRecordError).table).toBe('books');
    expect((error as MalformedRecordError).reason).toMatch(reason);
  });

  it('rejects a missing key attribute with a MissingKeyError', () => {
    const error = thrown(() =>
      decodeStreamRecord({ ...good, dynamodb: { ...good.dynamodb, Keys: { isbn: { S: 'x' } } } }, books),
    );
    expect(error).toBeInstanceOf(MissingKeyError);
    expect(error).toMatchObject({
      attribute: 'id',
      table: 'books',
      sequenceNumber: good.dynamodb!.SequenceNumber,
    });
  });

  it('reads the orders declaration with decimals, ISO timestamps and nested line items', () => {
    const { row } = decodeChange(
      {
        eventName: 'INSERT',
        dynamodb: {
          ApproximateCreationDateTime: 1714557600,
          SequenceNumber: '300000000000000000001',
          Keys: { id: { S: 'o-1' } },
          NewImage: {
            id: { S: 'o-1' },
            customer_id: { S: 'c-9' },
            created_at: { S: '2024-05-01T12:00:00.25+02:00' },
            total: { N: '1234567890.5' },
            items: { L: [{ M: { sku: { S: 'A' }, quantity: { N: '3' }, unit_price: { N: '0.1' } } }] },
          },
        },
      },
      orders,
    );
    expect(row).toMatchObject({
      created_at: '2024-05-01 10:00:00.250000',
      total: '1234567890.50',
      line_items: [{ sku: 'A', quantity: 3, unit_price: '0.10' }],
      _extra: null,
      _event_time: '2024-05-01 10:00:00.000000',
    });
  });
});
