import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import type { Lake } from '@ddb-athena-sync/local-lake/lake';
import type { LambdaStreamRecord } from '@ddb-athena-sync/local-services/stream-records';
import type { TableDeclaration } from '@ddb-athena-sync/schemas/declaration';

import type { FirehoseTransform } from './firehose-stand-in.js';
import type { BatchResponse } from './batch-response.js';

/**
 * The three Lambda functions of the pipeline, as the local stack invokes them. The stack does not
 * know the apps: whoever starts it passes a `BuildPipelineFunctions` (apps/local wires the real
 * handlers of apps/stream-writer, apps/merger and apps/firehose-transform; a test may pass fakes).
 */
export interface PipelineFunctions {
  /** stream-writer for one merge-mode table (one function per table, as in AWS). */
  streamWriter(table: TableDeclaration): (event: { Records: LambdaStreamRecord[] }) => Promise<BatchResponse>;
  /** The merger, invoked by the scheduler with `{table, action}`. */
  merger(event: { table: string; action: 'merge' | 'maintain' }): Promise<unknown>;
  /** firehose-transform for one firehose-mode table. */
  firehoseTransform(table: TableDeclaration): FirehoseTransform;
}

/** What the stack has built by the time it needs the functions: the clients and names they use. */
export interface FunctionContext {
  readonly s3: S3Client;
  readonly ddb: DynamoDBClient;
  readonly lake: Lake;
  readonly bucket: string;
  readonly s3Endpoint: string;
  readonly controlTable: string;
  readonly logLevel: string;
  /** The tables the stack runs, by name: each function gets its table's declaration from these. */
  readonly tables?: ReadonlyMap<string, TableDeclaration>;
  /**
   * With `engine: 'trino'`: the Athena stand-in's endpoint (packages/athena-local), where the
   * merger's AthenaEngine sends its queries; undefined with the local lake.
   */
  readonly athenaEndpoint?: string;
}

/** Builds the functions once the local services are up (called once per stack). */
export type BuildPipelineFunctions = (ctx: FunctionContext) => Promise<PipelineFunctions>;
