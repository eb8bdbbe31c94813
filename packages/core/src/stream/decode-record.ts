import type { ColumnDeclaration, TableDeclaration } from '@ddb-athena-sync/schemas/declaration';

import { MalformedRecordError, MissingKeyError, UnknownAttributeError } from '../errors.js';
import type { RecordContext } from '../errors.js';
import { attributeType } from './attribute-value.js';
import type { AttributeMap, AttributeValue } from './attribute-value.js';
import type { ChangeSource, StagedValue, StagingRow } from './change-row.js';
import { attributesToJson, mapAttributeValue } from './map-value.js';
import { changeSequence, isSequenceNumber } from './sequence-number.js';
import { formatEpochSeconds } from './timestamp.js';

/**
 * A DynamoDB Streams record as Lambda delivers it
 * (https://docs.aws.amazon.com/lambda/latest/dg/with-ddb.html). Typed loosely on purpose: every
 * field is checked here, so a malformed envelope becomes a `MalformedRecordError`, not a crash.
 */
export interface DynamoDBStreamRecord {
  readonly eventID?: string;
  readonly eventName?: string;
  readonly eventSource?: string;
  readonly eventSourceARN?: string;
  readonly awsRegion?: string;
  readonly userIdentity?: { readonly type?: string; readonly principalId?: string };
  readonly dynamodb?: {
    readonly ApproximateCreationDateTime?: number;
    readonly Keys?: AttributeMap;
    readonly NewImage?: AttributeMap;
    readonly OldImage?: AttributeMap;
    readonly SequenceNumber?: string;
    readonly SizeBytes?: number;
    readonly StreamViewType?: string;
  };
}

export type DecodeResult =
  | { readonly kind: 'change'; readonly row: StagingRow; readonly ttl: boolean }
  /** A REMOVE by TTL on a table whose policy is `ignore`: nothing to stage. */
  | { readonly kind: 'skipped'; readonly reason: 'ttl-ignored'; readonly sequenceNumber: string };

/**
 * TTL deletions are the only REMOVE events the DynamoDB service itself performs
 * (DynamoDB developer guide, "TTL and DynamoDB Streams").
 */
export function isTtlRemoval(record: DynamoDBStreamRecord): boolean {
  return (
    record.eventName === 'REMOVE' &&
    record.userIdentity?.type === 'Service' &&
    record.userIdentity.principalId === 'dynamodb.amazonaws.com'
  );
}

