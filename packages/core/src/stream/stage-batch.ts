import { createHash } from 'node:crypto';

import type { TableDeclaration } from '@ddb-athena-sync/schemas/declaration';

import { PoisonRecordError } from '../errors.js';
import {
  DEFAULT_QUARANTINE_PREFIX,
  DEFAULT_STAGING_PREFIX,
  quarantineKey,
  streamObjectKey,
} from '../staging/staging-key.js';
import {
  encodeStagingObject,
  STAGING_CONTENT_ENCODING,
  STAGING_CONTENT_TYPE,
  stagingMetadata,
} from '../staging/staging-object.js';
import { boundedColumns, rowBounds } from '../sql/partition-bounds.js';
import { appendDisposition } from './append-only.js';
import type { StagedValue, StagingRow } from './change-row.js';
import { decodeStreamRecord, describeKey, mapColumn } from './decode-record.js';
import type { DynamoDBStreamRecord } from './decode-record.js';
import { compareSequenceNumbers, isSequenceNumber } from './sequence-number.js';

/** The one thing stage-batch needs from S3: a durable PUT (S3 PutObject is strongly consistent). */
export interface ObjectStore {
  putObject(object: {
    readonly key: string;
    readonly body: Uint8Array;
    readonly contentType: string;
    readonly contentEncoding?: string;
    /** S3 user metadata (staged objects: rows and oldest event time, see staging-object.ts). */
    readonly metadata?: Readonly<Record<string, string>>;
  }): Promise<void>;
}

export interface StageBatchDeps {
  readonly store: ObjectStore;
  /** Milliseconds since the epoch (record age, quarantine timestamps). */
  readonly now: () => number;
}

export interface StageBatchOptions {
  readonly table: TableDeclaration;
  readonly stagingPrefix?: string;
  readonly quarantinePrefix?: string;
}

/** `ReportBatchItemFailures` response item (https://docs.aws.amazon.com/lambda/latest/dg/with-ddb.html). */
export interface BatchItemFailure {
  readonly itemIdentifier: string;
}

/** What the handler may log about a quarantined record: never the item's contents or key values. */
export interface QuarantinedRecord {
  readonly objectKey: string;
  readonly sequenceNumber: string | undefined;
  readonly errorName: string;
  /** Attribute the problem is about, when there is one. */
  readonly attribute: string | undefined;
  /** Why, without values: e.g. "epoch-nanos needs an N value". */
  readonly reason: string;
}

export interface StageBatchResult {
  /** Empty when everything up to the end of the batch is staged, quarantined or skipped. */
  readonly batchItemFailures: readonly BatchItemFailure[];
  /** The staged object, when the batch had rows to stage and the PUT succeeded. */
  readonly staged: { readonly objectKey: string; readonly rows: number; readonly bytes: number } | undefined;
  readonly quarantined: readonly QuarantinedRecord[];
  readonly skipped: number;
  /**
   * MODIFY and REMOVE records of an append-mode table dropped under its `drop` policy (append-only.ts):
   * counted, as firehose mode counts them, never staged.
   */
  readonly dropped: { readonly modifies: number; readonly removes: number };
  /** Age of the oldest record of the batch at the time of the call (approximate, whole seconds). */
  readonly oldestRecordAgeMs: number | undefined;
  /** Why the batch (or its tail) is reported failed: an S3 error, or an error that is not a poison record. */
  readonly error: unknown;
}

/**
 * A name for "this batch of this stream" that is the same every time Lambda delivers the same
 * records. Lambda's DynamoDB event carries no shard id, and `eventSourceARN` names the stream, not
 * the shard. The first staged record's `eventID` is "a globally unique identifier for the event"
 * (DynamoDB Streams API, Record) and belongs to exactly one shard, so together with the stream ARN
 * (a recreated stream gets a new ARN and may reuse sequence numbers) and the first/last sequence
 * numbers in the object key, the key names one batch of one shard, also with a parallelization
 * factor above 1, where concurrent batches of one shard never share a record.
 */
export function batchToken(eventSourceARN: string | undefined, eventID: string | undefined): string {
  return createHash('sha256')
    .update(`${eventSourceARN ?? ''}\n${eventID ?? ''}`)
    .digest('hex')
    .slice(0, 16);
}

interface Decoded {
  readonly record: DynamoDBStreamRecord;
  readonly sequenceNumber: string;
  readonly row: StagingRow;
}

function recordTimeMs(record: DynamoDBStreamRecord): number | undefined {
  const t =
    typeof record === 'object' && record !== null ? record.dynamodb?.ApproximateCreationDateTime : undefined;
  return typeof t === 'number' && Number.isFinite(t) && t >= 0 && t < 253402300800 ? t * 1000 : undefined;
}

