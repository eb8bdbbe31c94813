import type { TableDeclaration } from '@ddb-athena-sync/schemas/declaration';

import { PoisonRecordError } from '../errors.js';
import type { RecordContext } from '../errors.js';
import { describeKey, isTtlRemoval } from './decode-record.js';
import type { DynamoDBStreamRecord } from './decode-record.js';

/**
 * A MODIFY or REMOVE on a table declared in mode `append` whose declaration says `quarantine`: an
 * append table's items never change after they are written (DESIGN.md, "Mode append"), so the
 * record is kept, with this reason, for somebody to look at, and the rest of the batch goes on.
 */
export class AppendOnlyViolationError extends PoisonRecordError {
  readonly eventName: 'MODIFY' | 'REMOVE';
  readonly reason: string;

  constructor(ctx: RecordContext, eventName: 'MODIFY' | 'REMOVE') {
    const reason = `${eventName} on an append-only table (mode "append", append.${eventName === 'MODIFY' ? 'modifies' : 'removes'} = "quarantine")`;
    super(ctx, reason);
    this.eventName = eventName;
    this.reason = reason;
  }
}

export type AppendDisposition = 'stage' | 'drop-modify' | 'drop-remove';

/**
 * What the stream-writer does with a record of an append table before decoding it: INSERTs (and
 * TTL removals under `ttlDeletes: ignore`, which decoding skips and counts as before) go on;
 * MODIFY and REMOVE are dropped (counted by the caller) or, under a `quarantine` policy, throw an
 * `AppendOnlyViolationError`. A record whose envelope is broken goes on to the decoder, which names
 * what is wrong with it. Tables of other modes: always `stage`.
 */
export function appendDisposition(record: DynamoDBStreamRecord, table: TableDeclaration): AppendDisposition {
  if (table.mode !== 'append' || typeof record !== 'object' || record === null) return 'stage';
  const eventName = record.eventName;
  if (eventName !== 'MODIFY' && eventName !== 'REMOVE') return 'stage';
  if (eventName === 'REMOVE' && table.ttlDeletes === 'ignore' && isTtlRemoval(record)) return 'stage';
  const policy = eventName === 'MODIFY' ? table.append?.modifies : table.append?.removes;
  if (policy === 'quarantine') {
    const seq = record.dynamodb?.SequenceNumber;
    throw new AppendOnlyViolationError(
      {
        table: table.name,
        sequenceNumber: typeof seq === 'string' ? seq : undefined,
        key: describeKey(table, record.dynamodb?.Keys),
      },
      eventName,
    );
  }
  return eventName === 'MODIFY' ? 'drop-modify' : 'drop-remove';
}
