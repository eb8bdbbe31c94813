import type {
  _Record as SdkStreamRecord,
  AttributeValue as SdkAttributeValue,
} from '@aws-sdk/client-dynamodb-streams';

/** An AttributeValue in the JSON shape Lambda delivers: binary as base64 strings. */
export type LambdaAttributeValue =
  | { S: string }
  | { N: string }
  | { B: string }
  | { BOOL: boolean }
  | { NULL: true }
  | { SS: string[] }
  | { NS: string[] }
  | { BS: string[] }
  | { M: Record<string, LambdaAttributeValue> }
  | { L: LambdaAttributeValue[] };

/** A DynamoDB Streams record exactly as the Lambda event source mapping delivers it. */
export interface LambdaStreamRecord {
  eventID: string;
  eventName: 'INSERT' | 'MODIFY' | 'REMOVE';
  eventVersion: string;
  eventSource: 'aws:dynamodb';
  awsRegion: string;
  eventSourceARN: string;
  userIdentity?: { type: string; principalId: string };
  dynamodb: {
    ApproximateCreationDateTime: number;
    Keys: Record<string, LambdaAttributeValue>;
    NewImage?: Record<string, LambdaAttributeValue>;
    OldImage?: Record<string, LambdaAttributeValue>;
    SequenceNumber: string;
    SizeBytes: number;
    StreamViewType: string;
  };
}

function toLambdaValue(value: SdkAttributeValue): LambdaAttributeValue {
  if (value.S !== undefined) return { S: value.S };
  if (value.N !== undefined) return { N: value.N };
  if (value.B !== undefined) return { B: Buffer.from(value.B).toString('base64') };
  if (value.BOOL !== undefined) return { BOOL: value.BOOL };
  if (value.NULL !== undefined) return { NULL: true };
  if (value.SS !== undefined) return { SS: [...value.SS] };
  if (value.NS !== undefined) return { NS: [...value.NS] };
  if (value.BS !== undefined) return { BS: value.BS.map((b) => Buffer.from(b).toString('base64')) };
  if (value.M !== undefined) return { M: toLambdaImage(value.M) };
  if (value.L !== undefined) return { L: value.L.map(toLambdaValue) };
  throw new TypeError('AttributeValue with no known type');
}

export function toLambdaImage(
  image: Record<string, SdkAttributeValue>,
): Record<string, LambdaAttributeValue> {
  return Object.fromEntries(Object.entries(image).map(([k, v]) => [k, toLambdaValue(v)]));
}

/**
 * Converts a record from DynamoDB Streams GetRecords (AWS SDK shape: Date, Uint8Array) into the
 * shape Lambda hands a function (https://docs.aws.amazon.com/lambda/latest/dg/with-ddb.html):
 * epoch seconds, base64 binary, `eventSourceARN` added.
 */
export function toLambdaStreamRecord(record: SdkStreamRecord, eventSourceARN: string): LambdaStreamRecord {
  const d = record.dynamodb;
  if (d?.SequenceNumber === undefined || d.Keys === undefined || record.eventName === undefined) {
    throw new TypeError('stream record without dynamodb.SequenceNumber, Keys or eventName');
  }
  const created = d.ApproximateCreationDateTime;
  return {
    eventID: record.eventID ?? d.SequenceNumber,
    eventName: record.eventName,
    eventVersion: record.eventVersion ?? '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: record.awsRegion ?? 'us-east-1',
    eventSourceARN,
    ...(record.userIdentity?.Type !== undefined && record.userIdentity.PrincipalId !== undefined
      ? { userIdentity: { type: record.userIdentity.Type, principalId: record.userIdentity.PrincipalId } }
      : {}),
    dynamodb: {
      ApproximateCreationDateTime:
        created === undefined ? Math.floor(Date.now() / 1000) : Math.floor(created.getTime() / 1000),
      Keys: toLambdaImage(d.Keys),
      ...(d.NewImage === undefined ? {} : { NewImage: toLambdaImage(d.NewImage) }),
      ...(d.OldImage === undefined ? {} : { OldImage: toLambdaImage(d.OldImage) }),
      SequenceNumber: d.SequenceNumber,
      SizeBytes: d.SizeBytes ?? 0,
      StreamViewType: d.StreamViewType ?? 'NEW_AND_OLD_IMAGES',
    },
  };
}