function isAttributeMap(value: unknown): value is AttributeMap {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Key values as text for error context (`id=abc`); never throws. */
export function describeKey(table: TableDeclaration, keys: unknown): Record<string, string> | undefined {
  if (!isAttributeMap(keys)) return undefined;
  const out: Record<string, string> = {};
  for (const attribute of [table.dynamodb.partitionKey, table.dynamodb.sortKey]) {
    if (attribute === undefined) continue;
    const av = keys[attribute];
    const tag = attributeType(av);
    if (av === undefined || tag === undefined) continue;
    const raw = (av as Record<string, unknown>)[tag];
    out[attribute] = typeof raw === 'string' ? raw : tag;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

function keyColumnsOf(table: TableDeclaration): ColumnDeclaration[] {
  return table.columns.filter((c) => c.isKey);
}

export function mapColumn(
  column: ColumnDeclaration,
  av: AttributeValue | undefined,
  ctx: RecordContext,
): StagedValue {
  if (av === undefined) return null;
  // The three RecordContext fields spelled out: an object spread here ran once per column of every
  // record and was the stream-writer's largest self-time entry (issue 9 benchmark, --cpu-prof).
  return mapAttributeValue(av, column.type, {
    table: ctx.table,
    sequenceNumber: ctx.sequenceNumber,
    key: ctx.key,
    attribute: column.source,
    conversion: column.conversion,
  });
}

/** Key columns from a map that must hold them (Keys of a stream record, or an item). */
export function mapKey(
  table: TableDeclaration,
  keys: AttributeMap,
  ctx: RecordContext,
): Record<string, StagedValue> {
  const out: Record<string, StagedValue> = {};
  for (const column of keyColumnsOf(table)) {
    const av = keys[column.source];
    if (av === undefined || attributeType(av) === 'NULL') throw new MissingKeyError(ctx, column.source);
    out[column.name] = mapColumn(column, av, ctx);
  }
  return out;
}

/**
 * Every column of an item image, keys included; absent attributes are null. Undeclared attributes
 * follow the table's policy: ignored, kept as JSON in `_extra`, or an `UnknownAttributeError`.
 */
export function mapImage(
  table: TableDeclaration,
  image: AttributeMap,
  ctx: RecordContext,
): Record<string, StagedValue> {
  const out: Record<string, StagedValue> = mapKey(table, image, ctx);
  for (const column of table.columns) {
    if (!column.isKey) out[column.name] = mapColumn(column, image[column.source], ctx);
  }
  if (table.unknownAttributes !== 'ignore') {
    const declared = new Set(table.columns.map((c) => c.source));
    if (table.dynamodb.ttlAttribute !== undefined) declared.add(table.dynamodb.ttlAttribute);
    const unknown = Object.keys(image).filter((name) => !declared.has(name));
    if (table.unknownAttributes === 'fail' && unknown.length > 0)
      throw new UnknownAttributeError(ctx, unknown);
    if (table.unknownAttributes === 'extra-json-column') {
      out._extra =
        unknown.length === 0
          ? null
          : attributesToJson(Object.fromEntries(unknown.map((name) => [name, image[name]!])), {
              ...ctx,
              attribute: '_extra',
            });
    }
  }
  return out;
}

/** Null for every non-key column: the shape of a delete row. */
function nullColumns(table: TableDeclaration): Record<string, StagedValue> {
  const out: Record<string, StagedValue> = {};
  for (const column of table.columns) if (!column.isKey) out[column.name] = null;
  if (table.unknownAttributes === 'extra-json-column') out._extra = null;
  return out;
}

export interface RowMeta {
  readonly op: 'upsert' | 'delete';
  readonly sequence: string;
  readonly eventTime: string;
  readonly source: ChangeSource;
}

/** Assembles a staging row with the system columns last (stable NDJSON column order). */
export function buildRow(columns: Record<string, StagedValue>, meta: RowMeta): StagingRow {
  return { ...columns, _op: meta.op, _seq: meta.sequence, _event_time: meta.eventTime, _source: meta.source };
}

/**
 * Decodes one DynamoDB Streams record into a staging row: INSERT/MODIFY become upserts of the
 * NewImage, REMOVE a delete of the key (TTL removals per the table's `ttlDeletes` policy).
 * Throws a `PoisonRecordError` subclass for anything that can never be processed.
 */
export function decodeStreamRecord(record: DynamoDBStreamRecord, table: TableDeclaration): DecodeResult {
  const ddb = typeof record === 'object' && record !== null ? record.dynamodb : undefined;
  const rawSeq = ddb?.SequenceNumber;
  const ctx: RecordContext = {
    table: table.name,
    sequenceNumber: typeof rawSeq === 'string' ? rawSeq : undefined,
    key: describeKey(table, ddb?.Keys),
  };
  if (typeof ddb !== 'object' || ddb === null) {
    throw new MalformedRecordError(ctx, 'no "dynamodb" object');
  }
  if (!isSequenceNumber(rawSeq))
    throw new MalformedRecordError(ctx, 'SequenceNumber is not 1-40 decimal digits');
  const eventName = record.eventName;
  if (eventName !== 'INSERT' && eventName !== 'MODIFY' && eventName !== 'REMOVE') {
    throw new MalformedRecordError(
      ctx,
      `eventName must be INSERT, MODIFY or REMOVE, got ${JSON.stringify(eventName)}`,
    );
  }
  const created = ddb.ApproximateCreationDateTime;
  if (typeof created !== 'number' || !Number.isFinite(created) || created < 0) {
    throw new MalformedRecordError(ctx, 'ApproximateCreationDateTime is not epoch seconds');
  }
  if (!isAttributeMap(ddb.Keys)) throw new MalformedRecordError(ctx, 'Keys is missing');

  let eventTime: string;
  try {
    eventTime = formatEpochSeconds(created);
  } catch (error) {
    throw new MalformedRecordError(ctx, 'ApproximateCreationDateTime is out of range', { cause: error });
  }
  // Ordered by (stream epoch, sequence number): see sequence-number.ts.
  const sequence = changeSequence(record.eventSourceARN, rawSeq);

  if (eventName === 'REMOVE') {
    const ttl = isTtlRemoval(record);
    if (ttl && table.ttlDeletes === 'ignore')
      return { kind: 'skipped', reason: 'ttl-ignored', sequenceNumber: rawSeq };
    const key = mapKey(table, ddb.Keys, ctx);
    return {
      kind: 'change',
      ttl,
      row: buildRow(
        { ...key, ...nullColumns(table) },
        { op: 'delete', sequence, eventTime, source: 'stream' },
      ),
    };
  }

  if (!isAttributeMap(ddb.NewImage)) {
    throw new MalformedRecordError(
      ctx,
      `${eventName} without NewImage: the stream view type must be NEW_IMAGE or NEW_AND_OLD_IMAGES`,
    );
  }
  // The key comes from Keys (always present); the image supplies every other column.
  const key = mapKey(table, ddb.Keys, ctx);
  const columns = mapImage(table, { ...ddb.NewImage, ...ddb.Keys }, ctx);
  return {
    kind: 'change',
    ttl: false,
    row: buildRow({ ...columns, ...key }, { op: 'upsert', sequence, eventTime, source: 'stream' }),
  };
}
