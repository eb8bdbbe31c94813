import type { _Record as SdkStreamRecord } from '@aws-sdk/client-dynamodb-streams';
import { describe, expect, it } from 'vitest';

import { toKinesisChangeRecord } from '../src/kinesis-records.js';

describe('toKinesisChangeRecord', () => {
  it('reshapes a DynamoDB Streams record into the Kinesis Data Streams for DynamoDB shape', () => {
    const created = new Date('2024-05-01T12:00:00.123Z');
    const record: SdkStreamRecord = {
      eventID: 'e-1',
      eventName: 'INSERT',
      awsRegion: 'us-east-1',
      eventSource: 'aws:dynamodb',
      dynamodb: {
        ApproximateCreationDateTime: created,
        Keys: { id: { S: 'o-1' } },
        NewImage: { id: { S: 'o-1' }, total: { N: '12.50' }, blob: { B: Uint8Array.from([1, 2, 255]) } },
        SequenceNumber: '000000000000000000001',
        SizeBytes: 42,
        StreamViewType: 'NEW_AND_OLD_IMAGES',
      },
    };

    const k = toKinesisChangeRecord(record, 'orders');

    expect(k).toEqual({
      awsRegion: 'us-east-1',
      eventID: 'e-1',
      eventName: 'INSERT',
      userIdentity: null,
      recordFormat: 'application/json',
      tableName: 'orders',
      dynamodb: {
        ApproximateCreationDateTime: created.getTime(),
        Keys: { id: { S: 'o-1' } },
        NewImage: { id: { S: 'o-1' }, total: { N: '12.50' }, blob: { B: 'AQL/' } },
        SizeBytes: 42,
      },
      eventSource: 'aws:dynamodb',
    });
    expect(JSON.stringify(k)).not.toContain('SequenceNumber');
  });

  it('keeps the TTL userIdentity of a REMOVE', () => {
    const record: SdkStreamRecord = {
      eventName: 'REMOVE',
      userIdentity: { Type: 'Service', PrincipalId: 'dynamodb.amazonaws.com' },
      dynamodb: {
        Keys: { id: { S: 'b' } },
        OldImage: { id: { S: 'b' } },
        SequenceNumber: '2',
        ApproximateCreationDateTime: new Date(0),
      },
    };
    expect(toKinesisChangeRecord(record, 'books')).toMatchObject({
      eventName: 'REMOVE',
      userIdentity: { type: 'Service', principalId: 'dynamodb.amazonaws.com' },
    });
  });

  it('is not used on records without keys', () => {
    expect(() => toKinesisChangeRecord({ eventName: 'INSERT', dynamodb: {} }, 'orders')).toThrow(TypeError);
  });
});
