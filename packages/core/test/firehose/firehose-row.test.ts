import { parseDeclaration } from '@ddb-athena-sync/schemas/declaration';
import { orders, ordersInput } from '@ddb-athena-sync/schemas/test-support/example-tables';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { decodeFirehoseRow, encodeFirehoseRow } from '../../src/firehose/firehose-row.js';
import { decodeStreamRecord } from '../../src/stream/decode-record.js';

const order = {
  eventName: 'INSERT',
  dynamodb: {
    ApproximateCreationDateTime: 1714557600,
    SequenceNumber: '300000000000000000001',
    Keys: { id: { S: 'o-1' } },
    NewImage: {
      id: { S: 'o-1' },
      created_at: { S: '2024-05-01T12:00:00.123456Z' },
      total: { N: '9999999999.99' },
      items: { L: [{ M: { sku: { S: 'A' }, quantity: { N: '3' }, unit_price: { N: '0.1' } } }] },
    },
  },
};

function stagedOrder() {
  const result = decodeStreamRecord(order, orders);
  if (result.kind !== 'change') throw new Error('expected a change');
  const { _op: _o, _event_time: eventTime, _source: _s, ...columns } = result.row;
  return { ...columns, _updated_at: eventTime };
}

describe('Firehose record bodies', () => {
  it('send timestamps as epoch microseconds and numbers as exact JSON numbers (Firehose "supported data types")', () => {
    const text = encodeFirehoseRow(orders, stagedOrder());
    expect(text).toContain('"created_at":1714564800123456');
    expect(text).toContain('"total":9999999999.99');
    expect(text).toContain('"line_items":[{"sku":"A","quantity":3,"unit_price":0.10}]');
    expect(text).toContain('"_updated_at":1714557600000000');
    expect(text).not.toContain('_op');
  });

  it('read back into exactly the staged values', () => {
    const staged = stagedOrder();
    expect(decodeFirehoseRow(orders, encodeFirehoseRow(orders, staged))).toEqual(staged);
  });

  it('keep every 64-bit integer, 38-digit decimal and microsecond instant exact', () => {
    const table = parseDeclaration({
      ...ordersInput,
      columns: [
        { name: 'id', type: 'string' },
        { name: 'n', type: 'bigint' },
        { name: 'd', type: 'decimal(38,10)' },
        { name: 't', type: 'timestamp', conversion: 'epoch-micros' },
      ],
      partitioning: [],
      unknownAttributes: 'ignore',
    });
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
        fc.bigInt({ min: -(10n ** 38n) + 1n, max: 10n ** 38n - 1n }),
        fc.bigInt({ min: -62135596800000000n, max: 253402300799999999n }),
        (n, unscaled, micros) => {
          const digits = (unscaled < 0n ? -unscaled : unscaled).toString().padStart(11, '0');
          const d = `${unscaled < 0n ? '-' : ''}${digits.slice(0, -10)}.${digits.slice(-10)}`;
          const result = decodeStreamRecord(
            {
              ...order,
              dynamodb: {
                ...order.dynamodb,
                NewImage: {
                  id: { S: 'x' },
                  n: { N: n.toString() },
                  d: { N: d },
                  t: { N: micros.toString() },
                },
              },
            },
            table,
          );
          if (result.kind !== 'change') throw new Error('expected a change');
          const row = {
            id: result.row.id ?? null,
            n: result.row.n ?? null,
            d: result.row.d ?? null,
            t: result.row.t ?? null,
          };
          expect(decodeFirehoseRow(table, encodeFirehoseRow(table, row))).toEqual(row);
        },
      ),
    );
  });
});
