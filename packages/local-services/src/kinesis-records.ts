import type { _Record as SdkStreamRecord } from '@aws-sdk/client-dynamodb-streams';

import { toLambdaImage } from './stream-records.js';
import type { LambdaAttributeValue } from './stream-records.js';

/**
 * A change record as Kinesis Data Streams for DynamoDB writes it (and Firehose hands it to a
 * transformation Lambda, base64-encoded): the DynamoDB Streams record without SequenceNumber and
 * StreamViewType, with `tableName` and `recordFormat`, and ApproximateCreationDateTime in
 * milliseconds (DynamoDB developer guide, "Kinesis Data Streams for DynamoDB").
 */
export interface KinesisChangeRecord {
  awsRegion: string;
  eventID: string;
  eventName: 'INSERT' | 'MODIFY' | 'REMOVE';
  userIdentity: { type: string; principalId: string } | null;
  recordFormat: 'application/json';
  tableName: string;
  dynamodb: {
    ApproximateCreationDateTime: number;
    Keys: Record<string, LambdaAttributeValue>;
    NewImage?: Record<string, LambdaAttributeValue>;
    OldImage?: Record<string, LambdaAttributeValue>;
    SizeBytes: number;
  };
  eventSource: 'aws:dynamodb';
}

/**
 * Converts a DynamoDB Streams record (GetRecords, AWS SDK shape) into the Kinesis record shape.
 * Locally the table's DynamoDB stream stands in for its Kinesis data stream: the same changes,
 * reshaped. `eventID` is kept from the stream record, so a record delivered twice has one id.
 */
export function toKinesisChangeRecord(record: SdkStreamRecord, tableName: string): KinesisChangeRecord {
  const d = record.dynamodb;
  if (d?.Keys === undefined || record.eventName === undefined)
    throw new TypeError('stream record without dynamodb.Keys or eventName');
  return {
    awsRegion: record.awsRegion ?? 'us-east-1',
    eventID: record.eventID ?? d.SequenceNumber ?? '',
    eventName: record.eventName,
    userIdentity:
      record.userIdentity?.Type !== undefined && record.userIdentity.PrincipalId !== undefined
        ? { type: record.userIdentity.Type, principalId: record.userIdentity.PrincipalId }
        : null,
    recordFormat: 'application/json',
    tableName,
    dynamodb: {
      ApproximateCreationDateTime: (d.ApproximateCreationDateTime ?? new Date()).getTime(),
      Keys: toLambdaImage(d.Keys),
      ...(d.NewImage === undefined ? {} : { NewImage: toLambdaImage(d.NewImage) }),
      ...(d.OldImage === undefined ? {} : { OldImage: toLambdaImage(d.OldImage) }),
      SizeBytes: d.SizeBytes ?? 0,
    },
    eventSource: 'aws:dynamodb',
  };
}
