import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { LambdaStreamRecord } from '@ddb-athena-sync/local-services/stream-records';
import { books } from '@ddb-athena-sync/schemas/test-support/example-tables';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { dataDirLayout, runningStack } from '../src/data-dir.js';
import { UnknownStackTableError } from '../src/errors.js';
import type { FunctionContext, PipelineFunctions } from '../src/pipeline-functions.js';
import { CONTROL_TABLE, LOCAL_BUCKET, startStack } from '../src/stack.js';
import type { Stack } from '../src/stack.js';

// The stack machinery on its own: DynamoDB Local, s3rver and the lake are real, the three functions
// are recording fakes (the real handlers are wired, and tested end to end, in apps/local).
describe('startStack with the functions it is given', () => {
  let dir: string;
  let stack: Stack;
  const contexts: FunctionContext[] = [];
  const written: LambdaStreamRecord[] = [];
  const merges: { table: string; action: string }[] = [];

  const fakes: PipelineFunctions = {
    streamWriter: () => (event) => {
      written.push(...event.Records);
      return Promise.resolve({ batchItemFailures: [] });
    },
    merger: (event) => {
      merges.push(event);
      return Promise.resolve({ batches: 0 });
    },
    firehoseTransform: () => () => Promise.reject(new Error('no firehose table in this stack')),
  };

  const put = (id: string): Promise<unknown> =>
    stack.ddb.send(
      new PutItemCommand({ TableName: books.dynamodb.tableName, Item: { id: { S: id }, name: { S: id } } }),
    );

  const idOf = (r: LambdaStreamRecord): string | undefined => (r.dynamodb.Keys.id as { S?: string }).S;
  const writtenIds = (): (string | undefined)[] => written.map(idOf);

  async function until(check: () => boolean, what: string): Promise<void> {
    const deadline = Date.now() + 30_000;
    while (!check()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'local-stack-'));
    stack = await startStack({
      dataDir: dir,
      functions: (ctx) => {
        contexts.push(ctx);
        return Promise.resolve(fakes);
      },
      tables: [books],
      inMemoryDynamoDb: true,
      manualMerges: true,
      batchWindowMs: 50,
      logLevel: 'DEBUG',
    });
  }, 120_000);
  afterAll(async () => {
    await stack?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('builds the functions once, with the clients and names of the running services', async () => {
    expect(contexts).toHaveLength(1);
    const ctx = contexts[0]!;
    expect(ctx).toMatchObject({
      bucket: LOCAL_BUCKET,
      controlTable: CONTROL_TABLE,
      s3Endpoint: stack.s3Endpoint,
      logLevel: 'DEBUG',
    });
    expect(ctx.ddb).toBe(stack.ddb);
    expect(ctx.s3).toBe(stack.s3);
    expect(ctx.lake).toBe(stack.lake);
    expect(stack.functions).toBe(fakes);
    expect(await runningStack(dataDirLayout(dir))).toMatchObject({
      dynamodbEndpoint: stack.dynamodbEndpoint,
    });
  });

  it('delivers stream records to the stream-writer and merges through the merger', async () => {
    await put('b1');
    await until(() => writtenIds().includes('b1'), 'the stream-writer to get b1');
    expect(written.find((r) => idOf(r) === 'b1')?.eventName).toBe('INSERT');

    await stack.mergeNow(books.name);
    expect(merges).toEqual([{ table: 'books', action: 'merge' }]);
  });

  it('resumes a restarted poller from its checkpoint: nothing delivered twice', async () => {
    await stack.restartPoller(books.name);
    await put('b2');
    await until(() => writtenIds().includes('b2'), 'the stream-writer to get b2');

    expect(writtenIds().filter((id) => id === 'b1')).toHaveLength(1);
    await expect(stack.restartPoller('no-such-table')).rejects.toBeInstanceOf(UnknownStackTableError);
  });
});
