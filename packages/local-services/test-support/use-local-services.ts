// Test support, not part of the library: s3rver (and DynamoDB Local when asked) started once for a
// vitest test file, in its beforeAll, and stopped in its afterAll. Test files across the workspace
// import it from `@ddb-athena-sync/local-services/test-support/use-local-services`; nothing bundled
// into a Lambda may import this module.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll } from 'vitest';

import { startDynamoDbLocal } from '../src/dynamodb-local.js';
import type { DynamoDbLocal } from '../src/dynamodb-local.js';
import { localDynamoDbClient, localS3Client } from '../src/local-clients.js';
import { startS3Local } from '../src/s3-local.js';
import type { S3Local, StartS3LocalOptions } from '../src/s3-local.js';

export interface UseLocalServicesOptions {
  /** Buckets s3rver creates at start. */
  readonly buckets?: StartS3LocalOptions['buckets'];
  /** Start DynamoDB Local too. */
  readonly dynamodb?: boolean;
}

/** The file's services; the getters throw before beforeAll ran. */
export interface LocalServices {
  /** A client of s3rver, shared by the file (destroyed in afterAll). */
  readonly s3: S3Client;
  /** A client of DynamoDB Local (only with `dynamodb: true`). */
  readonly dynamodb: DynamoDBClient;
  /** A new client of s3rver: one per test world, so that middleware a test adds stays in it. */
  newS3Client(): S3Client;
}

/** Registers the beforeAll that starts the services and the afterAll that stops them. */
export function useLocalServices(options: UseLocalServicesOptions = {}): LocalServices {
  let s3Local: S3Local | undefined;
  let ddbLocal: DynamoDbLocal | undefined;
  let s3: S3Client | undefined;
  let dynamodb: DynamoDBClient | undefined;
  beforeAll(async () => {
    [s3Local, ddbLocal] = await Promise.all([
      startS3Local(options.buckets === undefined ? {} : { buckets: options.buckets }),
      options.dynamodb === true ? startDynamoDbLocal() : Promise.resolve(undefined),
    ]);
    s3 = localS3Client(s3Local.endpoint);
    if (ddbLocal !== undefined) dynamodb = localDynamoDbClient(ddbLocal.endpoint);
  });
  afterAll(async () => {
    s3?.destroy();
    dynamodb?.destroy();
    await Promise.all([s3Local?.stop(), ddbLocal?.stop()]);
  });
  const started = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`useLocalServices: ${what} is not started`);
    return value;
  };
  return {
    get s3(): S3Client {
      return started(s3, 's3rver');
    },
    get dynamodb(): DynamoDBClient {
      return started(dynamodb, 'DynamoDB Local (pass dynamodb: true)');
    },
    newS3Client(): S3Client {
      return localS3Client(started(s3Local, 's3rver').endpoint);
    },
  };
}
