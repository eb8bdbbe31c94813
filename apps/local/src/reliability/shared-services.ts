import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { DuckDBInstance } from '@duckdb/node-api';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import type { S3Client } from '@aws-sdk/client-s3';
import { Lake } from '@ddb-athena-sync/local-lake/lake';
import { startDynamoDbLocal } from '@ddb-athena-sync/local-services/dynamodb-local';
import type { DynamoDbLocal } from '@ddb-athena-sync/local-services/dynamodb-local';
import {
  localDynamoDbClient,
  localS3Client,
  localStreamsClient,
} from '@ddb-athena-sync/local-services/local-clients';
import { startS3Local } from '@ddb-athena-sync/local-services/s3-local';
import type { S3Local } from '@ddb-athena-sync/local-services/s3-local';

import { ensureControlTable } from '@ddb-athena-sync/local-stack/dynamodb-tables';

export const RELIABILITY_BUCKET = 'ddb-athena-sync-reliability';
export const RELIABILITY_CONTROL_TABLE = 'ddb-athena-sync-reliability-control';

/**
 * What every scenario shares, so that one scenario costs seconds: one DynamoDB Local (in memory),
 * one s3rver, one lake directory with three lake instances (the merger's, a second writer's for
 * commit conflicts and maintenance, and a reader's), and a DuckDB connection for reads. Scenarios
 * isolate themselves by table name (DynamoDB table, staging prefix, lake table, control item).
 */
export interface SharedServices {
  readonly dynamo: DynamoDbLocal;
  readonly s3local: S3Local;
  readonly ddb: DynamoDBClient;
  readonly streams: DynamoDBStreamsClient;
  readonly s3: S3Client;
  readonly bucket: string;
  readonly controlTable: string;
  readonly lakeRoot: string;
  /** The lake the merger commits to. */
  readonly lake: Lake;
  /** Another process's lake instance on the same directory: OPTIMIZE and snapshot expiry, racing the merger. */
  readonly otherLake: Lake;
  /** The reader's lake instance: resolves snapshots to files. */
  readonly readerLake: Lake;
  /** Where readers run the scans (a DuckDB of their own, like an Athena query). */
  readonly readerDb: DuckDBConnection;
  /**
   * Called by the merger's lake right before each compare-and-swap of a commit (`table` is
   * `namespace.name`): a scenario uses it to let another writer commit in between, a real race.
   */
  beforeCommit: ((table: string, attempt: number) => Promise<void>) | undefined;
  /**
   * The lake of an orphaned query (a MERGE that outlived its invocation): its first commit attempt
   * waits for `orphanGate`, so that it commits after another merger took over.
   */
  readonly orphanLake: Lake;
  orphanGate: Promise<void> | undefined;
  stop(): Promise<void>;
}

export async function startSharedServices(): Promise<SharedServices> {
  const work = await mkdtemp(join(tmpdir(), 'ddb-athena-sync-reliability-'));
  const [dynamo, s3local] = await Promise.all([
    startDynamoDbLocal({}),
    startS3Local({ directory: join(work, 's3'), buckets: [RELIABILITY_BUCKET] }),
  ]);
  const ddb = localDynamoDbClient(dynamo.endpoint);
  const streams = localStreamsClient(dynamo.endpoint);
  const s3 = localS3Client(s3local.endpoint);
  await ensureControlTable(ddb, RELIABILITY_CONTROL_TABLE);
  const lakeRoot = join(work, 'lake');
  const hooks: { beforeCommit: SharedServices['beforeCommit']; orphanGate: Promise<void> | undefined } = {
    beforeCommit: undefined,
    orphanGate: undefined,
  };
  const [lake, otherLake, readerLake, orphanLake] = await Promise.all([
    Lake.open({
      root: lakeRoot,
      beforeCommit: (table, attempt) => hooks.beforeCommit?.(table, attempt) ?? Promise.resolve(),
    }),
    Lake.open({ root: lakeRoot }),
    Lake.open({ root: lakeRoot }),
    Lake.open({
      root: lakeRoot,
      beforeCommit: async (_table, attempt) => {
        if (attempt === 0) await hooks.orphanGate;
      },
    }),
  ]);
  const readerInstance = await DuckDBInstance.create(':memory:');
  const readerDb = await readerInstance.connect();
  const services: SharedServices = {
    dynamo,
    s3local,
    ddb,
    streams,
    s3,
    bucket: RELIABILITY_BUCKET,
    controlTable: RELIABILITY_CONTROL_TABLE,
    lakeRoot,
    lake,
    otherLake,
    readerLake,
    readerDb,
    orphanLake,
    get orphanGate() {
      return hooks.orphanGate;
    },
    set orphanGate(gate) {
      hooks.orphanGate = gate;
    },
    get beforeCommit() {
      return hooks.beforeCommit;
    },
    set beforeCommit(hook) {
      hooks.beforeCommit = hook;
    },
    async stop() {
      readerDb.closeSync();
      for (const l of [lake, otherLake, readerLake, orphanLake]) l.close();
      ddb.destroy();
      streams.destroy();
      s3.destroy();
      await Promise.allSettled([dynamo.stop(), s3local.stop()]);
      await rm(work, { recursive: true, force: true });
    },
  };
  return services;
}
