import { isStagedMode } from '@ddb-athena-sync/schemas/declaration';
import { randomUUID } from 'node:crypto';

import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { AthenaClient } from '@aws-sdk/client-athena';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';
import { AthenaEngine } from '@ddb-athena-sync/core/aws/athena-engine';
import type { CompactionLimits } from '@ddb-athena-sync/core/merge/compact-staged';
import type { MergeEngine } from '@ddb-athena-sync/core/merge/engine';
import type { Clock } from '@ddb-athena-sync/core/merge/merge-table';
import { declarationEnv, METRICS_NAMESPACE } from '@ddb-athena-sync/core/config/env';
import { DEFAULT_QUARANTINE_PREFIX, DEFAULT_STAGING_PREFIX } from '@ddb-athena-sync/core/staging/staging-key';
import type { ObjectStore } from '@ddb-athena-sync/core/stream/stage-batch';
import { loadConfig as loadFirehoseTransformConfig } from '@ddb-athena-sync/firehose-transform/config';
import { createHandler as createFirehoseTransform } from '@ddb-athena-sync/firehose-transform/handler';
import { LocalLakeEngine } from '@ddb-athena-sync/local-lake/merge-engine';
import type { FunctionContext, PipelineFunctions } from '@ddb-athena-sync/local-stack/pipeline-functions';
import type { BatchResponse } from '@ddb-athena-sync/local-stack/batch-response';
import type { LambdaStreamRecord } from '@ddb-athena-sync/local-services/stream-records';
import { loadConfig as loadMergerConfig } from '@ddb-athena-sync/merger/config';
import { createHandler as createMerger } from '@ddb-athena-sync/merger/handler';
import type { TableDeclaration } from '@ddb-athena-sync/schemas/declaration';
import { getTable } from '@ddb-athena-sync/schemas/config-file';
import { loadConfig as loadStreamWriterConfig } from '@ddb-athena-sync/stream-writer/config';
import { createHandler as createStreamWriter } from '@ddb-athena-sync/stream-writer/handler';

/**
 * Test-only: one merger invocation with its dependencies wrapped (faults, crashes). The engine is
 * built on the wrapped S3 client, as in Lambda where both share the function's client.
 */
export interface MergerInvocation {
  readonly requestId?: string;
  readonly s3?: (s3: S3Client) => S3Client;
  readonly dynamodb?: (ddb: DynamoDBClient) => DynamoDBClient;
  readonly engine?: (engine: MergeEngine) => MergeEngine;
}

/**
 * Test-only hook points, so that a harness runs the very wiring the local stack runs, with faults
 * injected at the edges: tables other than the stack's, the stream-writer's S3 client, the merger's
 * clock (its lease and time budget follow it). The local stack passes none.
 */
export interface FunctionHooks {
  readonly tables?: readonly TableDeclaration[];
  readonly writerS3?: (s3: S3Client) => S3Client;
  readonly clock?: Clock;
  /** The merger's compaction limits for append tables (the reliability harness makes them small). */
  readonly compaction?: CompactionLimits;
}

/** The functions with the test-only per-invocation hook of the merger (still `PipelineFunctions`). */
export interface HookedPipelineFunctions extends PipelineFunctions {
  merger(
    event: { table: string; action: 'merge' | 'maintain' },
    invocation?: MergerInvocation,
  ): Promise<unknown>;
}

/**
 * The merger's local "Lambda timeout": the handler keeps 20 s back for its journal writes and starts a
 * batch only with 30 s left, so this must exceed 50 s (the AWS module uses minutes).
 */
export const MERGER_TIMEOUT_MS = 120_000;

/** The Glue database name the local lake's default namespace stands for. */
export const LOCAL_DATABASE = 'default';

// Metrics are CloudWatch EMF lines on stdout in Lambda; locally they would only clutter the terminal.
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';

const ignore = (): void => undefined;
const SILENT_LOGGER = { trace: ignore, debug: ignore, info: ignore, warn: ignore, error: ignore };

function powertools(serviceName: string, logLevel: string): { logger: Logger; metrics: Metrics } {
  return {
    logger: new Logger({ serviceName, logLevel: logLevel as 'INFO' }),
    // Metrics' own warnings ("No application metrics to publish") go to a silent logger locally.
    metrics: new Metrics({ namespace: METRICS_NAMESPACE, serviceName, logger: SILENT_LOGGER }),
  };
}

/**
 * Builds the real handlers of apps/stream-writer, apps/merger and apps/firehose-transform (the one
 * place in the repository that imports the apps; `startStack` takes this as its `functions`) with
 * their dependencies pointed at the local services: the same code as in Lambda, each configured by
 * its own `loadConfig` from the environment infra/modules/{merge,firehose}-table/lambda.tf sets (with
 * local values; a bad one is the app's ConfigError, as at a Lambda cold start), with clients built
 * here (local endpoints and the fixed local credentials) instead of from the Lambda environment.
 */
