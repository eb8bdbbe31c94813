import { ConditionalCheckFailedException, GetItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';

import { acquireLease, controlKey, releaseLease } from './lease.js';
import { BackfillGuardLostError, BackfillInProgressError, LeaseBusyError } from './merge-errors.js';

/**
 * Why a backfill needs a guard: a deleted row leaves no `_seq` behind. If the merger applied a
 * stream delete of key k AFTER the Scan read k, the backfill row of k (seq 0, staged later) would
 * find no target row and be inserted: a resurrection. So while a backfill runs, the merger holds
 * back stream objects (it may still merge backfill objects, which every stream change overrides),
 * and the guard is set under the table's lease, so that no MERGE of stream objects can be in flight
 * when the Scan starts. Changes made before the guard were merged before the Scan read the table;
 * changes made after it stay staged and are merged after every backfill row.
 *
 * The guard expires (`backfillExpiresAt`) unless the backfill heart-beats it (`renewBackfill`): a
 * backfill killed by Ctrl-C or a crash cannot hold stream objects back for ever. The merger treats
 * an expired guard as released, clears it and reports it (merge-table.ts). A backfill whose
 * heartbeat finds its guard gone stops and deletes what it staged. Should a dead run's objects
 * still merge after the expiry, their `_seq` 0 rows cannot undo a merged delete: the delete left a
 * tombstone (DESIGN.md, "Tombstones"), and a row is applied only above it.
 */
export interface BackfillGuardRequest {
  readonly controlTable: string;
  readonly table: string;
  readonly runId: string;
  readonly now: () => Date;
  /** How long to wait for a running merger to give the lease back (default 15 minutes, the Lambda maximum). */
  readonly waitMs?: number;
  readonly pollMs?: number;
  /** The guard lasts this long unless renewed (default DEFAULT_GUARD_TTL_MS). */
  readonly ttlMs?: number;
}

/** How long a guard lives without a heartbeat; backfillTable renews it every third of this. */
export const DEFAULT_GUARD_TTL_MS = 5 * 60_000;

/** The guard as the control item holds it. */
export interface BackfillGuard {
  readonly runId: string;
  readonly startedAt: Date;
  /** Past this, the guard is released (a guard written without one expires a TTL after its start). */
  readonly expiresAt: Date;
}

/** The guard, expired or not (read with a consistent read), if one is set. */
export async function readBackfillGuard(
  dynamodb: DynamoDBClient,
  controlTable: string,
  table: string,
): Promise<BackfillGuard | undefined> {
  const { Item } = await dynamodb.send(
    new GetItemCommand({
      TableName: controlTable,
      Key: controlKey(table),
      ConsistentRead: true,
      ProjectionExpression: 'backfillRun, backfillStartedAt, backfillExpiresAt',
    }),
  );
  const runId = Item?.backfillRun?.S;
  if (runId === undefined) return undefined;
  const startedAt = new Date(Item?.backfillStartedAt?.S ?? 0);
  const expires = Item?.backfillExpiresAt?.S;
  return {
    runId,
    startedAt,
    expiresAt:
      expires === undefined ? new Date(startedAt.getTime() + DEFAULT_GUARD_TTL_MS) : new Date(expires),
  };
}

/** Renews the guard of `runId`; throws BackfillGuardLostError when it is no longer that run's. */
export async function renewBackfill(
  dynamodb: DynamoDBClient,
  request: Pick<BackfillGuardRequest, 'controlTable' | 'table' | 'runId' | 'now' | 'ttlMs'>,
): Promise<void> {
  try {
    await dynamodb.send(
      new UpdateItemCommand({
        TableName: request.controlTable,
        Key: controlKey(request.table),
        UpdateExpression: 'SET backfillExpiresAt = :exp',
        ConditionExpression: 'backfillRun = :run',
        ExpressionAttributeValues: {
          ':run': { S: request.runId },
          ':exp': {
            S: new Date(request.now().getTime() + (request.ttlMs ?? DEFAULT_GUARD_TTL_MS)).toISOString(),
          },
        },
      }),
    );
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException)
      throw new BackfillGuardLostError(request.table, request.runId, { cause: error });
    throw error;
  }
}

