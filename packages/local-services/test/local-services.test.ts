import { CreateBucketCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startDynamoDbLocal } from '../src/dynamodb-local.js';
import type { DynamoDbLocal } from '../src/dynamodb-local.js';
import { localDynamoDbClient, localS3Client } from '../src/local-clients.js';
import { startS3Local } from '../src/s3-local.js';
import type { S3Local } from '../src/s3-local.js';

describe('local services', () => {
  let ddb: DynamoDbLocal;
  let s3: S3Local;

  beforeAll(async () => {
    [ddb, s3] = await Promise.all([startDynamoDbLocal(), startS3Local({ buckets: ['lake'] })]);
  });
  afterAll(async () => {
    await Promise.all([ddb?.stop(), s3?.stop()]);
  });

  it('serves the DynamoDB API from DynamoDB Local on 127.0.0.1', async () => {
    const client = localDynamoDbClient(ddb.endpoint);
    const out = await client.send(new ListTablesCommand({}));
    expect(ddb.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(out.TableNames).toEqual([]);
  });

  it('stores and returns objects through s3rver', async () => {
    const client = localS3Client(s3.endpoint);
    await client.send(new CreateBucketCommand({ Bucket: 'other' }));
    await client.send(new PutObjectCommand({ Bucket: 'lake', Key: 'a/b.txt', Body: 'hello' }));
    const got = await client.send(new GetObjectCommand({ Bucket: 'lake', Key: 'a/b.txt' }));
    expect(await got.Body?.transformToString()).toBe('hello');
  });
});
