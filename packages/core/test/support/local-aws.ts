// The fresh bucket and control table that each merge-protocol test builds its isolated world on,
// on the file's s3rver and DynamoDB Local (useLocalServices from local-services' test support).
import { CreateBucketCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';
import type { LocalServices } from '@ddb-athena-sync/local-services/test-support/use-local-services';

import { createControlTable } from '../../test-support/control-table.js';

export interface Store {
  /** The world's number, unique in the file. */
  readonly n: number;
  /** `<prefix>-<n>`, created. */
  readonly bucket: string;
  /** `<prefix>_control_<n>`, created. */
  readonly controlTable: string;
  /** A client of its own, so that middleware a test adds stays in its world. */
  readonly s3: S3Client;
  /** Every key in the bucket under `prefix` (all of them by default). */
  readonly keys: (prefix?: string) => Promise<string[]>;
}

let worlds = 0;

/** A new bucket and control table for one test (`services` started with `dynamodb: true`). */
export async function freshStore(services: LocalServices, prefix: string): Promise<Store> {
  const n = ++worlds;
  const bucket = `${prefix}-${n}`;
  const controlTable = `${prefix}_control_${n}`;
  const s3 = services.newS3Client();
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await createControlTable(services.dynamodb, controlTable);
  const keys = async (under?: string): Promise<string[]> =>
    ((await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: under }))).Contents ?? []).map(
      (o) => o.Key!,
    );
  return { n, bucket, controlTable, s3, keys };
}
