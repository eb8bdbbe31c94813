import type { _Record as StreamRecord } from '@aws-sdk/client-dynamodb-streams';

// The contract between the event source mapping and the function it invokes: the batch, the
// function's partial batch response, and what the mapping makes of it. Kept apart from the poller
// (stream-poller.ts), which is about reading shards and retrying; this part is pure.

/** What a function returns with `FunctionResponseTypes: ["ReportBatchItemFailures"]`. */
export interface BatchResponse {
  readonly batchItemFailures?: readonly { readonly itemIdentifier?: string | null }[];
}

/** Invokes the function with one batch of one shard (records in stream order). Throwing = function error. */
export type InvokeBatch = (
  records: readonly StreamRecord[],
  shardId: string,
) => Promise<BatchResponse | void>;

/** A batch the mapping gave up on: what Lambda sends to the on-failure destination (SQS/SNS). */
export interface FailedBatch {
  readonly streamArn: string;
  readonly shardId: string;
  readonly firstSequenceNumber: string;
  readonly lastSequenceNumber: string;
  readonly attempts: number;
  readonly reason: string;
  readonly records: readonly StreamRecord[];
}

export function errorText(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

function pad(seq: string): string {
  return seq.padStart(40, '0');
}

export function seqOf(record: StreamRecord): string {
  const seq = record.dynamodb?.SequenceNumber;
  if (seq === undefined) throw new TypeError('stream record without SequenceNumber');
  return seq;
}

export type Outcome =
  { kind: 'ok' } | { kind: 'partial'; index: number; reason: string } | { kind: 'error'; reason: string };

/**
 * Index of the first record to retry, per the ReportBatchItemFailures contract
 * (https://docs.aws.amazon.com/lambda/latest/dg/services-ddb-batchfailurereporting.html): Lambda
 * resumes at the lowest failed sequence number; an empty or unknown identifier fails the whole batch.
 */
export function interpretResponse(response: BatchResponse | void, records: readonly StreamRecord[]): Outcome {
  const failures = response?.batchItemFailures ?? [];
  if (failures.length === 0) return { kind: 'ok' };
  let lowest = Number.POSITIVE_INFINITY;
  for (const f of failures) {
    const id = f.itemIdentifier;
    const index =
      typeof id === 'string' && id !== '' ? records.findIndex((r) => pad(seqOf(r)) === pad(id)) : -1;
    if (index < 0)
      return {
        kind: 'partial',
        index: 0,
        reason: `invalid itemIdentifier ${JSON.stringify(id)}: whole batch failed`,
      };
    lowest = Math.min(lowest, index);
  }
  return { kind: 'partial', index: lowest, reason: `batchItemFailures from ${seqOf(records[lowest]!)}` };
}
