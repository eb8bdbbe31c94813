import { ConditionalCheckFailedException, GetItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';

import { controlKey } from './lease.js';
import { LeaseLostError } from './merge-errors.js';

/**
 * The journal of the batch in flight, kept on the table's control item next to the lease.
 *
 * - `merging`: F was chosen and its MERGE may or may not have committed. Written BEFORE the MERGE.
 * - `committed`: the MERGE of F committed; F's objects may be deleted. Written BEFORE any delete.
 * - no entry: nothing in flight.
 *
 * The key list fits the item: F is capped so its Athena MERGE, which names every key, stays under
 * 262,144 bytes, and a DynamoDB item may hold 400 KB (DynamoDB developer guide, "Quotas").
 */
export interface JournalEntry {
  readonly batchId: string;
  readonly state: 'merging' | 'committed';
  readonly keys: readonly string[];
  /**
   * The engine attempt of the batch's MERGE (1 at first). It is part of every Athena
   * ClientRequestToken of the batch and is raised (journalNextAttempt) as soon as a query of the
   * attempt is seen ended without success, so a token whose query is dead is never sent again
   * (aws/athena-engine.ts explains why a dead token would freeze the table).
   */
  readonly attempt: number;
}

export interface JournalTarget {
  readonly controlTable: string;
  readonly table: string;
  /** Every journal write is fenced by the lease: a merger that lost it can record nothing. */
  readonly owner: string;
}

export async function readJournal(
  dynamodb: DynamoDBClient,
  controlTable: string,
  table: string,
): Promise<JournalEntry | undefined> {
  const { Item } = await dynamodb.send(
    new GetItemCommand({ TableName: controlTable, Key: controlKey(table), ConsistentRead: true }),
  );
  const batchId = Item?.batchId?.S;
  const state = Item?.batchState?.S;
  if (batchId === undefined || (state !== 'merging' && state !== 'committed')) return undefined;
  const keys = (Item?.batchKeys?.L ?? []).map((v) => v.S).filter((k): k is string => k !== undefined);
  const attempt = Number(Item?.batchAttempt?.N ?? '1');
  return { batchId, state, keys, attempt: Number.isSafeInteger(attempt) && attempt >= 1 ? attempt : 1 };
}

async function fenced(
  dynamodb: DynamoDBClient,
  target: JournalTarget,
  command: UpdateItemCommand,
): Promise<void> {
  try {
    await dynamodb.send(command);
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException)
      throw new LeaseLostError(target.table, target.owner, { cause: error });
    throw error;
  }
}

/** Records F as in flight, before its MERGE starts. */
export async function journalMerging(
  dynamodb: DynamoDBClient,
  target: JournalTarget,
  batchId: string,
  keys: readonly string[],
): Promise<void> {
  await fenced(
    dynamodb,
    target,
    new UpdateItemCommand({
      TableName: target.controlTable,
      Key: controlKey(target.table),
      UpdateExpression: 'SET batchId = :id, batchState = :merging, batchKeys = :keys, batchAttempt = :one',
      ConditionExpression: 'leaseOwner = :me',
      ExpressionAttributeValues: {
        ':me': { S: target.owner },
        ':id': { S: batchId },
        ':merging': { S: 'merging' },
        ':keys': { L: keys.map((k) => ({ S: k })) },
        ':one': { N: '1' },
      },
    }),
  );
}

/**
 * Records that attempt `from` of the batch ended without success: the next query uses attempt
 * `from + 1`. Conditional on the lease, the batch and the attempt read, so two writers can never
 * both think they own the next attempt. Written BEFORE any query of the new attempt starts.
 */
export async function journalNextAttempt(
  dynamodb: DynamoDBClient,
  target: JournalTarget,
  batchId: string,
  from: number,
): Promise<number> {
  await fenced(
    dynamodb,
    target,
    new UpdateItemCommand({
      TableName: target.controlTable,
      Key: controlKey(target.table),
      UpdateExpression: 'SET batchAttempt = :next',
      // An entry journaled before attempts were recorded has none: it is at attempt 1.
      ConditionExpression: `leaseOwner = :me AND batchId = :id AND (batchAttempt = :from${from === 1 ? ' OR attribute_not_exists(batchAttempt)' : ''})`,
      ExpressionAttributeValues: {
        ':me': { S: target.owner },
        ':id': { S: batchId },
        ':from': { N: String(from) },
        ':next': { N: String(from + 1) },
      },
    }),
  );
  return from + 1;
}

/** Records that F's MERGE committed: from here on its objects may be deleted. */
export async function journalCommitted(
  dynamodb: DynamoDBClient,
  target: JournalTarget,
  batchId: string,
  committedAt: Date,
): Promise<void> {
  await fenced(
    dynamodb,
    target,
    new UpdateItemCommand({
      TableName: target.controlTable,
      Key: controlKey(target.table),
      UpdateExpression: 'SET batchState = :committed, committedAt = :at',
      ConditionExpression: 'leaseOwner = :me AND batchId = :id',
      ExpressionAttributeValues: {
        ':me': { S: target.owner },
        ':id': { S: batchId },
        ':committed': { S: 'committed' },
        ':at': { S: committedAt.toISOString() },
      },
    }),
  );
}

/** F's objects are all deleted: the journal is empty again. */
export async function journalCleaned(
  dynamodb: DynamoDBClient,
  target: JournalTarget,
  batchId: string,
): Promise<void> {
  await fenced(
    dynamodb,
    target,
    new UpdateItemCommand({
      TableName: target.controlTable,
      Key: controlKey(target.table),
      UpdateExpression: 'REMOVE batchId, batchState, batchKeys, batchAttempt, committedAt',
      ConditionExpression: 'leaseOwner = :me AND batchId = :id',
      ExpressionAttributeValues: { ':me': { S: target.owner }, ':id': { S: batchId } },
    }),
  );
}
