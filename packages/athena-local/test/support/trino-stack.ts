// The services the Trino-backed test files share, started once per file (Trino takes 20-60 s on two
// busy cores): s3rver, optionally DynamoDB Local (the merger's control tables), Trino on s3rver,
// the Athena API stand-in with the file's database, and an SDK AthenaClient pointed at it.
import { AthenaClient } from '@aws-sdk/client-athena';
import type { AthenaClientConfig } from '@aws-sdk/client-athena';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import { AthenaEngine } from '@ddb-athena-sync/core/aws/athena-engine';
import type { AthenaEngineOptions } from '@ddb-athena-sync/core/aws/athena-engine';
import { startDynamoDbLocal } from '@ddb-athena-sync/local-services/dynamodb-local';
import type { DynamoDbLocal } from '@ddb-athena-sync/local-services/dynamodb-local';
import { localDynamoDbClient, localS3Client } from '@ddb-athena-sync/local-services/local-clients';
import { startS3Local } from '@ddb-athena-sync/local-services/s3-local';
import type { S3Local } from '@ddb-athena-sync/local-services/s3-local';
import type { TableDeclaration } from '@ddb-athena-sync/schemas/declaration';

import { startAthenaStandIn } from '../../src/athena-stand-in.js';
import type { AthenaStandIn } from '../../src/athena-stand-in.js';
import { startTrino } from '../../src/trino-server.js';
import type { TrinoServer } from '../../src/trino-server.js';

/** s3rver's fixed credentials, which Trino and the stand-in's clients sign with. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

/** An SDK client of the Athena stand-in at `endpoint`. */
export function standInClient(endpoint: string, config: Partial<AthenaClientConfig> = {}): AthenaClient {
  return new AthenaClient({ endpoint, region: 'us-east-1', credentials: LOCAL_CREDENTIALS, ...config });
}

export interface TrinoStackOptions {
  /** Created in the stand-in's catalog. */
  readonly database: string;
  /** s3rver buckets to create. */
  readonly buckets: readonly string[];
  /** Start DynamoDB Local too (for the merger's control tables). */
  readonly withDynamoDb?: boolean;
}

export interface TrinoStack {
  readonly trino: TrinoServer;
  readonly standIn: AthenaStandIn;
  /** An SDK client of the stand-in. */
  readonly athena: AthenaClient;
  readonly s3: S3Client;
  /** Undefined unless `withDynamoDb`. */
  readonly dynamodb: DynamoDBClient | undefined;
  /**
   * The merger's AthenaEngine on the stand-in, for `table` under s3://lake/ (workgroup primary,
   * short poll and retry delays), with `options` on top.
   */
  engineFor(table: TableDeclaration, options?: Partial<AthenaEngineOptions>): AthenaEngine;
  stop(): Promise<void>;
}

/** Starts the stack; on a failure part way, stops what had started. */
export async function startTrinoStack(options: TrinoStackOptions): Promise<TrinoStack> {
  let s3Local: S3Local | undefined;
  let ddbLocal: DynamoDbLocal | undefined;
  let trino: TrinoServer | undefined;
  let standIn: AthenaStandIn | undefined;
  const stop = async (): Promise<void> => {
    await standIn?.stop();
    await trino?.stop();
    await Promise.all([s3Local?.stop(), ddbLocal?.stop()]);
  };
  try {
    [s3Local, ddbLocal] = await Promise.all([
      startS3Local({ buckets: [...options.buckets] }),
      options.withDynamoDb === true ? startDynamoDbLocal() : Promise.resolve(undefined),
    ]);
    trino = await startTrino({
      s3: { endpoint: s3Local.endpoint, ...LOCAL_CREDENTIALS, region: 'us-east-1' },
    });
    standIn = await startAthenaStandIn({ trino: trino.client });
    await standIn.createDatabase(options.database);
  } catch (error) {
    await stop();
    throw error;
  }
  const athena = standInClient(standIn.endpoint);
  return {
    trino,
    standIn,
    athena,
    s3: localS3Client(s3Local.endpoint),
    dynamodb: ddbLocal === undefined ? undefined : localDynamoDbClient(ddbLocal.endpoint),
    engineFor: (table, extra = {}) =>
      new AthenaEngine({
        athena,
        workGroup: 'primary',
        database: options.database,
        tableLocation: `s3://lake/tables/${table.name}/`,
        stagingLocation: `s3://lake/staging/${table.name}/`,
        pollBaseMs: 50,
        retryBaseMs: 100,
        ...extra,
      }),
    stop,
  };
}
