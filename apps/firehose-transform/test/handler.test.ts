import { parseDeclaration } from '@ddb-athena-sync/schemas/declaration';
import { orders, ordersInput } from '@ddb-athena-sync/schemas/test-support/example-tables';
import { describe, expect, it } from 'vitest';

import { createHandler } from '../src/handler.js';
import { decodeData, firehoseEvent, kinesisFixture, metricsProbe, testConfig, testDeps } from './helpers.js';
import type { KinesisRecord } from './helpers.js';

const DB = 'lake_db';
/** orders with unique keys instead of append-only: updates and deletes. */
const keyedOrders = parseDeclaration({
  ...ordersInput,
  firehose: { ...ordersInput.firehose, appendOnly: false, removes: 'delete' },
});
const keyedDropRemoves = parseDeclaration({
  ...ordersInput,
  firehose: { ...ordersInput.firehose, appendOnly: false, removes: 'drop' },
});

function handlerFor(table = orders) {
  const probe = metricsProbe();
  return {
    probe,
    handle: createHandler(testDeps(testConfig(table, DB), probe)),
  };
}

/** Fixture records: 0 INSERT o-001, 1 INSERT o-002, 2 MODIFY o-001, 3 INSERT o-003 (bad total), 4 REMOVE o-002. */
function captured(): KinesisRecord[] {
  const records = kinesisFixture();
  expect(records.map((r) => `${r.eventName} ${JSON.stringify(r.dynamodb.Keys)}`)).toEqual([
    'INSERT {"id":{"S":"o-001"}}',
    'INSERT {"id":{"S":"o-002"}}',
    'MODIFY {"id":{"S":"o-001"}}',
    'INSERT {"id":{"S":"o-003"}}',
    'REMOVE {"id":{"S":"o-002"}}',
  ]);
  return records;
}

describe('firehose-transform on an append-only table (orders)', () => {
  it('inserts INSERTs, drops and counts MODIFY/REMOVE, fails malformed records, and goes on', async () => {
    // Arrange: the captured records plus one that is not base64 JSON.
    const { handle, probe } = handlerFor(orders);
    const event = firehoseEvent([...captured(), Buffer.from('{"not json').toString('base64')]);

    // Act
    const response = await handle(event);

    // Assert
    expect(response.records.map((r) => r.recordId)).toEqual(event.records.map((r) => r.recordId));
    expect(response.records.map((r) => [r.result, r.metadata?.otfMetadata.operation])).toEqual([
      ['Ok', 'insert'],
      ['Ok', 'insert'],
      ['Dropped', undefined],
      ['ProcessingFailed', undefined],
      ['Dropped', undefined],
      ['ProcessingFailed', undefined],
    ]);
    expect(response.records[0]!.metadata).toEqual({
      otfMetadata: { destinationDatabaseName: DB, destinationTableName: 'orders', operation: 'insert' },
    });
    expect(decodeData(response.records[0]!)).toEqual({
      id: 'o-001',
      customer_id: 'c-42',
      created_at: '2026-05-01 12:34:56.789000',
      total: '21.48',
      currency: 'EUR',
      status: 'placed',
      line_items: [
        { sku: 'BOOK-1', quantity: 2, unit_price: '9.99' },
        { sku: 'PEN-7', quantity: 1, unit_price: '1.50' },
      ],
      _extra: null,
      _seq: event.records[0]!.kinesisRecordMetadata!.sequenceNumber,
      _updated_at: '2026-11-27 08:29:00.000000',
    });
    expect(decodeData(response.records[1]!)._extra).toBe('{"gift_note":"Happy birthday"}');
    // Failed records keep their source data for Firehose's error output.
    expect(response.records[3]!.data).toBe(event.records[3]!.data);
    expect(probe.published).toEqual([{ Ok: 2, Dropped: 2, ProcessingFailed: 2 }]);
  });

  it('drops a second delivery of the same change within a batch', async () => {
    // Arrange: Kinesis delivered o-001's INSERT twice.
    const [insert] = captured();
    const { handle } = handlerFor(orders);

    // Act
    const response = await handle(firehoseEvent([insert!, insert!]));

    // Assert
    expect(response.records.map((r) => r.result)).toEqual(['Ok', 'Dropped']);
  });
});

