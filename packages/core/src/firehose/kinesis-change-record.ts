import type { TableDeclaration } from '@ddb-athena-sync/schemas/declaration';

import { MalformedRecordError } from '../errors.js';
import type { RecordContext } from '../errors.js';
import type { AttributeMap } from '../stream/attribute-value.js';
import { describeKey } from '../stream/decode-record.js';
import { MAX_MICROS, MIN_MICROS } from '../stream/timestamp.js';

/**
 * A DynamoDB change as Kinesis Data Streams for DynamoDB writes it (DynamoDB developer guide,
 * "Change data capture for Kinesis Data Streams"): `{awsRegion, eventID, eventName, userIdentity,
 * recordFormat, tableName, dynamodb: {ApproximateCreationDateTime, Keys, NewImage, OldImage,
 * SizeBytes}, eventSource}`. Unlike a Streams record it has no SequenceNumber, its
 * ApproximateCreationDateTime counts milliseconds or microseconds, and Kinesis may deliver it twice
 * and out of order. Typed loosely on purpose: every field is checked here.
 */
export interface KinesisChangeRecord {
  readonly awsRegion?: string;
  readonly eventID?: string;
  readonly eventName?: string;
  readonly userIdentity?: { readonly type?: string; readonly principalId?: string } | null;
  readonly recordFormat?: string;
  readonly tableName?: string;
  readonly eventSource?: string;
  readonly dynamodb?: {
    readonly ApproximateCreationDateTime?: number;
    readonly Keys?: AttributeMap;
    readonly NewImage?: AttributeMap;
    readonly OldImage?: AttributeMap;
    readonly SizeBytes?: number;
  };
}

export interface KinesisChange {
  readonly eventName: 'INSERT' | 'MODIFY' | 'REMOVE';
  readonly eventID: string | undefined;
  /** When the change happened, in microseconds since the epoch. */
  readonly eventTimeMicros: bigint;
  readonly keys: AttributeMap;
  /** INSERT and MODIFY only. */
  readonly newImage: AttributeMap | undefined;
  /** A REMOVE performed by the TTL process (userIdentity Service / dynamodb.amazonaws.com). */
  readonly ttl: boolean;
  readonly context: RecordContext;
}

/**
 * Below this an ApproximateCreationDateTime is milliseconds, at or above it microseconds. The
 * record does not say which precision the table's Kinesis destination uses
 * (ApproximateCreationDateTimePrecision MILLISECOND | MICROSECOND), but the ranges cannot overlap
 * for a real write: 1e14 ms is the year 5138, and 1e14 µs is March 1973, before DynamoDB existed.
 */
export const MICROSECOND_THRESHOLD = 100_000_000_000_000;

/** Epoch microseconds of an ApproximateCreationDateTime in either precision. */
export function creationTimeMicros(value: number): bigint {
  const whole = BigInt(Math.trunc(value));
  return value >= MICROSECOND_THRESHOLD ? whole : whole * 1000n;
}

function isAttributeMap(value: unknown): value is AttributeMap {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const STRICT_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Decodes the base64 `data` of a Firehose record and JSON-parses it; MalformedRecordError otherwise. */
export function parseKinesisData(data: unknown, table: TableDeclaration): KinesisChangeRecord {
  const ctx: RecordContext = { table: table.name, sequenceNumber: undefined, key: undefined };
  if (typeof data !== 'string') throw new MalformedRecordError(ctx, 'data is not a base64 string');
  // Buffer.from(s, 'base64') skips characters outside the alphabet, which would silently "repair"
  // corrupted data; Firehose sends standard, padded base64, so anything else is malformed.
  if (!STRICT_BASE64.test(data)) throw new MalformedRecordError(ctx, 'data is not base64 of JSON');
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(data, 'base64').toString('utf8'));
  } catch (error) {
    throw new MalformedRecordError(ctx, 'data is not base64 of JSON', { cause: error });
  }
  if (!isAttributeMap(parsed)) throw new MalformedRecordError(ctx, 'data is not a JSON object');
  return parsed;
}

/**
 * Checks the envelope of a Kinesis-format DynamoDB change record for `table`. Throws
 * `MalformedRecordError` (a PoisonRecordError: never retried) for anything that is not one.
 */
export function decodeKinesisChange(record: KinesisChangeRecord, table: TableDeclaration): KinesisChange {
  const ddb = record.dynamodb;
  const context: RecordContext = {
    table: table.name,
    sequenceNumber: undefined,
    key: describeKey(table, ddb?.Keys),
  };
  if (!isAttributeMap(ddb)) throw new MalformedRecordError(context, 'no "dynamodb" object');
  if (record.tableName !== undefined && record.tableName !== table.dynamodb.tableName) {
    // One Kinesis stream may carry several tables; this transform is configured for one.
    throw new MalformedRecordError(
      context,
      `record of DynamoDB table ${JSON.stringify(record.tableName)}, expected ${JSON.stringify(table.dynamodb.tableName)}`,
    );
  }
  const eventName = record.eventName;
  if (eventName !== 'INSERT' && eventName !== 'MODIFY' && eventName !== 'REMOVE') {
    throw new MalformedRecordError(
      context,
      `eventName must be INSERT, MODIFY or REMOVE, got ${JSON.stringify(eventName)}`,
    );
  }
  const created = ddb.ApproximateCreationDateTime;
  if (typeof created !== 'number' || !Number.isFinite(created) || created < 0) {
    throw new MalformedRecordError(
      context,
      'ApproximateCreationDateTime is not epoch milliseconds or microseconds',
    );
  }
  const eventTimeMicros = creationTimeMicros(created);
  if (eventTimeMicros < MIN_MICROS || eventTimeMicros > MAX_MICROS) {
    throw new MalformedRecordError(context, 'ApproximateCreationDateTime is out of range');
  }
  if (!isAttributeMap(ddb.Keys)) throw new MalformedRecordError(context, 'Keys is missing');
  const newImage: unknown = ddb.NewImage;
  if (eventName !== 'REMOVE' && !isAttributeMap(newImage)) {
    throw new MalformedRecordError(context, `${eventName} without NewImage`);
  }
  const ttl =
    eventName === 'REMOVE' &&
    record.userIdentity?.type === 'Service' &&
    record.userIdentity.principalId === 'dynamodb.amazonaws.com';
  return {
    eventName,
    eventID: typeof record.eventID === 'string' ? record.eventID : undefined,
    eventTimeMicros,
    keys: ddb.Keys,
    newImage: eventName === 'REMOVE' ? undefined : (newImage as AttributeMap),
    ttl,
    context,
  };
}
