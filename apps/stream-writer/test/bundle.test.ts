import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { readAllStagingRows } from '@ddb-athena-sync/core/staging/staging-object';
import { bundleLambda } from '@ddb-athena-sync/lambda-bundler/bundle';
import { runZippedHandler } from '@ddb-athena-sync/lambda-bundler/run-zipped-handler';
import { localS3Client } from '@ddb-athena-sync/local-services/local-clients';
import { startS3Local } from '@ddb-athena-sync/local-services/s3-local';
import type { S3Local } from '@ddb-athena-sync/local-services/s3-local';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';

import { fixtureEvent, getBytes, listKeys } from './helpers.js';

let s3local: S3Local;

beforeAll(async () => {
  s3local = await startS3Local({ buckets: ['zip-lake'] });
});

afterAll(async () => {
  await s3local.stop();
});

describe('the stream-writer zip', () => {
  it('loads in a fresh Node process and stages a captured batch in s3rver', async () => {
    // Arrange: build the zip from the current sources into a scratch directory.
    const appDir = fileURLToPath(new URL('..', import.meta.url));
    const outDir = await mkdtemp(join(tmpdir(), 'bundle-'));
    onTestFinished(() => rm(outDir, { recursive: true, force: true }));
    const built = await bundleLambda({ appDir, outDir });

    // Act
    const run = await runZippedHandler(built.zipFile, fixtureEvent('books'), {
      STAGING_BUCKET: 'zip-lake',
      TABLE_NAME: 'books',
      S3_ENDPOINT: s3local.endpoint,
      AWS_REGION: 'us-east-1',
      // s3rver's fixed local credentials, not AWS ones.
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
      POWERTOOLS_SERVICE_NAME: 'stream-writer',
      LOG_LEVEL: 'WARN',
    });

    // Assert
    expect(run.files).toEqual(['handler.mjs', 'handler.mjs.map']);
    expect(run.result).toEqual({ batchItemFailures: [] });
    const s3 = localS3Client(s3local.endpoint);
    const staged = await listKeys(s3, 'zip-lake', 'staging/books/');
    expect(staged).toHaveLength(1);
    expect(await readAllStagingRows(await getBytes(s3, 'zip-lake', staged[0]!))).toHaveLength(5);
    expect(await listKeys(s3, 'zip-lake', 'quarantine/books/')).toHaveLength(1);
    expect(run.stdout).toContain('"RecordsStaged"');
    expect(run.stdout).not.toMatch(/Dune|Frank Herbert|Neuromancer/);
    s3.destroy();
  });
});