export async function buildFunctions(
  ctx: FunctionContext & { readonly hooks?: FunctionHooks },
): Promise<HookedPipelineFunctions> {
  const writerS3 = ctx.hooks?.writerS3?.(ctx.s3) ?? ctx.s3;
  const clock: Clock = ctx.hooks?.clock ?? { now: () => new Date() };
  const hooked = (name: string): TableDeclaration | undefined =>
    ctx.hooks?.tables?.find((t) => t.name === name);
  // Each function gets its table's declaration in its environment (TABLE_NAME, TABLE_DECLARATION,
  // TABLE_DECLARATION_SHA256), as merge-table and firehose-table give it in AWS: no built-in map.
  const tables = ctx.tables ?? new Map<string, TableDeclaration>();
  const tableOf = (name: string): TableDeclaration => hooked(name) ?? getTable(name, tables);
  // `--engine trino`: the merger's AthenaEngine, unchanged, talks to the Athena stand-in through the
  // SDK's `endpoint` option; its tables are created the way a deployment creates them, with the
  // engine's own Athena DDL (Iceberg table + JSON SerDe staging table), before anything reads them.
  const athena =
    ctx.athenaEndpoint === undefined
      ? undefined
      : new AthenaClient({
          endpoint: ctx.athenaEndpoint,
          region: 'us-east-1',
          credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
        });
  const engineFor = (table: TableDeclaration, s3: S3Client = ctx.s3): MergeEngine =>
    athena === undefined
      ? new LocalLakeEngine({ lake: ctx.lake, s3 })
      : new AthenaEngine({
          athena,
          workGroup: 'primary',
          database: LOCAL_DATABASE,
          tableLocation: `s3://${ctx.bucket}/lake/${table.name}/`,
          stagingLocation: `s3://${ctx.bucket}/${DEFAULT_STAGING_PREFIX}${table.name}/`,
          pollBaseMs: 100,
        });
  if (athena !== undefined)
    for (const table of tables.values())
      if (isStagedMode(table.mode)) await engineFor(table).ensureTable(table);
  const store: ObjectStore = {
    async putObject({ key, body, contentType, contentEncoding }) {
      await writerS3.send(
        new PutObjectCommand({
          Bucket: ctx.bucket,
          Key: key,
          Body: body,
          ContentType: contentType,
          ContentEncoding: contentEncoding,
        }),
      );
    },
  };
  const writers = new Map<string, (event: { Records: LambdaStreamRecord[] }) => Promise<BatchResponse>>();
  const mergers = new Map<string, ReturnType<typeof createMerger>>();
  return {
    streamWriter(table) {
      let writer = writers.get(table.name);
      if (writer === undefined) {
        // merge-table's stream-writer environment, plus S3_ENDPOINT for s3rver.
        const config = loadStreamWriterConfig({
          STAGING_BUCKET: ctx.bucket,
          STAGING_PREFIX: DEFAULT_STAGING_PREFIX,
          QUARANTINE_PREFIX: DEFAULT_QUARANTINE_PREFIX,
          ...declarationEnv(tableOf(table.name)),
          POWERTOOLS_SERVICE_NAME: 'stream-writer',
          LOG_LEVEL: ctx.logLevel,
          S3_ENDPOINT: ctx.s3Endpoint,
        });
        const handler = createStreamWriter({
          config,
          store,
          ...powertools('stream-writer', ctx.logLevel),
          now: () => Date.now(),
        });
        // The handler is typed with aws-lambda's event types; the records are that shape.
        writer = (event) => handler(event as unknown as Parameters<typeof handler>[0]);
        writers.set(table.name, writer);
      }
      return writer;
    },
    merger(event, invocation) {
      let merger = invocation === undefined ? mergers.get(event.table) : undefined;
      if (merger === undefined) {
        // merge-table's merger environment; ATHENA_WORKGROUP names nothing locally (the engine is
        // the local lake, or with `--engine trino` an AthenaEngine built above with its own settings).
        const config = loadMergerConfig({
          ...declarationEnv(tableOf(event.table)),
          STAGING_BUCKET: ctx.bucket,
          STAGING_PREFIX: DEFAULT_STAGING_PREFIX,
          CONTROL_TABLE: ctx.controlTable,
          ATHENA_WORKGROUP: 'local',
          GLUE_DATABASE: LOCAL_DATABASE,
          TABLE_LOCATION: `s3://${ctx.bucket}/lake/${event.table}`,
          // The local "Lambda timeout" below, checked by the merger against its batch budget.
          MERGER_TIMEOUT_SECONDS: String(MERGER_TIMEOUT_MS / 1000),
          POWERTOOLS_SERVICE_NAME: 'merger',
          LOG_LEVEL: ctx.logLevel,
        });
        const table = config.table;
        const s3 = invocation?.s3?.(ctx.s3) ?? ctx.s3;
        const dynamodb = invocation?.dynamodb?.(ctx.ddb) ?? ctx.ddb;
        const built = engineFor(table, s3);
        const engine = invocation?.engine?.(built) ?? built;
        merger = createMerger({
          config,
          table,
          ...powertools('merger', ctx.logLevel),
          engine,
          s3,
          dynamodb,
          clock,
          ...(ctx.hooks?.compaction === undefined ? {} : { compaction: ctx.hooks.compaction }),
        });
        if (invocation === undefined) mergers.set(event.table, merger);
      }
      // Each invocation gets a request id (the lease owner) and a Lambda-like time budget.
      const deadline = clock.now().getTime() + MERGER_TIMEOUT_MS;
      return merger(event, {
        awsRequestId: invocation?.requestId ?? randomUUID(),
        getRemainingTimeInMillis: () => deadline - clock.now().getTime(),
      });
    },
    firehoseTransform(table) {
      // firehose-table's transform environment: locally the lake's default namespace stands in for
      // the Glue database, and rejected records are quarantined in the local bucket, as in AWS.
      const config = loadFirehoseTransformConfig({
        ...declarationEnv(tableOf(table.name)),
        GLUE_DATABASE: LOCAL_DATABASE,
        QUARANTINE_BUCKET: ctx.bucket,
        QUARANTINE_PREFIX: DEFAULT_QUARANTINE_PREFIX,
        POWERTOOLS_SERVICE_NAME: 'firehose-transform',
        LOG_LEVEL: ctx.logLevel,
      });
      const handler = createFirehoseTransform({
        config,
        ...powertools('firehose-transform', ctx.logLevel),
        store,
        now: () => Date.now(),
      });
      return (event) => handler(event as unknown as Parameters<typeof handler>[0]);
    },
  };
}
