import { describe, expect, it } from 'vitest';

import { FirehoseStandIn } from '../src/firehose-stand-in.js';
import type { FirehoseTransformEvent, RoutedRecord } from '../src/firehose-stand-in.js';

const b64 = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64');

describe('FirehoseStandIn', () => {
  it('buffers until the interval, transforms, commits Ok records by operation and sends failures to the error output', async () => {
    const invocations: FirehoseTransformEvent[] = [];
    const committed: RoutedRecord[] = [];
    const errors: { kind: string; reasons: string[] }[] = [];
    const firehose = new FirehoseStandIn({
      deliveryStreamName: 'orders-delivery',
      bufferingSizeBytes: 1024 * 1024,
      bufferingIntervalMs: 50,
      transform: (event) => {
        invocations.push(event);
        return Promise.resolve({
          records: event.records.map((r) => {
            const doc = JSON.parse(Buffer.from(r.data, 'base64').toString()) as { id: string; kind: string };
            if (doc.kind === 'drop') return { recordId: r.recordId, result: 'Dropped' };
            if (doc.kind === 'bad') return { recordId: r.recordId, result: 'ProcessingFailed', data: r.data };
            return {
              recordId: r.recordId,
              result: 'Ok',
              data: b64({ id: doc.id }),
              metadata: {
                otfMetadata: {
                  destinationDatabaseName: 'default',
                  destinationTableName: 'orders',
                  operation: 'insert',
                },
              },
            };
          }),
        });
      },
      commit: (records) => Promise.resolve(void committed.push(...records)),
      errorOutput: (kind, records) =>
        Promise.resolve(void errors.push({ kind, reasons: records.map((r) => r.reason) })),
    });

    const first = firehose.put([
      JSON.stringify({ id: 'a', kind: 'ok' }),
      JSON.stringify({ id: 'b', kind: 'drop' }),
    ]);
    const second = firehose.put([
      JSON.stringify({ id: 'c', kind: 'bad' }),
      JSON.stringify({ id: 'd', kind: 'ok' }),
    ]);
    await Promise.all([first, second]);

    expect(invocations).toHaveLength(1);
    expect(invocations[0]!.records).toHaveLength(4);
    expect(committed.map((r) => [r.table, r.operation, r.row.id])).toEqual([
      ['orders', 'insert', 'a'],
      ['orders', 'insert', 'd'],
    ]);
    expect(errors).toEqual([{ kind: 'processing-failed', reasons: ['result ProcessingFailed'] }]);
    expect(firehose.stats).toMatchObject({
      records: 4,
      committed: 2,
      dropped: 1,
      processingFailed: 1,
      deliveries: 1,
    });
    await firehose.stop();
  });

  it('flushes at once when the size hint is reached, and retries a failing commit', async () => {
    let commits = 0;
    const firehose = new FirehoseStandIn({
      deliveryStreamName: 'x',
      bufferingSizeBytes: 10,
      bufferingIntervalMs: 60_000,
      retryBackoffMs: 1,
      transform: (event) =>
        Promise.resolve({
          records: event.records.map((r) => ({
            recordId: r.recordId,
            result: 'Ok',
            data: r.data,
            metadata: { otfMetadata: { destinationTableName: 'orders', operation: 'update' } },
          })),
        }),
      commit: () => (++commits < 3 ? Promise.reject(new Error('commit conflict')) : Promise.resolve()),
      errorOutput: () => Promise.reject(new Error('not expected')),
    });

    await firehose.put([JSON.stringify({ id: 'a-long-enough-document' })]);

    expect(commits).toBe(3);
    expect(firehose.stats.committed).toBe(1);
    await firehose.stop();
  });
});
