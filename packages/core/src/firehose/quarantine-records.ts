import type { TableDeclaration } from '@ddb-athena-sync/schemas/declaration';

import { quarantineKey } from '../staging/staging-key.js';
import type { ObjectStore } from '../stream/stage-batch.js';
import type { FirehoseInputRecord, TransformResult } from './transform-records.js';

export interface QuarantineFirehoseOptions {
  readonly table: TableDeclaration;
  /** Key prefix of quarantine objects (default `quarantine/`), as for merge mode. */
  readonly quarantinePrefix?: string;
}

export interface QuarantineFirehoseDeps {
  readonly store: ObjectStore;
  /** Milliseconds since the epoch (quarantinedAt, and the key's date when a record has no arrival time). */
  readonly now: () => number;
}

/** What the handler may log about a quarantined record: names and reasons, never the data. */
export interface QuarantinedFirehoseRecord {
  readonly recordId: string;
  readonly objectKey: string;
  readonly errorName: string;
  readonly reason: string;
}

/** Error fields worth keeping (context and reason, no stack), as merge mode's quarantine keeps them. */
function errorFields(error: unknown, fallback: { name: string; message: string }): Record<string, unknown> {
  if (!(error instanceof Error)) return { ...fallback };
  const out: Record<string, unknown> = { name: error.name, message: error.message };
  for (const [k, v] of Object.entries(error)) if (k !== 'stack' && k !== 'cause') out[k] = v;
  return out;
}

/** The decoded Kinesis record when the data is base64 of JSON, else the data as Firehose sent it. */
function sourceRecord(input: FirehoseInputRecord): unknown {
  if (typeof input.data !== 'string') return { data: input.data ?? null };
  try {
    return JSON.parse(Buffer.from(input.data, 'base64').toString('utf8')) as unknown;
  } catch {
    return { data: input.data };
  }
}

function arrivalMs(input: FirehoseInputRecord): number | undefined {
  const t = input.approximateArrivalTimestamp;
  return typeof t === 'number' && Number.isFinite(t) ? t : undefined;
}

/**
 * Writes one quarantine object per ProcessingFailed record of a transformed batch, with the same
 * content as merge mode's (`{table, reason, error, quarantinedAt, record}`, core stream/stage-batch.ts)
 * under the same key layout (`quarantine/<table>/<yyyy>/<mm>/<dd>/<shard>-<sequence>.json`).
 *
 * Why the transform does this itself: Firehose's transformation response carries only recordId,
 * result, data and metadata, no reason (Firehose developer guide, "Data transformation and status
 * model"), so its error output holds the record with `result ProcessingFailed` and nothing about the
 * table, key or attribute that did not fit. A record cut for the response-size limit has no data in
 * the error output at all; its quarantine object is where the record survives.
 *
 * Any S3 error propagates: the handler then fails the invocation and Firehose retries the batch,
 * so no record is reported failed without its reason stored.
 */
export async function quarantineFailedRecords(
  records: readonly FirehoseInputRecord[],
  result: Pick<TransformResult, 'outcomes' | 'errors'>,
  options: QuarantineFirehoseOptions,
  deps: QuarantineFirehoseDeps,
): Promise<QuarantinedFirehoseRecord[]> {
  const quarantinedAt = deps.now();
  const out: QuarantinedFirehoseRecord[] = [];
  for (const [index, outcome] of result.outcomes.entries()) {
    if (outcome.result !== 'ProcessingFailed') continue;
    const input = records[index]!;
    const meta = input.kinesisRecordMetadata;
    const errorName = outcome.errorName ?? 'ProcessingFailed';
    const reason = outcome.detail ?? outcome.reason ?? errorName;
    const objectKey = quarantineKey({
      table: options.table.name,
      // The Kinesis shard and sequence number name the record where Firehose reads Kinesis; a direct
      // PUT record is named by its Firehose record id.
      shardId:
        typeof meta?.shardId === 'string' && /^[A-Za-z0-9_.-]+$/.test(meta.shardId)
          ? meta.shardId
          : 'firehose',
      sequenceNumber: typeof meta?.sequenceNumber === 'string' ? meta.sequenceNumber : outcome.recordId,
      eventTime: new Date(arrivalMs(input) ?? quarantinedAt),
      ...(options.quarantinePrefix === undefined ? {} : { prefix: options.quarantinePrefix }),
    });
    const body = {
      table: options.table.name,
      reason,
      error: {
        ...errorFields(result.errors.get(index), { name: errorName, message: reason }),
        failReason: outcome.reason,
      },
      quarantinedAt: new Date(quarantinedAt).toISOString(),
      firehoseRecordId: outcome.recordId,
      record: sourceRecord(input),
    };
    await deps.store.putObject({
      key: objectKey,
      body: Buffer.from(`${JSON.stringify(body, null, 2)}\n`),
      contentType: 'application/json',
    });
    out.push({ recordId: outcome.recordId, objectKey, errorName, reason });
  }
  return out;
}
