import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { declarationEnv } from '@ddb-athena-sync/core/config/env';
import type { FirehoseOutputRecord } from '@ddb-athena-sync/core/firehose/transform-records';
import { bundleLambda } from '@ddb-athena-sync/lambda-bundler/bundle';
import { runZippedHandler } from '@ddb-athena-sync/lambda-bundler/run-zipped-handler';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { localS3Client } from '@ddb-athena-sync/local-services/local-clients';
import { startS3Local } from '@ddb-athena-sync/local-services/s3-local';
import type { S3Local } from '@ddb-athena-sync/local-services/s3-local';
import { orders } from '@ddb-athena-sync/schemas/test-support/example-tables';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';

import { decodeData, firehoseEvent, kinesisFixture } from './helpers.js';

let s3local: S3Local;

beforeAll(async () => {
  s3local = await startS3Local({ buckets: ['zip-lake'] });
});

afterAll(async () => {
  await s3local?.stop();
});

describe('the firehose-transform zip', () => {
  it('loads in a fresh Node process and transforms the captured Kinesis records', async () => {
    // Arrange: build the zip from the current sources into a scratch directory.
    const appDir = fileURLToPath(new URL('..', import.meta.url));
    const outDir = await mkdtemp(join(tmpdir(), 'bundle-'));
    onTestFinished(() => rm(outDir, { recursive: true, force: true }));
    const built = await bundleLambda({ appDir, outDir });
    const event = firehoseEvent(kinesisFixture());

    // Act
    const run = await runZippedHandler(built.zipFile, event, {
      ...declarationEnv(orders),
      GLUE_DATABASE: 'lake',
      QUARANTINE_BUCKET: 'zip-lake',
      POWERTOOLS_SERVICE_NAME: 'firehose-transform',
      LOG_LEVEL: 'WARN',
      S3_ENDPOINT: s3local.endpoint,
      AWS_REGION: 'us-east-1',
      // s3rver's fixed local credentials, not AWS ones.
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
    });

    // Assert
    const records = (run.result as { records: FirehoseOutputRecord[] }).records;
    expect(run.files).toEqual(['handler.mjs', 'handler.mjs.map']);
    expect(records.map((r) => [r.recordId, r.result])).toEqual([
      ['record-0000', 'Ok'],
      ['record-0001', 'Ok'],
      ['record-0002', 'Dropped'],
      ['record-0003', 'ProcessingFailed'],
      ['record-0004', 'Dropped'],
    ]);
    expect(records[0]!.metadata?.otfMetadata).toEqual({
      destinationDatabaseName: 'lake',
      destinationTableName: 'orders',
      operation: 'insert',
    });
    expect(decodeData(records[0]!)).toMatchObject({ id: 'o-001', total: '21.48' });
    expect(run.stdout).toContain('"ProcessingFailed"');
    const s3 = localS3Client(s3local.endpoint);
    const quarantined = await s3.send(
      new ListObjectsV2Command({ Bucket: 'zip-lake', Prefix: 'quarantine/orders/' }),
    );
    expect(quarantined.Contents ?? []).toHaveLength(1);
    s3.destroy();
  });
});
