import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { encodeStagingObject } from '@ddb-athena-sync/core/staging/staging-object';
import { LocalLakeEngine } from '@ddb-athena-sync/local-lake/merge-engine';
import { createHandler as createMerger } from '@ddb-athena-sync/merger/handler';
import { declarationEnv } from '@ddb-athena-sync/core/config/env';
import { books, orders } from '@ddb-athena-sync/schemas/test-support/example-tables';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';

import { startSharedServices } from '../../src/reliability/shared-services.js';
import type { SharedServices } from '../../src/reliability/shared-services.js';

// stream-writer and firehose-transform run through their Lambda entry points (`handler`: config from
// the environment at cold start, without LOG_LEVEL, i.e. the default level); the merger's entry
// builds an Athena engine, so it runs through createHandler with its default level (INFO) and the
// local lake. Each is fed events carrying a secret-looking credential and
// recognisable item content, good and poison records and a failing S3 call, and everything it
// writes to stdout/stderr is captured: neither may appear, while the logs themselves must not be empty.
const SESSION_TOKEN = 'IQoJb3JpZ2luX2VjEXAMPLE-SECRET-SESSION-TOKEN-7f3a9c';
const ITEM_VALUE = 'ITEM-CONTENT-Margaret-Atwood-42';
const KEY_VALUE = 'KEY-CONTENT-b-9931';
const POISON_VALUE = 'POISON-CONTENT-not-a-number';

let services: SharedServices;
let written: string[];
const savedEnv = { ...process.env };

beforeAll(async () => {
  services = await startSharedServices();
  // The Lambda environment's credentials: s3rver accepts the fixed key pair and ignores the token.
  Object.assign(process.env, {
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
    AWS_SESSION_TOKEN: SESSION_TOKEN,
    AWS_REGION: 'us-east-1',
  });
  delete process.env.LOG_LEVEL;
  delete process.env.POWERTOOLS_LOG_LEVEL;
  delete process.env.POWERTOOLS_DEV;
});

afterAll(async () => {
  process.env = savedEnv;
  await services.stop();
});

function capture(): void {
  written = [];
  const keep = (chunk: unknown): boolean => {
    written.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
    return true;
  };
  vi.spyOn(process.stdout, 'write').mockImplementation(keep);
  vi.spyOn(process.stderr, 'write').mockImplementation(keep);
}

afterEach(() => {
  vi.restoreAllMocks();
});

/** A fresh copy of a Lambda entry module (a cold start), with `env` as the function's environment. */
async function coldStart<T>(load: () => Promise<T>, env: Record<string, string>): Promise<T> {
  vi.resetModules();
  for (const key of [
    'STAGING_BUCKET',
    'TABLE_NAME',
    'TABLE_DECLARATION',
    'TABLE_DECLARATION_SHA256',
    'S3_ENDPOINT',
    'GLUE_DATABASE',
    'QUARANTINE_BUCKET',
  ])
    delete process.env[key];
  Object.assign(process.env, env);
  return load();
}

function expectNoSecrets(): string {
  const text = written.join('');
  for (const secret of [SESSION_TOKEN, 'EXAMPLE-SECRET', ITEM_VALUE, KEY_VALUE, POISON_VALUE])
    expect(text).not.toContain(secret);
  return text;
}

function streamRecord(seq: string, id: string, image: Record<string, unknown>): Record<string, unknown> {
  return {
    eventID: `e-${seq}`,
    eventName: 'INSERT',
    eventSource: 'aws:dynamodb',
    eventSourceARN: 'arn:aws:dynamodb:us-east-1:000000000000:table/books/stream/2026-11-27T08:00:00.000',
    dynamodb: {
      ApproximateCreationDateTime: 1795767600,
      Keys: { id: { S: id } },
      NewImage: { id: { S: id }, ...image },
      SequenceNumber: seq,
      SizeBytes: 100,
      StreamViewType: 'NEW_AND_OLD_IMAGES',
    },
  };
}

