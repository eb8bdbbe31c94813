import { randomUUID } from 'node:crypto';

import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { AthenaClient } from '@aws-sdk/client-athena';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { AthenaEngine } from '@ddb-athena-sync/core/aws/athena-engine';
import type { MergeEngine } from '@ddb-athena-sync/core/merge/engine';
import { DEFAULT_QUARANTINE_PREFIX, DEFAULT_STAGING_PREFIX } from '@ddb-athena-sync/core/staging/staging-key';
import type { ObjectStore } from '@ddb-athena-sync/core/stream/stage-batch';
import { createHandler as createFirehoseTransform } from '@ddb-athena-sync/firehose-transform/handler';
import { LocalLakeEngine } from '@ddb-athena-sync/local-lake/merge-engine';
import type { FunctionContext, PipelineFunctions } from '@ddb-athena-sync/local-stack/pipeline-functions';
import type { BatchResponse } from '@ddb-athena-sync/local-stack/stream-poller';
import type { LambdaStreamRecord } from '@ddb-athena-sync/local-services/stream-records';
import { createHandler as createMerger } from '@ddb-athena-sync/merger/handler';
import type { TableDeclaration } from '@ddb-athena-sync/schemas/declaration';
import { getTable, tables as declaredTables } from '@ddb-athena-sync/schemas/tables';
import { createHandler as createStreamWriter } from '@ddb-athena-sync/stream-writer/handler';

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
    metrics: new Metrics({ namespace: 'DdbAthenaSync', serviceName, logger: SILENT_LOGGER }),
  };
}

/**
 * Builds the real handlers of apps/stream-writer, apps/merger and apps/firehose-transform (the one
 * place in the repository that imports the apps; `startStack` takes this as its `functions`) with
 * their dependencies pointed at the local services: the same code as in Lambda, configured from the
 * same environment variable names, with clients built here (local endpoints and the fixed local
 * credentials) instead of from the Lambda environment.
 */
export async function buildFunctions(ctx: FunctionContext): Promise<PipelineFunctions> {
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
  const engineFor = (table: TableDeclaration): MergeEngine =>
    athena === undefined
      ? new LocalLakeEngine({ lake: ctx.lake, s3: ctx.s3 })
      : new AthenaEngine({
          athena,
          workGroup: 'primary',
          database: LOCAL_DATABASE,
          tableLocation: `s3://${ctx.bucket}/lake/${table.name}/`,
          stagingLocation: `s3://${ctx.bucket}/${DEFAULT_STAGING_PREFIX}${table.name}/`,
          pollBaseMs: 100,
        });
  if (athena !== undefined)
    for (const table of declaredTables.values())
      if (table.mode === 'merge') await engineFor(table).ensureTable(table);
  const store: ObjectStore = {
    async putObject({ key, body, contentType, contentEncoding }) {
      await ctx.s3.send(
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
        // The stream-writer's Config, as its loadConfig would parse it from the Lambda environment
        // (STAGING_BUCKET, TABLE_NAME, default prefixes, S3_ENDPOINT for s3rver).
        const config = {
          bucket: ctx.bucket,
          stagingPrefix: DEFAULT_STAGING_PREFIX,
          quarantinePrefix: DEFAULT_QUARANTINE_PREFIX,
          table,
          serviceName: 'stream-writer',
          logLevel: ctx.logLevel,
          s3Endpoint: ctx.s3Endpoint,
        };
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
    merger(event) {
      let merger = mergers.get(event.table);
      if (merger === undefined) {
        const table = getTable(event.table);
        // The merger's Config as loadConfig parses it from infra/modules/merge-table's variables;
        // the Athena ones name nothing locally (the engine is the local lake).
        const config = {
          tableName: table.name,
          stagingBucket: ctx.bucket,
          stagingPrefix: DEFAULT_STAGING_PREFIX,
          controlTable: ctx.controlTable,
          athenaWorkgroup: 'local',
          glueDatabase: LOCAL_DATABASE,
          tableLocation: `s3://${ctx.bucket}/lake/${table.name}`,
          serviceName: 'merger',
          logLevel: ctx.logLevel,
        };
        const engine = engineFor(table);
        merger = createMerger({
          config,
          table,
          ...powertools('merger', ctx.logLevel),
          engine,
          s3: ctx.s3,
          dynamodb: ctx.ddb,
          clock: { now: () => new Date() },
        });
        mergers.set(event.table, merger);
      }
      // Each invocation gets a request id (the lease owner) and a Lambda-like time budget.
      const deadline = Date.now() + MERGER_TIMEOUT_MS;
      return merger(event, {
        awsRequestId: randomUUID(),
        getRemainingTimeInMillis: () => deadline - Date.now(),
      });
    },
    firehoseTransform(table) {
      // firehose-transform's Config as loadConfig parses it (TABLE_NAME, GLUE_DATABASE): locally the
      // lake's default namespace stands in for the Glue database.
      const config = {
        table,
        database: LOCAL_DATABASE,
        serviceName: 'firehose-transform',
        logLevel: ctx.logLevel,
      };
      const handler = createFirehoseTransform({ config, ...powertools('firehose-transform', ctx.logLevel) });
      return (event) => handler(event as unknown as Parameters<typeof handler>[0]);
    },
  };
}
