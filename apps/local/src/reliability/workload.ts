import {
  BatchWriteItemCommand,
  DeleteItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { AttributeValue, DynamoDBClient } from '@aws-sdk/client-dynamodb';

import type { TtlSweeper } from '@ddb-athena-sync/local-stack/ttl-sweeper';
import { sleep } from './prng.js';
import type { ItemValue, Operation } from './scenario-model.js';

/**
 * DynamoDB Local 3.x expires an item itself when a write sets its TTL in the past, emitting a
 * stream record whose eventName is not INSERT/MODIFY/REMOVE; in AWS the TTL process deletes expired
 * items later, with a REMOVE (docs/RELIABILITY.md, "What the first full run found"). So a TTL is set
 * an hour ahead of DynamoDB Local's clock and the sweeper (the local stack's TTL process) runs with
 * a clock two hours ahead: it deletes the item with the documented TTL identity.
 */
export const TTL_AHEAD_S = 3600;

export function itemOf(id: string, v: ItemValue): Record<string, AttributeValue> {
  return {
    id: { S: id },
    name: { S: v.name },
    n: { N: v.n },
    price: { N: v.price },
    ...(v.tags === undefined ? {} : { tags: { SS: [...v.tags] } }),
    doc: { M: { exact: { N: v.exact }, label: { S: v.name } } },
  };
}

export interface WorkloadCounts {
  puts: number;
  updates: number;
  deletes: number;
  ttlExpiries: number;
  prepopulated: number;
}

export function emptyWorkloadCounts(): WorkloadCounts {
  return { puts: 0, updates: 0, deletes: 0, ttlExpiries: 0, prepopulated: 0 };
}

/**
 * Items written before the scenario's workload (25 per BatchWriteItem, the API's limit): first the
 * workload's own keys (so that its deletes race a backfill's Scan of them), then more.
 */
export async function prepopulate(
  ddb: DynamoDBClient,
  tableName: string,
  count: number,
  keys: number,
  counts: WorkloadCounts,
): Promise<void> {
  for (let start = 0; start < count; start += 25) {
    const items = Array.from({ length: Math.min(25, count - start) }, (_, i) =>
      itemOf(start + i < keys ? `k${start + i}` : `p${start + i}`, {
        name: `pre ${start + i}`,
        n: String(start + i),
        price: '1.00',
        tags: undefined,
        exact: '7',
      }),
    );
    let request: Record<string, { PutRequest: { Item: Record<string, AttributeValue> } }[]> | undefined = {
      [tableName]: items.map((Item) => ({ PutRequest: { Item } })),
    };
    while (request !== undefined && Object.keys(request).length > 0) {
      const out = await ddb.send(new BatchWriteItemCommand({ RequestItems: request }));
      request = out.UnprocessedItems as typeof request;
    }
    counts.prepopulated += items.length;
  }
}

/**
 * Applies operations to DynamoDB, in order, with pauses so that mergers run between the versions
 * of a key. Updates and expiries of an absent item are skipped (they would create it).
 */
export async function applyOperations(options: {
  readonly ddb: DynamoDBClient;
  readonly tableName: string;
  readonly operations: readonly Operation[];
  readonly sweeper: TtlSweeper;
  readonly counts: WorkloadCounts;
  readonly random: () => number;
  readonly maxPauseMs: number;
  /** Keys already in the table (prepopulated). */
  readonly present?: Iterable<string>;
  /** Called before operation i (the backfill starts at one of them). */
  readonly before?: (index: number) => Promise<void>;
}): Promise<void> {
  const { ddb, tableName: name, counts } = options;
  const present = new Set<string>(options.present ?? []);
  for (const [index, op] of options.operations.entries()) {
    await options.before?.(index);
    const id = `k${op.key}`;
    switch (op.kind) {
      case 'put':
        await ddb.send(new PutItemCommand({ TableName: name, Item: itemOf(id, op.value) }));
        present.add(id);
        counts.puts++;
        break;
      case 'update':
        if (!present.has(id)) break;
        await ddb.send(
          new UpdateItemCommand({
            TableName: name,
            Key: { id: { S: id } },
            UpdateExpression: 'SET #name = :name',
            ExpressionAttributeNames: { '#name': 'name' },
            ExpressionAttributeValues: { ':name': { S: op.name } },
          }),
        );
        counts.updates++;
        break;
      case 'delete':
        await ddb.send(new DeleteItemCommand({ TableName: name, Key: { id: { S: id } } }));
        if (present.delete(id)) counts.deletes++;
        break;
      case 'expire': {
        if (!present.has(id)) break;
        const expiry = String(Math.floor(Date.now() / 1000) + TTL_AHEAD_S);
        await ddb.send(
          new UpdateItemCommand({
            TableName: name,
            Key: { id: { S: id } },
            UpdateExpression: 'SET expires_at = :at',
            ExpressionAttributeValues: { ':at': { N: expiry } },
          }),
        );
        counts.ttlExpiries += await options.sweeper.sweep();
        present.delete(id);
        break;
      }
    }
    if (options.maxPauseMs > 0 && options.random() < 0.5)
      await sleep(Math.floor(options.random() * options.maxPauseMs));
  }
}