describe('firehose-transform on a table with unique keys', () => {
  it('turns INSERT/MODIFY into update and REMOVE into delete, one Ok record per key', async () => {
    // Arrange
    const { handle, probe } = handlerFor(keyedOrders);

    // Act
    const response = await handle(firehoseEvent(captured()));

    // Assert: o-001's INSERT is superseded by its MODIFY, o-002's INSERT by its REMOVE.
    expect(response.records.map((r) => [r.result, r.metadata?.otfMetadata.operation])).toEqual([
      ['Dropped', undefined],
      ['Dropped', undefined],
      ['Ok', 'update'],
      ['ProcessingFailed', undefined],
      ['Ok', 'delete'],
    ]);
    expect(decodeData(response.records[2]!)).toMatchObject({ id: 'o-001', status: 'shipped' });
    expect(Object.keys(decodeData(response.records[4]!)).sort()).toEqual(['_seq', '_updated_at', 'id']);
    expect(probe.published).toEqual([{ Ok: 2, Dropped: 2, ProcessingFailed: 1 }]);
  });

  it('keeps the newest change of a key when Kinesis reorders and repeats the records', async () => {
    // Arrange: reversed, every record twice, each keeping its position in the shard.
    const records = captured();
    const shuffled = [4, 3, 2, 1, 0, 2, 0, 4].map((i) => records[i]!);
    const { handle } = handlerFor(keyedOrders);

    // Act
    const response = await handle(firehoseEvent(shuffled, [4, 3, 2, 1, 0, 2, 0, 4]));

    // Assert
    const ok = response.records
      .filter((r) => r.result === 'Ok')
      .map((r) => [r.metadata!.otfMetadata.operation, decodeData(r)]);
    expect(ok).toEqual([
      ['delete', expect.objectContaining({ id: 'o-002' })],
      ['update', expect.objectContaining({ id: 'o-001', status: 'shipped' })],
    ]);
    expect(response.records.map((r) => r.result)).toEqual([
      'Ok',
      'ProcessingFailed',
      'Ok',
      'Dropped',
      'Dropped',
      'Dropped',
      'Dropped',
      'Dropped',
    ]);
  });

  it('orders by ApproximateCreationDateTime before the shard position', async () => {
    // Arrange: the MODIFY is stamped a second earlier than the INSERT it would otherwise follow.
    const [insert, , modify] = captured();
    const early = {
      ...modify!,
      dynamodb: {
        ...modify!.dynamodb,
        ApproximateCreationDateTime: insert!.dynamodb.ApproximateCreationDateTime - 1000,
      },
    };
    const { handle } = handlerFor(keyedOrders);

    // Act
    const response = await handle(firehoseEvent([insert!, early]));

    // Assert
    expect(response.records.map((r) => r.result)).toEqual(['Ok', 'Dropped']);
    expect(decodeData(response.records[0]!)).toMatchObject({ status: 'placed' });
  });

  it('drops REMOVEs when the declaration says removes: drop', async () => {
    // Arrange
    const remove = captured()[4]!;
    const { handle } = handlerFor(keyedDropRemoves);

    // Act
    const response = await handle(firehoseEvent([remove]));

    // Assert
    expect(response.records).toEqual([{ recordId: 'record-0000', result: 'Dropped', data: '' }]);
  });

  it('drops a REMOVE by TTL when ttlDeletes is ignore, and deletes it when apply', async () => {
    // Arrange
    const ttlRemove = {
      ...captured()[4]!,
      userIdentity: { type: 'Service', principalId: 'dynamodb.amazonaws.com' },
    };
    const apply = parseDeclaration({
      ...ordersInput,
      ttlDeletes: 'apply',
      firehose: { ...ordersInput.firehose, appendOnly: false, removes: 'delete' },
    });

    // Act
    const ignored = await handlerFor(keyedOrders).handle(firehoseEvent([ttlRemove]));
    const applied = await handlerFor(apply).handle(firehoseEvent([ttlRemove]));

    // Assert
    expect(ignored.records[0]!.result).toBe('Dropped');
    expect(applied.records[0]!.metadata?.otfMetadata.operation).toBe('delete');
  });

  it('handles a batch of 500 records: every recordId answered in order, one Ok per key', async () => {
    // Arrange: 250 keys, each INSERTed then MODIFYd; every 25th record is garbage.
    const [insert, , modify] = captured();
    const records: (KinesisRecord | string)[] = [];
    for (let k = 0; k < 250; k++) {
      const id = { S: `o-${1000 + k}` };
      for (const [n, template] of [insert!, modify!].entries()) {
        const i = records.length;
        if (i % 25 === 24) {
          records.push(Buffer.from(`garbage ${i}`).toString('base64'));
          continue;
        }
        records.push({
          ...template,
          eventID: `event-${k}-${n}`,
          dynamodb: { ...template.dynamodb, Keys: { id }, NewImage: { ...template.dynamodb.NewImage, id } },
        });
      }
    }
    const event = firehoseEvent(records);
    const { handle, probe } = handlerFor(keyedOrders);

    // Act
    const response = await handle(event);

    // Assert
    expect(response.records).toHaveLength(500);
    expect(response.records.map((r) => r.recordId)).toEqual(event.records.map((r) => r.recordId));
    const okIds = response.records.filter((r) => r.result === 'Ok').map((r) => decodeData(r).id);
    expect(new Set(okIds).size).toBe(okIds.length);
    expect(okIds).toHaveLength(250);
    expect(probe.published).toEqual([{ Ok: 250, Dropped: 230, ProcessingFailed: 20 }]);
    expect(JSON.stringify(response).length).toBeLessThan(6 * 1024 * 1024);
  });
});
