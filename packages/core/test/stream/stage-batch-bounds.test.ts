import { parseDeclaration } from '@ddb-athena-sync/schemas/declaration';
import { books } from '@ddb-athena-sync/schemas/test-support/example-tables';
import { describe, expect, it } from 'vitest';

import { STAGED_PARTITION_BOUNDS_METADATA, decodeBoundsMetadata } from '../../src/sql/partition-bounds.js';
import type { DynamoDBStreamRecord } from '../../src/stream/decode-record.js';
import { stageStreamBatch } from '../../src/stream/stage-batch.js';
import type { ObjectStore } from '../../src/stream/stage-batch.js';

// Staging records the bounds of the partition source columns in the object's S3 metadata, where
// the merger reads them with HeadObject (sql/partition-bounds.ts).

const events = parseDeclaration({
  name: 'events',
  dynamodb: { tableName: 'events', partitionKey: 'id' },
  columns: [
    { name: 'id', type: 'string' },
    { name: 'created_at', type: 'timestamp', conversion: 'iso8601', immutable: true },
    { name: 'v', type: 'string' },
  ],
  mode: 'merge',
  partitioning: ['day(created_at)'],
});

function metadataStore(): ObjectStore & { metadata: Map<string, Readonly<Record<string, string>>> } {
  const metadata = new Map<string, Readonly<Record<string, string>>>();
  return {
    metadata,
    putObject({ key, metadata: m }) {
      metadata.set(key, m ?? {});
      return Promise.resolve();
    },
  };
}

const ARN = 'arn:aws:dynamodb:us-east-1:000000000000:table/events/stream/2026-11-27T08:20:47.530';

/** A stream record as DynamoDB Streams delivers it with the NEW_AND_OLD_IMAGES view type. */
function record(
  n: number,
  eventName: 'INSERT' | 'MODIFY' | 'REMOVE',
  id: string,
  created: string | undefined,
  options: { oldImage?: boolean } = {},
): DynamoDBStreamRecord {
  const image = {
    id: { S: id },
    v: { S: `v${n}` },
    ...(created === undefined ? {} : { created_at: { S: created } }),
  };
  return {
    eventID: `e${n}`,
    eventName,
    eventSource: 'aws:dynamodb',
    eventSourceARN: ARN,
    dynamodb: {
      ApproximateCreationDateTime: 1795767600 + n,
      Keys: { id: { S: id } },
      ...(eventName === 'REMOVE' ? {} : { NewImage: image }),
      ...(eventName === 'REMOVE' && options.oldImage !== false ? { OldImage: image } : {}),
      SequenceNumber: String(n).padStart(21, '0'),
      StreamViewType: 'NEW_AND_OLD_IMAGES',
    },
  };
}

async function boundsOf(records: DynamoDBStreamRecord[], table = events) {
  const store = metadataStore();
  const result = await stageStreamBatch(records, { table }, { store, now: () => 1795767700_000 });
  const metadata = store.metadata.get(result.staged!.objectKey)!;
  return {
    raw: metadata[STAGED_PARTITION_BOUNDS_METADATA],
    bounds: decodeBoundsMetadata(metadata[STAGED_PARTITION_BOUNDS_METADATA]),
  };
}

describe('stageStreamBatch records partition bounds', () => {
  it('min and max of created_at, a delete counted by its old image', async () => {
    // Act
    const { bounds } = await boundsOf([
      record(1, 'INSERT', 'a', '2026-11-30T10:00:00Z'),
      record(2, 'MODIFY', 'b', '2026-12-01T09:00:00Z'),
      record(3, 'REMOVE', 'c', '2026-11-29T23:59:59.5Z'),
    ]);
    // Assert
    expect(bounds).toEqual({
      created_at: { min: '2026-11-29 23:59:59.500000', max: '2026-12-01 09:00:00.000000' },
    });
  });

  it('no bounds when a delete has no old image, or an upsert has no value', async () => {
    expect(
      (
        await boundsOf([
          record(1, 'INSERT', 'a', '2026-11-30T10:00:00Z'),
          record(2, 'REMOVE', 'c', 'x', { oldImage: false }),
        ])
      ).raw,
    ).toBeUndefined();
    expect(
      (
        await boundsOf([
          record(1, 'INSERT', 'a', '2026-11-30T10:00:00Z'),
          record(2, 'INSERT', 'b', undefined),
        ])
      ).raw,
    ).toBeUndefined();
  });

  it('nothing for a bucket-partitioned table', async () => {
    const store = metadataStore();
    const { NewImage } = { NewImage: { id: { S: 'b-1' } } };
    const result = await stageStreamBatch(
      [
        {
          ...record(1, 'INSERT', 'b-1', undefined),
          dynamodb: { ...record(1, 'INSERT', 'b-1', undefined).dynamodb, NewImage },
        },
      ],
      { table: books },
      { store, now: () => 1795767700_000 },
    );
    expect(Object.keys(store.metadata.get(result.staged!.objectKey)!)).toEqual(['rows', 'oldest-event-time']);
  });
});
