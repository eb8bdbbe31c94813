import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { createControlTable } from '@ddb-athena-sync/core/test-support/control-table';
import { putDeclarationObjects } from '@ddb-athena-sync/core/test-support/declaration-object';
import { bundleLambda } from '@ddb-athena-sync/lambda-bundler/bundle';
import { runZippedHandler } from '@ddb-athena-sync/lambda-bundler/run-zipped-handler';
import { startDynamoDbLocal } from '@ddb-athena-sync/local-services/dynamodb-local';
import type { DynamoDbLocal } from '@ddb-athena-sync/local-services/dynamodb-local';
import { localDynamoDbClient, localS3Client } from '@ddb-athena-sync/local-services/local-clients';
import { startS3Local } from '@ddb-athena-sync/local-services/s3-local';
import type { S3Local } from '@ddb-athena-sync/local-services/s3-local';
import { books } from '@ddb-athena-sync/schemas/test-support/example-tables';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';

// The merger zip as Lambda runs it, in a fresh Node process with only its environment: the
// declaration comes from the S3 object merge-table writes when the variables would pass Lambda's
// 4 KB, and the lease and journal live in the control table. The merger's clients take no endpoint
// option of ours: the AWS SDK's service-specific endpoint variables (AWS_ENDPOINT_URL_S3,
// AWS_ENDPOINT_URL_DYNAMODB; AWS SDKs and Tools Reference Guide, "Service-specific endpoints") point
// them at s3rver and DynamoDB Local, so the code that runs here is the code that runs on AWS. An empty
// staging prefix needs no Athena: the run takes the lease, replays the (empty) journal, lists and
// reports.
let s3local: S3Local;
let ddbLocal: DynamoDbLocal;

beforeAll(async () => {
  [s3local, ddbLocal] = await Promise.all([startS3Local({ buckets: ['zip-lake'] }), startDynamoDbLocal()]);
  await createControlTable(localDynamoDbClient(ddbLocal.endpoint), 'control');
});

afterAll(async () => {
  await Promise.all([s3local?.stop(), ddbLocal?.stop()]);
});

describe('the merger zip', () => {
  it('reads its declaration from S3 at cold start, runs a merge on the local services, and refuses a declaration that does not match the hash', async () => {
    // Arrange
    const appDir = fileURLToPath(new URL('..', import.meta.url));
    const outDir = await mkdtemp(join(tmpdir(), 'bundle-'));
    onTestFinished(() => rm(outDir, { recursive: true, force: true }));
    const built = await bundleLambda({ appDir, outDir });
    const s3 = localS3Client(s3local.endpoint);
    onTestFinished(() => s3.destroy());
    const { uri, editedUri, sha256 } = await putDeclarationObjects(s3, 'zip-lake', books);
    const env = (declarationUri: string): Record<string, string> => ({
      STAGING_BUCKET: 'zip-lake',
      CONTROL_TABLE: 'control',
      ATHENA_WORKGROUP: 'wg',
      GLUE_DATABASE: 'library',
      TABLE_LOCATION: 's3://zip-lake/tables/books/',
      TABLE_NAME: 'books',
      TABLE_DECLARATION_S3_URI: declarationUri,
      TABLE_DECLARATION_SHA256: sha256,
      AWS_ENDPOINT_URL_S3: s3local.endpoint,
      AWS_ENDPOINT_URL_DYNAMODB: ddbLocal.endpoint,
      AWS_REGION: 'us-east-1',
      // s3rver's fixed local credentials (DynamoDB Local takes any), not AWS ones.
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
      POWERTOOLS_SERVICE_NAME: 'merger',
      LOG_LEVEL: 'WARN',
    });

    // Act
    const run = await runZippedHandler(built.zipFile, { table: 'books', action: 'merge' }, env(uri));
    const edited = runZippedHandler(built.zipFile, { table: 'books', action: 'merge' }, env(editedUri));

    // Assert
    expect(run.files).toEqual(['handler.mjs', 'handler.mjs.map']);
    expect(run.result).toEqual({
      table: 'books',
      action: 'merge',
      status: 'drained',
      batches: 0,
      backlog: 0,
    });
    // The run's EMF: an idle table still reports its oldest staged object (0), under the dimensions
    // the alarms ask for.
    const emf = run.stdout
      .split('\n')
      .filter((line) => line.includes('"_aws"'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(emf).toContainEqual(
      expect.objectContaining({ OldestStagedObjectAgeMs: 0, service: 'merger', table: 'books' }),
    );
    const failure = await edited.then(
      () => 'the handler ran',
      (error: unknown) => String((error as { stderr?: unknown }).stderr),
    );
    expect(failure).toContain(
      'DeclarationHashMismatchError: table "books": the declaration at s3://zip-lake/declarations/books/edited.json has SHA-256',
    );
  });
});
