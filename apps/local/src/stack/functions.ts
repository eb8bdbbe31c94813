import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';
import { DEFAULT_QUARANTINE_PREFIX, DEFAULT_STAGING_PREFIX } from '@ddb-athena-sync/core/staging/staging-key';
import type { ObjectStore } from '@ddb-athena-sync/core/stream/stage-batch';
import type { Lake } from '@ddb-athena-sync/local-lake/lake';
import type { LambdaStreamRecord } from '@ddb-athena-sync/local-services/stream-records';
import type { TableDeclaration } from '@ddb-athena-sync/schemas/declaration';
import { createHandler as createStreamWriter } from '@ddb-athena-sync/stream-writer/handler';

import type { FirehoseTransform } from './firehose-stand-in.js';
import type { BatchResponse } from './stream-poller.js';

/** The three Lambda functions of the pipeline, as the local stack invokes them. */
export interface PipelineFunctions {
  /** stream-writer for one merge-mode table (one function per table, as in AWS). */
  streamWriter(table: TableDeclaration): (event: { Records: LambdaStreamRecord[] }) => Promise<BatchResponse>;
  /** The merger, invoked by the scheduler with `{table, action}`. */
  merger(event: { table: string; action: 'merge' | 'maintain' }): Promise<unknown>;
  /** firehose-transform for one firehose-mode table. */
  firehoseTransform(table: TableDeclaration): FirehoseTransform;
}

export interface FunctionContext {
  readonly s3: S3Client;
  readonly ddb: DynamoDBClient;
  readonly lake: Lake;
  readonly bucket: string;
  readonly s3Endpoint: string;
  readonly controlTable: string;
  readonly logLevel: string;
}

// Metrics are CloudWatch EMF lines on stdout in Lambda; locally they would only clutter the terminal.
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';

function powertools(serviceName: string, logLevel: string): { logger: Logger; metrics: Metrics } {
  return {
    logger: new Logger({ serviceName, logLevel: logLevel as 'INFO' }),
    metrics: new Metrics({ namespace: 'DdbAthenaSync', serviceName }),
  };
}

/**
 * Builds the real handlers of apps/stream-writer, apps/merger and apps/firehose-transform with
 * their dependencies pointed at the local services: the same code as in Lambda, configured from the
 * same environment variable names, with clients built here (local endpoints and the fixed local
 * credentials) instead of from the Lambda environment.
 */
export async function buildFunctions(ctx: FunctionContext): Promise<PipelineFunctions> {
  const store: ObjectStore = {
    async putObject({ key, body, contentType, contentEncoding }) {
      await ctx.s3.send(new PutObjectCommand({ Bucket: ctx.bucket, Key: key, Body: body, ContentType: contentType, ContentEncoding: contentEncoding }));
    },
  };
  const writers = new Map<string, (event: { Records: LambdaStreamRecord[] }) => Promise<BatchResponse>>();
  return Promise.resolve({
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
        const handler = createStreamWriter({ config, store, ...powertools('stream-writer', ctx.logLevel), now: () => Date.now() });
        // The handler is typed with aws-lambda's event types; the records are that shape.
        writer = (event) => handler(event as unknown as Parameters<typeof handler>[0]);
        writers.set(table.name, writer);
      }
      return writer;
    },
    merger() {
      return Promise.reject(new Error('merger handler not available yet'));
    },
    firehoseTransform() {
      return () => Promise.reject(new Error('firehose-transform handler not available yet'));
    },
  });
}