/**
 * Clears a guard that expired (the merger, holding the lease). Conditional on the very expiry it
 * read, so a guard renewed in between stays. Returns whether it cleared it.
 */
export async function clearExpiredBackfill(
  dynamodb: DynamoDBClient,
  controlTable: string,
  table: string,
  guard: BackfillGuard,
): Promise<boolean> {
  try {
    await dynamodb.send(
      new UpdateItemCommand({
        TableName: controlTable,
        Key: controlKey(table),
        UpdateExpression: 'REMOVE backfillRun, backfillStartedAt, backfillExpiresAt',
        ConditionExpression:
          'backfillRun = :run AND (backfillExpiresAt = :exp OR attribute_not_exists(backfillExpiresAt))',
        ExpressionAttributeValues: {
          ':run': { S: guard.runId },
          ':exp': { S: guard.expiresAt.toISOString() },
        },
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The backfill run that holds stream objects back, if any (read with a consistent read). */
export async function readBackfillRun(
  dynamodb: DynamoDBClient,
  controlTable: string,
  table: string,
): Promise<string | undefined> {
  const { Item } = await dynamodb.send(
    new GetItemCommand({
      TableName: controlTable,
      Key: controlKey(table),
      ConsistentRead: true,
      ProjectionExpression: 'backfillRun',
    }),
  );
  return Item?.backfillRun?.S;
}

/**
 * Sets the guard before the Scan starts. Waits for the lease (a merger may be mid-MERGE), sets
 * `backfillRun` while holding it, then gives the lease back. Throws `BackfillInProgressError` when
 * another run's guard is set, `LeaseBusyError` when the lease was not free in time.
 */
export async function beginBackfill(dynamodb: DynamoDBClient, request: BackfillGuardRequest): Promise<void> {
  const owner = `backfill:${request.runId}`;
  const deadline = request.now().getTime() + (request.waitMs ?? 15 * 60_000);
  for (;;) {
    const lease = await acquireLease(dynamodb, {
      controlTable: request.controlTable,
      table: request.table,
      owner,
      now: request.now(),
      durationMs: 60_000,
    });
    if (lease !== undefined) {
      try {
        await dynamodb.send(
          new UpdateItemCommand({
            TableName: request.controlTable,
            Key: controlKey(request.table),
            UpdateExpression: 'SET backfillRun = :run, backfillStartedAt = :at, backfillExpiresAt = :exp',
            ConditionExpression:
              'leaseOwner = :me AND (attribute_not_exists(backfillRun) OR backfillRun = :run)',
            ExpressionAttributeValues: {
              ':run': { S: request.runId },
              ':me': { S: owner },
              ':at': { S: request.now().toISOString() },
              ':exp': {
                S: new Date(request.now().getTime() + (request.ttlMs ?? DEFAULT_GUARD_TTL_MS)).toISOString(),
              },
            },
          }),
        );
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) {
          const other = await readBackfillRun(dynamodb, request.controlTable, request.table);
          throw new BackfillInProgressError(request.table, other ?? 'unknown', { cause: error });
        }
        throw error;
      } finally {
        await releaseLease(dynamodb, request.controlTable, lease);
      }
      return;
    }
    if (request.now().getTime() > deadline) throw new LeaseBusyError(request.table);
    await sleep(request.pollMs ?? 1000);
  }
}

/** Clears the guard once every backfill object is staged: stream objects merge again, after them. */
export async function endBackfill(
  dynamodb: DynamoDBClient,
  request: Pick<BackfillGuardRequest, 'controlTable' | 'table' | 'runId'>,
): Promise<void> {
  try {
    await dynamodb.send(
      new UpdateItemCommand({
        TableName: request.controlTable,
        Key: controlKey(request.table),
        UpdateExpression: 'REMOVE backfillRun, backfillStartedAt, backfillExpiresAt',
        ConditionExpression: 'backfillRun = :run',
        ExpressionAttributeValues: { ':run': { S: request.runId } },
      }),
    );
  } catch (error) {
    // Already cleared (a retried end): nothing to do.
    if (error instanceof ConditionalCheckFailedException) return;
    throw error;
  }
}
