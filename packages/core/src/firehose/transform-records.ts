import type { TableDeclaration } from '@ddb-athena-sync/schemas/declaration';

import { MalformedRecordError, PoisonRecordError } from '../errors.js';
import type { StagedValue } from '../stream/change-row.js';
import { mapImage, mapKey } from '../stream/decode-record.js';
import { formatMicros } from '../stream/timestamp.js';
import { encodeFirehoseRow } from './firehose-row.js';
import { decodeKinesisChange, parseKinesisData } from './kinesis-change-record.js';
import type { KinesisChange } from './kinesis-change-record.js';

/** One record of a Firehose data-transformation event (Firehose developer guide, "Transform source data"). */
export interface FirehoseInputRecord {
  readonly recordId: string;
  readonly data: string;
  readonly approximateArrivalTimestamp?: number;
  /** Present when the source is a Kinesis data stream. */
  readonly kinesisRecordMetadata?: {
    readonly shardId?: string;
    readonly partitionKey?: string;
    readonly sequenceNumber?: string;
    readonly subsequenceNumber?: string;
    readonly approximateArrivalTimestamp?: string | number;
  };
}

export type FirehoseResult = 'Ok' | 'Dropped' | 'ProcessingFailed';
export type IcebergOperation = 'insert' | 'update' | 'delete';

/**
 * One record of the response. `metadata.otfMetadata` routes an Ok record to its Iceberg table with
 * an operation (Firehose developer guide, "Route incoming records to different Iceberg tables").
 */
export interface FirehoseOutputRecord {
  readonly recordId: string;
  readonly result: FirehoseResult;
  readonly data: string;
  readonly metadata?: {
    readonly otfMetadata: {
      readonly destinationDatabaseName: string;
      readonly destinationTableName: string;
      readonly operation: IcebergOperation;
    };
  };
}

export type DropReason =
  'append-only-modify' | 'append-only-remove' | 'remove-dropped' | 'ttl-ignored' | 'duplicate' | 'superseded';
export type FailReason = 'malformed' | 'value-mapping' | 'response-size-limit' | 'unexpected';

/** What the handler may log per record: never the data. */
export interface RecordOutcome {
  readonly recordId: string;
  readonly result: FirehoseResult;
  readonly operation?: IcebergOperation;
  readonly reason?: DropReason | FailReason;
  /** Error class and a value-free description, for ProcessingFailed. */
  readonly errorName?: string;
  readonly detail?: string;
}

export interface TransformOptions {
  readonly table: TableDeclaration;
  readonly database: string;
  /** Bytes the JSON response may take (default: Lambda's 6 MB synchronous payload limit, minus a margin). */
  readonly maxResponseBytes?: number;
}

export interface TransformResult {
  /** One per input record, in input order, recordId unchanged. */
  readonly records: FirehoseOutputRecord[];
  readonly outcomes: RecordOutcome[];
  readonly counts: Readonly<Record<FirehoseResult, number>>;
  /**
   * The error behind each ProcessingFailed record that threw, by input index: what the quarantine
   * object keeps (error class and context; PoisonRecordError messages hold no item values).
   */
  readonly errors: ReadonlyMap<number, unknown>;
}

/**
 * Lambda's synchronous response limit is 6 MB (Lambda quotas: "Invocation payload (request and
 * response) 6 MB each for synchronous"); Firehose invokes the transform synchronously. The margin
 * covers the `{"records":[...]}` wrapper and rounding of what Lambda counts.
 */
export const DEFAULT_MAX_RESPONSE_BYTES = 6 * 1024 * 1024 - 64 * 1024;

interface Candidate {
  readonly index: number;
  readonly change: KinesisChange;
  readonly operation: IcebergOperation;
  readonly keyId: string;
  readonly row: Record<string, StagedValue>;
  readonly shardId: string | undefined;
  readonly kinesisSequence: string | undefined;
}

