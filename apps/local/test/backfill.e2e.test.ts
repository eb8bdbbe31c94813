import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import {
  BatchWriteItemCommand,
  CreateTableCommand,
  DeleteItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { DynamoDBClient, WriteRequest } from '@aws-sdk/client-dynamodb';
import { backfillTable } from '@ddb-athena-sync/core/backfill/backfill-table';
import { books } from '@ddb-athena-sync/schemas/test-support/example-tables';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareTable } from '@ddb-athena-sync/local-stack/compare';
import { CONTROL_TABLE, startStack } from '@ddb-athena-sync/local-stack/stack';
import type { Stack } from '@ddb-athena-sync/local-stack/stack';
import { stagingStatus } from '@ddb-athena-sync/local-stack/staging-status';

import { buildFunctions } from '../src/functions.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const EXISTING = 10_000;

function book(id: string, summary: string): Record<string, { S: string } | { N: string }> {
  return {
    id: { S: id },
    name: { S: `book ${id}` },
    author: { S: 'someone' },
    summary: { S: summary },
    date: { N: '1700000000123456789' },
  };
}

/** The situation backfill is for: a table that holds items and has no stream yet. */
async function seedTableWithoutStream(ddb: DynamoDBClient): Promise<void> {
  await ddb.send(
    new CreateTableCommand({
      TableName: 'books',
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  const requests: WriteRequest[] = Array.from({ length: EXISTING }, (_, i) => ({
    PutRequest: { Item: book(`old-${i}`, 'before the stream') },
  }));
  const chunks: WriteRequest[][] = [];
  for (let i = 0; i < requests.length; i += 25) chunks.push(requests.slice(i, i + 25));
  // A few writers in parallel; DynamoDB Local returns no unprocessed items.
  for (let i = 0; i < chunks.length; i += 8) {
    await Promise.all(
      chunks
        .slice(i, i + 8)
        .map((chunk) => ddb.send(new BatchWriteItemCommand({ RequestItems: { books: chunk } }))),
    );
  }
}

describe('backfill', () => {
  let dir: string;
  let stack: Stack;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ddb-athena-sync-backfill-'));
    // The stream is enabled by the stack (started first), then the backfill scans.
    stack = await startStack({
      dataDir: dir,
      functions: buildFunctions,
      inMemoryDynamoDb: true,
      tables: [books],
      mergeIntervalMs: 2000,
      beforeTables: seedTableWithoutStream,
    });
  }, 180_000);
  afterAll(async () => {
    await stack?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('copies a table of 10,000 items while writes continue, and converges', async () => {
    let stop = false;
    let n = 0;
    let deleted = 0;
    const writer = (async () => {
      // Concurrent changes: new items, updates and deletes of old ones (the stream must win).
      while (!stop) {
        const i = n++;
        await stack.ddb.send(
          new PutItemCommand({ TableName: 'books', Item: book(`new-${i}`, 'during backfill') }),
        );
        try {
          await stack.ddb.send(
            new UpdateItemCommand({
              TableName: 'books',
              Key: { id: { S: `old-${i * 7}` } },
              UpdateExpression: 'SET summary = :s',
              ConditionExpression: 'attribute_exists(id)',
              ExpressionAttributeValues: { ':s': { S: `updated ${i}` } },
            }),
          );
        } catch (error) {
          // The item was deleted earlier in this loop: an update must not bring it back.
          if ((error as Error).name !== 'ConditionalCheckFailedException') throw error;
        }
        if (i % 3 === 0) {
          const out = await stack.ddb.send(
            new DeleteItemCommand({
              TableName: 'books',
              Key: { id: { S: `old-${i * 11 + 1}` } },
              ReturnValues: 'ALL_OLD',
            }),
          );
          if (out.Attributes !== undefined) deleted++;
        }
      }
    })();

    const progress: number[] = [];
    const result = await backfillTable({
      dynamodb: stack.ddb,
      s3: stack.s3,
      bucket: stack.bucket,
      table: books,
      controlTable: CONTROL_TABLE,
      segments: 4,
      onProgress: (p) => progress.push(p.scanned),
    });
    await new Promise((r) => setTimeout(r, 3000));
    stop = true;
    await writer;

    expect(result.scanned).toBeGreaterThanOrEqual(EXISTING - n);
    expect(result.quarantined).toBe(0);
    expect(progress.at(-1)).toBe(result.scanned);
    // Wait until every staged object (backfill and stream) is merged and the stream is drained.
    const deadline = Date.now() + 90_000;
    for (;;) {
      const staged = await stagingStatus(stack.s3, stack.bucket, 'books');
      if ((staged.objects === 0 && stack.tables.get('books')!.poller.isCaughtUp()) || Date.now() > deadline)
        break;
      await new Promise((r) => setTimeout(r, 500));
    }
    await stack.mergeNow('books');

    const comparison = await compareTable(stack.ddb, stack.lake, books);
    expect(comparison.examples).toEqual([]);
    expect(comparison.converged).toBe(true);
    expect(comparison.rowsInDynamo).toBe(EXISTING + n - deleted);
    expect(deleted).toBeGreaterThan(0);
    expect(n).toBeGreaterThan(10);
  }, 180_000);
});