function sequenceOf(record: DynamoDBStreamRecord): string | undefined {
  const seq = typeof record === 'object' && record !== null ? record.dynamodb?.SequenceNumber : undefined;
  return isSequenceNumber(seq) ? seq : undefined;
}

/**
 * The row as the partition bounds see it (sql/partition-bounds.ts): a delete row carries only its
 * key, but the target row it deletes has the old values, so a delete contributes the old image's
 * value of each bounded column (REMOVE records carry OldImage under the NEW_AND_OLD_IMAGES view
 * type, DynamoDB developer guide, "Change data capture for DynamoDB Streams"). Without it, or when
 * it does not decode, the value is null and that column is left unbounded.
 */
function boundRow(table: TableDeclaration, d: Decoded): Readonly<Record<string, StagedValue>> {
  if (d.row._op !== 'delete') return d.row;
  const old = d.record.dynamodb?.OldImage;
  const out: Record<string, StagedValue> = { ...d.row };
  for (const column of boundedColumns(table)) {
    if (column.isKey) continue;
    const av = typeof old === 'object' && old !== null ? old[column.source] : undefined;
    try {
      out[column.name] = mapColumn(column, av, {
        table: table.name,
        sequenceNumber: d.sequenceNumber,
        key: describeKey(table, d.record.dynamodb?.Keys),
      });
    } catch {
      out[column.name] = null;
    }
  }
  return out;
}

/** Error fields worth keeping in the quarantine object (context and reason, no stack). */
function errorFields(error: PoisonRecordError): Record<string, unknown> {
  const out: Record<string, unknown> = { name: error.name, message: error.message };
  for (const [k, v] of Object.entries(error)) if (k !== 'stack' && k !== 'cause') out[k] = v;
  return out;
}

function safeReason(error: PoisonRecordError): { attribute: string | undefined; reason: string } {
  const e = error as PoisonRecordError & {
    attribute?: unknown;
    reason?: unknown;
    expectedType?: unknown;
    actualType?: unknown;
    attributes?: unknown;
  };
  const attribute = typeof e.attribute === 'string' ? e.attribute : undefined;
  if (typeof e.reason === 'string') {
    const types = typeof e.expectedType === 'string' ? ` (${String(e.actualType)} -> ${e.expectedType})` : '';
    return { attribute, reason: `${e.reason}${types}` };
  }
  if (Array.isArray(e.attributes))
    return { attribute, reason: `undeclared attributes ${e.attributes.join(', ')}` };
  return {
    attribute,
    reason: attribute === undefined ? error.name : `key attribute ${attribute} is missing`,
  };
}

/**
 * Turns one DynamoDB Streams batch into durable S3 objects and the Lambda response.
 *
 * - Every record decodes to a staging row, a skip (TTL removal under `ttlDeletes: ignore`) or a
 *   `PoisonRecordError`. Poison records get one quarantine object each (reason, error class and
 *   fields, the record) and do not block the shard.
 * - The rows go to ONE gzip NDJSON object at `streamObjectKey`, a key fixed by the records
 *   themselves, so a retried batch overwrites its own object instead of adding a duplicate.
 * - Quarantine objects are written first, the staging object last; any S3 error reports the whole
 *   batch failed (itemIdentifier = the first record's SequenceNumber, where Lambda resumes), so
 *   nothing is acknowledged that is not durably staged or quarantined.
 * - An error that is not a poison record (a bug, not bad data) at record k stages records before k
 *   and reports k's SequenceNumber: Lambda retries from there (and bisects, then gives up to the
 *   on-failure destination after the mapping's finite retries).
 */
