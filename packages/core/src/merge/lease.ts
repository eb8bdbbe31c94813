import { ConditionalCheckFailedException, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';

import { LeaseLostError } from './merge-errors.js';

/** The control table's item of one table (hash key `pk`, a string; infra/modules/merge-table). */
export function controlKey(table: string): { pk: { S: string } } {
  return { pk: { S: `table#${table}` } };
}

export interface Lease {
  readonly table: string;
  readonly owner: string;
  readonly expiresAt: Date;
}

export interface LeaseRequest {
  readonly controlTable: string;
  readonly table: string;
  /** Unique per run (e.g. the Lambda request id). */
  readonly owner: string;
  readonly now: Date;
  /** The lease lasts this long unless renewed; longer than any run (Lambda timeout) so it cannot lapse mid-run. */
  readonly durationMs: number;
}

/**
 * Takes (or renews) the table's lease with one conditional UpdateItem: it succeeds only when nobody
 * holds the lease, the holder's lease expired, or we already hold it. DynamoDB evaluates the
 * condition and the write atomically (DynamoDB developer guide, "Conditional writes"), so of two
 * mergers started together exactly one wins. Returns undefined when someone else holds it.
 */
export async function acquireLease(
  dynamodb: DynamoDBClient,
  request: LeaseRequest,
): Promise<Lease | undefined> {
  const expiresAt = new Date(request.now.getTime() + request.durationMs);
  try {
    await dynamodb.send(
      new UpdateItemCommand({
        TableName: request.controlTable,
        Key: controlKey(request.table),
        UpdateExpression: 'SET leaseOwner = :me, leaseExpiresAt = :exp',
        ConditionExpression: 'attribute_not_exists(leaseOwner) OR leaseOwner = :me OR leaseExpiresAt < :now',
        ExpressionAttributeValues: {
          ':me': { S: request.owner },
          ':exp': { N: String(expiresAt.getTime()) },
          ':now': { N: String(request.now.getTime()) },
        },
      }),
    );
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return undefined;
    throw error;
  }
  return { table: request.table, owner: request.owner, expiresAt };
}

/** Renews a lease we hold; LeaseLostError when it was taken over. */
export async function renewLease(dynamodb: DynamoDBClient, request: LeaseRequest): Promise<Lease> {
  const expiresAt = new Date(request.now.getTime() + request.durationMs);
  try {
    await dynamodb.send(
      new UpdateItemCommand({
        TableName: request.controlTable,
        Key: controlKey(request.table),
        UpdateExpression: 'SET leaseExpiresAt = :exp',
        ConditionExpression: 'leaseOwner = :me',
        ExpressionAttributeValues: {
          ':me': { S: request.owner },
          ':exp': { N: String(expiresAt.getTime()) },
        },
      }),
    );
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException)
      throw new LeaseLostError(request.table, request.owner, { cause: error });
    throw error;
  }
  return { table: request.table, owner: request.owner, expiresAt };
}

/** Gives the lease back so the next scheduled run need not wait for it to expire. */
export async function releaseLease(
  dynamodb: DynamoDBClient,
  controlTable: string,
  lease: Lease,
): Promise<void> {
  try {
    await dynamodb.send(
      new UpdateItemCommand({
        TableName: controlTable,
        Key: controlKey(lease.table),
        UpdateExpression: 'REMOVE leaseOwner, leaseExpiresAt',
        ConditionExpression: 'leaseOwner = :me',
        ExpressionAttributeValues: { ':me': { S: lease.owner } },
      }),
    );
  } catch (error) {
    // Someone took over an expired lease: it is theirs now, nothing to release.
    if (error instanceof ConditionalCheckFailedException) return;
    throw error;
  }
}
