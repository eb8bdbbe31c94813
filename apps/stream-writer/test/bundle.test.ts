import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { putDeclarationObjects } from '@ddb-athena-sync/core/test-support/declaration-object';
import { declarationEnv } from '@ddb-athena-sync/core/config/env';
import { readAllStagingRows } from '@ddb-athena-sync/core/staging/staging-object';
import { bundleLambda } from '@ddb-athena-sync/lambda-bundler/bundle';
import { runZippedHandler } from '@ddb-athena-sync/lambda-bundler/run-zipped-handler';
import { localS3Client } from '@ddb-athena-sync/local-services/local-clients';
import { startS3Local } from '@ddb-athena-sync/local-services/s3-local';
import type { S3Local } from '@ddb-athena-sync/local-services/s3-local';
import { books } from '@ddb-athena-sync/schemas/test-support/example-tables';
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
      ...declarationEnv(books),
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

  it('reads its declaration from the S3 object Terraform writes, and refuses one that does not match the hash', async () => {
    // Arrange: one build; the declaration as merge-table puts it in S3 when the variables would
    // pass Lambda's 4 KB (the object's key carries the hash, as infra/modules/merge-table writes it).
    const appDir = fileURLToPath(new URL('..', import.meta.url));
    const outDir = await mkdtemp(join(tmpdir(), 'bundle-'));
    onTestFinished(() => rm(outDir, { recursive: true, force: true }));
    const built = await bundleLambda({ appDir, outDir });
    const s3 = localS3Client(s3local.endpoint);
    onTestFinished(() => s3.destroy());
    const { uri, editedUri, sha256 } = await putDeclarationObjects(s3, 'zip-lake', books);
    const env = (declarationUri: string): Record<string, string> => ({
      STAGING_BUCKET: 'zip-lake',
      STAGING_PREFIX: 'from-s3/',
      TABLE_NAME: 'books',
      TABLE_DECLARATION_S3_URI: declarationUri,
      TABLE_DECLARATION_SHA256: sha256,
      S3_ENDPOINT: s3local.endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
      LOG_LEVEL: 'WARN',
    });

    // Act
    const run = await runZippedHandler(built.zipFile, fixtureEvent('books'), env(uri));
    const edited = runZippedHandler(built.zipFile, fixtureEvent('books'), env(editedUri));

    // Assert
    expect(run.result).toEqual({ batchItemFailures: [] });
    expect(await listKeys(s3, 'zip-lake', 'from-s3/books/')).toHaveLength(1);
    const failure = await edited.then(
      () => 'the handler ran',
      (error: unknown) => String((error as { stderr?: unknown }).stderr),
    );
    expect(failure).toContain(
      'DeclarationHashMismatchError: table "books": the declaration at s3://zip-lake/declarations/books/edited.json has SHA-256',
    );
  });
});
