// DynamoDB Local and s3rver started once per test file (about 10 s each on 2 cores), and the fresh
// bucket and control table that each merge-protocol test builds its isolated world on.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';
import { startDynamoDbLocal } from '@ddb-athena-sync/local-services/dynamodb-local';
import type { DynamoDbLocal } from '@ddb-athena-sync/local-services/dynamodb-local';
import { localDynamoDbClient, localS3Client } from '@ddb-athena-sync/local-services/local-clients';
import { startS3Local } from '@ddb-athena-sync/local-services/s3-local';
import type { S3Local } from '@ddb-athena-sync/local-services/s3-local';
import { afterAll, beforeAll } from 'vitest';

import { createControlTable } from '../../test-support/control-table.js';

export interface LocalAws {
  /** The client of the file's DynamoDB Local (set once beforeAll ran). */
  readonly dynamodb: DynamoDBClient;
  /** A new client of the file's s3rver: one per world, so middleware a test adds stays in its world. */
  s3(): S3Client;
}

/** Starts DynamoDB Local and s3rver before the file's tests (beforeAll) and stops them after. */
export function useLocalAws(): LocalAws {
  let s3Local: S3Local | undefined;
  let ddbLocal: DynamoDbLocal | undefined;
  let dynamodb: DynamoDBClient | undefined;
  beforeAll(async () => {
    [s3Local, ddbLocal] = await Promise.all([startS3Local(), startDynamoDbLocal()]);
    dynamodb = localDynamoDbClient(ddbLocal.endpoint);
  });
  afterAll(async () => {
    await Promise.all([s3Local?.stop(), ddbLocal?.stop()]);
  });
  return {
    get dynamodb(): DynamoDBClient {
      if (dynamodb === undefined) throw new Error('useLocalAws: DynamoDB Local is not started yet');
      return dynamodb;
    },
    s3(): S3Client {
      if (s3Local === undefined) throw new Error('useLocalAws: s3rver is not started yet');
      return localS3Client(s3Local.endpoint);
    },
  };
}

export interface Store {
  /** The world's number, unique in the file. */
  readonly n: number;
  /** `<prefix>-<n>`, created. */
  readonly bucket: string;
  /** `<prefix>_control_<n>`, created. */
  readonly controlTable: string;
  readonly s3: S3Client;
  /** Every key in the bucket under `prefix` (all of them by default). */
  readonly keys: (prefix?: string) => Promise<string[]>;
}

let worlds = 0;

/** A new bucket and control table for one test, on the file's local services. */
export async function freshStore(aws: LocalAws, prefix: string): Promise<Store> {
  const n = ++worlds;
  const bucket = `${prefix}-${n}`;
  const controlTable = `${prefix}_control_${n}`;
  const s3 = aws.s3();
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await createControlTable(aws.dynamodb, controlTable);
  const keys = async (under?: string): Promise<string[]> =>
    ((await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: under }))).Contents ?? []).map(
      (o) => o.Key!,
    );
  return { n, bucket, controlTable, s3, keys };
}