export async function stageStreamBatch(
  records: readonly DynamoDBStreamRecord[],
  options: StageBatchOptions,
  deps: StageBatchDeps,
): Promise<StageBatchResult> {
  const { table } = options;
  const stagingPrefix = options.stagingPrefix ?? DEFAULT_STAGING_PREFIX;
  const quarantinePrefix = options.quarantinePrefix ?? DEFAULT_QUARANTINE_PREFIX;
  const startedAt = deps.now();

  const times = records.map(recordTimeMs).filter((t): t is number => t !== undefined);
  const oldest = times.length === 0 ? undefined : Math.min(...times);
  const oldestRecordAgeMs = oldest === undefined ? undefined : Math.max(0, startedAt - oldest);
  const fallbackTime = oldest ?? startedAt;

  const decoded: Decoded[] = [];
  const poison: { record: DynamoDBStreamRecord; error: PoisonRecordError }[] = [];
  let skipped = 0;
  const dropped = { modifies: 0, removes: 0 };
  let stopAt: { index: number; error: unknown } | undefined;

  for (const [index, record] of records.entries()) {
    try {
      // Append tables stage INSERTs only (append-only.ts); a `quarantine` policy throws a poison error.
      const disposition = appendDisposition(record, table);
      if (disposition !== 'stage') {
        if (disposition === 'drop-modify') dropped.modifies++;
        else dropped.removes++;
        continue;
      }
      const result = decodeStreamRecord(record, table);
      if (result.kind === 'skipped') skipped++;
      else decoded.push({ record, sequenceNumber: sequenceOf(record)!, row: result.row });
    } catch (error) {
      if (error instanceof PoisonRecordError) {
        poison.push({ record, error });
        continue;
      }
      stopAt = { index, error };
      break;
    }
  }

  const failWhole = (error: unknown): StageBatchResult => ({
    // An empty identifier also fails the whole batch (Lambda developer guide, "Reporting batch item
    // failures"); it only happens when the first record has no readable SequenceNumber.
    batchItemFailures: records.length === 0 ? [] : [{ itemIdentifier: sequenceOf(records[0]!) ?? '' }],
    staged: undefined,
    quarantined: [],
    skipped: 0,
    dropped: { modifies: 0, removes: 0 },
    oldestRecordAgeMs,
    error,
  });

  const quarantined: QuarantinedRecord[] = [];
  try {
    for (const { record, error } of poison) {
      const seq = sequenceOf(record);
      // A poison record may be anything at all (null, a string, an eventID that is a number): it is
      // named from the parts that are what they should be, never read blindly.
      const envelope: DynamoDBStreamRecord = typeof record === 'object' && record !== null ? record : {};
      const eventID = typeof envelope.eventID === 'string' ? envelope.eventID : undefined;
      const objectKey = quarantineKey({
        table: table.name,
        shardId: batchToken(
          typeof envelope.eventSourceARN === 'string' ? envelope.eventSourceARN : undefined,
          eventID,
        ),
        // A record too broken to carry a sequence number is named by its eventID.
        sequenceNumber: seq ?? eventID ?? 'unknown',
        eventTime: new Date(recordTimeMs(record) ?? fallbackTime),
        prefix: quarantinePrefix,
      });
      const body = {
        table: table.name,
        reason: error.message,
        error: errorFields(error),
        quarantinedAt: new Date(startedAt).toISOString(),
        record,
      };
      await deps.store.putObject({
        key: objectKey,
        body: Buffer.from(`${JSON.stringify(body, null, 2)}\n`),
        contentType: 'application/json',
      });
      quarantined.push({ objectKey, sequenceNumber: seq, errorName: error.name, ...safeReason(error) });
    }
  } catch (error) {
    return failWhole(error);
  }

  let staged: StageBatchResult['staged'];
  if (decoded.length > 0) {
    let first = decoded[0]!;
    let last = decoded[0]!;
    for (const d of decoded) {
      if (compareSequenceNumbers(d.sequenceNumber, first.sequenceNumber) < 0) first = d;
      if (compareSequenceNumbers(d.sequenceNumber, last.sequenceNumber) > 0) last = d;
    }
    const objectKey = streamObjectKey({
      table: table.name,
      shardId: batchToken(first.record.eventSourceARN, first.record.eventID),
      firstSequenceNumber: first.sequenceNumber,
      lastSequenceNumber: last.sequenceNumber,
      firstEventTime: new Date(recordTimeMs(first.record)!),
      prefix: stagingPrefix,
    });
    const rows = decoded.map((d) => d.row);
    const body = encodeStagingObject(rows);
    const bounds = rowBounds(
      table,
      decoded.map((d) => boundRow(table, d)),
    );
    try {
      await deps.store.putObject({
        key: objectKey,
        body,
        contentType: STAGING_CONTENT_TYPE,
        contentEncoding: STAGING_CONTENT_ENCODING,
        metadata: stagingMetadata(rows, bounds),
      });
    } catch (error) {
      return failWhole(error);
    }
    staged = { objectKey, rows: decoded.length, bytes: body.byteLength };
  }

  return {
    batchItemFailures:
      stopAt === undefined ? [] : [{ itemIdentifier: sequenceOf(records[stopAt.index]!) ?? '' }],
    staged,
    quarantined,
    skipped,
    dropped,
    oldestRecordAgeMs,
    error: stopAt?.error,
  };
}