describe('no credential or item content in logs at the default level', () => {
  it('stream-writer: a batch with a poison record, then the same batch against a missing bucket', async () => {
    // Arrange
    type Entry = {
      handler: (event: unknown) => Promise<{ batchItemFailures: { itemIdentifier: string }[] }>;
    };
    const load = (): Promise<Entry> => import('@ddb-athena-sync/stream-writer/handler') as Promise<Entry>;
    const event = {
      Records: [
        streamRecord('100', KEY_VALUE, { name: { S: ITEM_VALUE }, author: { S: ITEM_VALUE } }),
        streamRecord('200', KEY_VALUE, { date: { S: POISON_VALUE } }),
      ],
    };
    capture();

    // Act: the entry reads its environment at the first invocation.
    const good = await coldStart(load, {
      STAGING_BUCKET: services.bucket,
      ...declarationEnv(books),
      S3_ENDPOINT: services.s3local.endpoint,
    });
    const ok = await good.handler(event);
    const missing = await coldStart(load, {
      STAGING_BUCKET: 'no-such-bucket-here',
      ...declarationEnv(books),
      S3_ENDPOINT: services.s3local.endpoint,
    });
    const failed = await missing.handler(event);

    // Assert
    expect(ok.batchItemFailures).toEqual([]);
    expect(failed.batchItemFailures).toEqual([{ itemIdentifier: '100' }]);
    const text = expectNoSecrets();
    expect(text).toContain('record quarantined');
    expect(text).toContain('batch staged');
    expect(text).toContain('batch not fully staged');
  });

  it('firehose-transform: good and failing records', async () => {
    // Arrange
    type Entry = { handler: (event: unknown) => Promise<{ records: { result: string }[] }> };
    const entry = await coldStart(
      () => import('@ddb-athena-sync/firehose-transform/handler') as Promise<Entry>,
      {
        ...declarationEnv(orders),
        GLUE_DATABASE: 'lake',
        // Rejected records go to quarantine in the lake bucket (firehose-table's environment).
        QUARANTINE_BUCKET: services.bucket,
        S3_ENDPOINT: services.s3local.endpoint,
      },
    );
    const change = (id: string, image: Record<string, unknown>): string =>
      Buffer.from(
        JSON.stringify({
          eventID: id,
          eventName: 'INSERT',
          tableName: 'orders',
          userIdentity: null,
          dynamodb: {
            ApproximateCreationDateTime: 1795767600000,
            Keys: { id: { S: id } },
            NewImage: { id: { S: id }, ...image },
          },
        }),
      ).toString('base64');
    const event = {
      invocationId: 'inv-1',
      records: [
        {
          recordId: 'r1',
          approximateArrivalTimestamp: 1795767600000,
          data: change(KEY_VALUE, {
            customer_id: { S: ITEM_VALUE },
            created_at: { S: '2026-11-27T08:20:00Z' },
          }),
        },
        {
          recordId: 'r2',
          approximateArrivalTimestamp: 1795767600000,
          data: change('o-2', { total: { S: POISON_VALUE }, created_at: { S: '2026-11-27T08:20:00Z' } }),
        },
        {
          recordId: 'r3',
          approximateArrivalTimestamp: 1795767600000,
          data: Buffer.from(`{"broken": "${ITEM_VALUE}`).toString('base64'),
        },
      ],
    };
    capture();

    // Act
    const response = await entry.handler(event);

    // Assert
    expect(response.records.map((r) => r.result)).toEqual(['Ok', 'ProcessingFailed', 'ProcessingFailed']);
    const text = expectNoSecrets();
    expect(text).toContain('record failed');
    expect(text).toContain('batch transformed');
  });

  async function mergerRig(): Promise<{
    handler: ReturnType<typeof createMerger>;
    put: (key: string, rows: Record<string, string>) => Promise<unknown>;
    done: () => void;
  }> {
    // The merger's config as its loadConfig gives it without LOG_LEVEL, on the local lake.
    const config = {
      tableName: 'books',
      table: books,
      stagingBucket: services.bucket,
      stagingPrefix: 'staging/',
      controlTable: services.controlTable,
      athenaWorkgroup: 'primary',
      glueDatabase: 'lake',
      tableLocation: 's3://lake-bucket/tables/books/',
      serviceName: 'merger',
      logLevel: 'INFO',
    };
    const s3 = new S3Client({ endpoint: services.s3local.endpoint, forcePathStyle: true });
    const dynamodb = new DynamoDBClient({ endpoint: services.dynamo.endpoint });
    await services.lake.ensureTable(books);
    const handler = createMerger({
      config,
      table: books,
      logger: new Logger({ serviceName: config.serviceName, logLevel: config.logLevel as 'INFO' }),
      metrics: new Metrics({
        namespace: 'DdbAthenaSync',
        serviceName: config.serviceName,
        defaultDimensions: { table: 'books' },
      }),
      engine: new LocalLakeEngine({ lake: services.lake, s3 }),
      s3,
      dynamodb,
      clock: { now: () => new Date() },
    });
    const put = (key: string, values: Record<string, string>) =>
      s3.send(
        new PutObjectCommand({
          Bucket: services.bucket,
          Key: key,
          Body: encodeStagingObject([
            {
              id: KEY_VALUE,
              name: ITEM_VALUE,
              author: null,
              summary: null,
              published_at: null,
              ...values,
              _op: 'upsert',
              _seq: '1'.padStart(40, '0'),
              _event_time: '2026-11-27 08:20:00.000000',
              _source: 'stream',
            },
          ]),
        }),
      );
    return {
      handler,
      put,
      done: () => {
        s3.destroy();
        dynamodb.destroy();
      },
    };
  }

  const context = (id: string) => ({ awsRequestId: id, getRemainingTimeInMillis: () => 120_000 });

  it('merger: a merge that commits', async () => {
    // Arrange
    const rig = await mergerRig();
    await rig.put('staging/books/2026/11/27/08/a-1-1.json.gz', {});
    capture();

    // Act
    const merged = await rig.handler({ table: 'books', action: 'merge' }, context('run-1'));

    // Assert
    expect(merged).toMatchObject({ status: 'drained', batches: 1 });
    expect(expectNoSecrets()).toContain('merge finished');
    rig.done();
  });

  // A cast error quotes the value that did not fit (DuckDB here; Athena's StateChangeReason does the
  // same, e.g. INVALID_CAST_ARGUMENT): the merger logs and throws such failures by class, error type
  // and query id only (apps/merger MergerRunError).
  it('merger: a merge whose staged value does not fit its column logs no item content', async () => {
    // Arrange
    const rig = await mergerRig();
    await rig.put('staging/books/2026/11/27/08/b-2-2.json.gz', { published_at: POISON_VALUE });
    capture();

    // Act
    const failure = await rig
      .handler({ table: 'books', action: 'merge' }, context('run-2'))
      .catch((error: unknown) => error);

    // Assert
    rig.done();
    expect(failure).toBeInstanceOf(Error);
    expect(written.join('')).toContain('merger run failed');
    expectNoSecrets();
  });
});
