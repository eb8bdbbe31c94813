import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { orders } from '@ddb-athena-sync/schemas/test-support/example-tables';
import { useLocalServices } from '@ddb-athena-sync/local-services/test-support/use-local-services';
import { describe, expect, it } from 'vitest';

import { s3ObjectStore } from '../src/deps.js';
import { createHandler } from '../src/handler.js';
import { firehoseEvent, kinesisFixture, metricsProbe, testConfig, testDeps } from './helpers.js';

const local = useLocalServices({ buckets: ['lake'] });

describe('firehose-transform quarantine against s3rver', () => {
  it('writes every ProcessingFailed record with its reason under quarantine/<table>/', async () => {
    // Firehose's transformation response has no field for a reason (Firehose developer guide, "Data
    // transformation and status model": recordId, result, data, metadata), so the error output only
    // says "result ProcessingFailed"; the transform stores the reason itself.
    // Arrange: the captured batch (o-003's total does not fit decimal(12,2)) plus one non-JSON record.
    const handle = createHandler(
      testDeps(testConfig(orders, 'lake_db'), metricsProbe(), s3ObjectStore(local.s3, 'lake')),
    );
    const event = firehoseEvent([...kinesisFixture(), Buffer.from('{"not json').toString('base64')]);

    // Act
    const response = await handle(event);

    // Assert
    const failed = response.records.filter((r) => r.result === 'ProcessingFailed').map((r) => r.recordId);
    const listed = await local.s3.send(
      new ListObjectsV2Command({ Bucket: 'lake', Prefix: 'quarantine/orders/' }),
    );
    const keys = (listed.Contents ?? []).map((o) => o.Key!).sort();
    const bodies = await Promise.all(
      keys.map(async (Key) => {
        const object = await local.s3.send(new GetObjectCommand({ Bucket: 'lake', Key }));
        return JSON.parse(await object.Body!.transformToString()) as Record<string, unknown>;
      }),
    );
    expect(failed).toHaveLength(2);
    expect(keys).toHaveLength(2);
    expect(bodies.map((b) => b.firehoseRecordId).sort()).toEqual([...failed].sort());
    const overflow = bodies.find((b) => (b.error as { name: string }).name === 'ValueMappingError');
    expect(overflow).toMatchObject({
      table: 'orders',
      reason: expect.stringMatching(/^attribute total: /) as unknown,
      error: { attribute: 'total', failReason: 'value-mapping' },
      record: { eventName: 'INSERT', dynamodb: { Keys: { id: { S: 'o-003' } } } },
    });
  });
});