function compareDigits(a: string, b: string): number {
  return a.length !== b.length ? a.length - b.length : a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Newer change first. ApproximateCreationDateTime orders changes of one item; within one Kinesis
 * shard the sequence number breaks ties (both changes of one item in one tick); last, the later
 * position in the batch wins.
 */
function isNewer(a: Candidate, b: Candidate): boolean {
  if (a.change.eventTimeMicros !== b.change.eventTimeMicros)
    return a.change.eventTimeMicros > b.change.eventTimeMicros;
  if (
    a.shardId !== undefined &&
    a.shardId === b.shardId &&
    a.kinesisSequence !== undefined &&
    b.kinesisSequence !== undefined
  ) {
    const c = compareDigits(a.kinesisSequence, b.kinesisSequence);
    if (c !== 0) return c > 0;
  }
  return a.index > b.index;
}

function describeFailure(error: unknown): { reason: FailReason; errorName: string; detail: string } {
  if (error instanceof PoisonRecordError) {
    const e = error as PoisonRecordError & {
      attribute?: unknown;
      reason?: unknown;
      expectedType?: unknown;
      actualType?: unknown;
    };
    const detail =
      typeof e.attribute === 'string' && typeof e.reason === 'string'
        ? `attribute ${e.attribute}: ${e.reason}${typeof e.expectedType === 'string' ? ` (${String(e.actualType)} -> ${e.expectedType})` : ''}`
        : typeof e.reason === 'string'
          ? e.reason
          : typeof e.attribute === 'string'
            ? `key attribute ${e.attribute} is missing`
            : error.name;
    return {
      reason: error instanceof MalformedRecordError ? 'malformed' : 'value-mapping',
      errorName: error.name,
      detail,
    };
  }
  return {
    reason: 'unexpected',
    errorName: error instanceof Error ? error.name : typeof error,
    detail: 'not a poison record error',
  };
}

/**
 * Firehose transformation of Kinesis-format DynamoDB changes into Iceberg rows, with the same value
 * mapping as stream-writer (`mapImage`/`mapKey`), so a value lands identically in both modes.
 *
 * - Unique keys (not appendOnly): INSERT/MODIFY -> `update` (Firehose deletes the key, then inserts:
 *   one row per key); REMOVE -> `delete`, or Dropped when `firehose.removes` is `drop`.
 * - appendOnly: INSERT -> `insert`; MODIFY and REMOVE are Dropped and counted.
 * - TTL removals follow `ttlDeletes` (ignore -> Dropped), as in merge mode.
 * - Kinesis delivers twice and out of order: within the batch, a repeated eventID is Dropped as a
 *   duplicate, and with unique keys only the newest change of each key stays Ok (two updates of one
 *   key in one Iceberg commit would both insert). Across batches Firehose applies what arrives.
 * - Malformed records and values that do not fit are ProcessingFailed with their original data (so
 *   Firehose's error output keeps the source record); the rest of the batch goes on.
 * - The response stays under `maxResponseBytes`: if the Ok records do not all fit, the last ones
 *   become ProcessingFailed (`response-size-limit`) with empty data and land in the error output.
 */
export function transformFirehoseRecords(
  records: readonly FirehoseInputRecord[],
  options: TransformOptions,
): TransformResult {
  const { table, database } = options;
  const appendOnly = table.firehose?.appendOnly ?? false;
  const removes = table.firehose?.removes ?? 'delete';
  const outcomes: RecordOutcome[] = new Array<RecordOutcome>(records.length);
  const candidates: Candidate[] = [];
  const seenEventIds = new Set<string>();
  const errors = new Map<number, unknown>();

  for (const [index, input] of records.entries()) {
    const recordId = input.recordId;
    try {
      const change = decodeKinesisChange(parseKinesisData(input.data, table), table);
      if (change.eventID !== undefined) {
        if (seenEventIds.has(change.eventID)) {
          outcomes[index] = { recordId, result: 'Dropped', reason: 'duplicate' };
          continue;
        }
        seenEventIds.add(change.eventID);
      }
      let operation: IcebergOperation;
      if (appendOnly) {
        if (change.eventName !== 'INSERT') {
          outcomes[index] = {
            recordId,
            result: 'Dropped',
            reason: change.eventName === 'MODIFY' ? 'append-only-modify' : 'append-only-remove',
          };
          continue;
        }
        operation = 'insert';
      } else if (change.eventName === 'REMOVE') {
        if (change.ttl && table.ttlDeletes === 'ignore') {
          outcomes[index] = { recordId, result: 'Dropped', reason: 'ttl-ignored' };
          continue;
        }
        if (removes === 'drop') {
          outcomes[index] = { recordId, result: 'Dropped', reason: 'remove-dropped' };
          continue;
        }
        operation = 'delete';
      } else {
        operation = 'update';
      }
      const key = mapKey(table, change.keys, change.context);
      const columns =
        operation === 'delete'
          ? key
          : { ...mapImage(table, { ...change.newImage!, ...change.keys }, change.context), ...key };
      const meta = input.kinesisRecordMetadata;
      const kinesisSequence =
        typeof meta?.sequenceNumber === 'string' && /^\d+$/.test(meta.sequenceNumber)
          ? meta.sequenceNumber
          : undefined;
      const row: Record<string, StagedValue> = {
        ...columns,
        // Kinesis records have no Streams SequenceNumber: _seq holds the Kinesis sequence number
        // (unpadded, up to 128 digits) when Firehose reads from Kinesis, else null.
        _seq: kinesisSequence ?? null,
        _updated_at: formatMicros(change.eventTimeMicros),
      };
      candidates.push({
        index,
        change,
        operation,
        keyId: JSON.stringify(table.keyColumns.map((c) => key[c] ?? null)),
        row,
        shardId: meta?.shardId,
        kinesisSequence,
      });
    } catch (error) {
      outcomes[index] = { recordId, result: 'ProcessingFailed', ...describeFailure(error) };
      errors.set(index, error);
    }
  }

  // With unique keys, keep the newest change per key; older ones in this batch are superseded.
  const winners = new Map<string, Candidate>();
  if (!appendOnly) {
    for (const c of candidates) {
      const current = winners.get(c.keyId);
      if (current === undefined || isNewer(c, current)) winners.set(c.keyId, c);
    }
  }
  const output: FirehoseOutputRecord[] = new Array<FirehoseOutputRecord>(records.length);
  for (const c of candidates) {
    const recordId = records[c.index]!.recordId;
    if (!appendOnly && winners.get(c.keyId) !== c) {
      outcomes[c.index] = { recordId, result: 'Dropped', reason: 'superseded' };
      continue;
    }
    outcomes[c.index] = { recordId, result: 'Ok', operation: c.operation };
    output[c.index] = {
      recordId,
      result: 'Ok',
      // Firehose's encoding: timestamps in microseconds, exact JSON numbers (firehose-row.ts).
      data: Buffer.from(encodeFirehoseRow(table, c.row), 'utf8').toString('base64'),
      metadata: {
        otfMetadata: {
          destinationDatabaseName: database,
          destinationTableName: table.name,
          operation: c.operation,
        },
      },
    };
  }
  for (const [index, outcome] of outcomes.entries()) {
    if (output[index] !== undefined) continue;
    // Failed records keep their source data, so Firehose's error output holds the record itself.
    const data =
      outcome.result === 'ProcessingFailed' && typeof records[index]!.data === 'string'
        ? records[index]!.data
        : '';
    output[index] = { recordId: outcome.recordId, result: outcome.result, data };
  }

  fitResponse(output, outcomes, options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES);

  const counts: Record<FirehoseResult, number> = { Ok: 0, Dropped: 0, ProcessingFailed: 0 };
  for (const o of outcomes) counts[o.result]++;
  return { records: output, outcomes, counts, errors };
}

/** Size of `{"records":[a,b,...]}` in UTF-8 bytes. */
export function responseBytes(records: readonly FirehoseOutputRecord[]): number {
  let total = '{"records":[]}'.length + Math.max(0, records.length - 1);
  for (const r of records) total += Buffer.byteLength(JSON.stringify(r));
  return total;
}

/**
 * Turns Ok records into ProcessingFailed (empty data), last first, until the response fits; if that
 * is not enough, failed records give up the source data they carry.
 */
function fitResponse(output: FirehoseOutputRecord[], outcomes: RecordOutcome[], limit: number): void {
  const sizes = output.map((r) => Buffer.byteLength(JSON.stringify(r)));
  let total = '{"records":[]}'.length + Math.max(0, output.length - 1) + sizes.reduce((a, b) => a + b, 0);
  for (let i = output.length - 1; i >= 0 && total > limit; i--) {
    const r = output[i]!;
    if (r.result !== 'Ok') continue;
    const failed: FirehoseOutputRecord = { recordId: r.recordId, result: 'ProcessingFailed', data: '' };
    total += Buffer.byteLength(JSON.stringify(failed)) - sizes[i]!;
    output[i] = failed;
    outcomes[i] = {
      recordId: r.recordId,
      result: 'ProcessingFailed',
      reason: 'response-size-limit',
      errorName: 'ResponseTooLarge',
      detail: `response over ${limit} bytes`,
    };
  }
  for (let i = output.length - 1; i >= 0 && total > limit; i--) {
    const r = output[i]!;
    if (r.result !== 'ProcessingFailed' || r.data === '') continue;
    total -= Buffer.byteLength(r.data);
    output[i] = { ...r, data: '' };
  }
}
