import { AthenaClient } from '@aws-sdk/client-athena';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GlueClient } from '@aws-sdk/client-glue';
import { S3Client } from '@aws-sdk/client-s3';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { AthenaEngine } from '@ddb-athena-sync/core/aws/athena-engine';
import { GlueTableColumns } from '@ddb-athena-sync/core/aws/glue-table-columns';
import { fetchDeclarationObject, METRICS_NAMESPACE, s3GetText } from '@ddb-athena-sync/core/config/env';
import type { CompactionLimits } from '@ddb-athena-sync/core/merge/compact-staged';
import type { MergeDeps } from '@ddb-athena-sync/core/merge/merge-table';
import { tableStagingPrefix } from '@ddb-athena-sync/core/staging/staging-key';
import type { TableDeclaration } from '@ddb-athena-sync/schemas/declaration';

import { loadConfig } from './config.js';
import type { MergerConfig } from './config.js';

export interface MergerDeps extends MergeDeps {
  readonly config: MergerConfig;
  readonly table: TableDeclaration;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /**
   * Append tables' compaction limits (default: core's DEFAULT_COMPACTION_LIMITS). Never set in
   * Lambda: the local reliability harness sets small ones so that its few staged objects compact.
   */
  readonly compaction?: CompactionLimits;
}

/** Clients built once per container, reused by every invocation. */
export function buildDeps(config: MergerConfig): MergerDeps {
  const table = config.table;
  const logger = new Logger({ serviceName: config.serviceName, logLevel: config.logLevel as 'INFO' });
  const metrics = new Metrics({
    namespace: METRICS_NAMESPACE,
    serviceName: config.serviceName,
    defaultDimensions: { table: table.name },
  });
  const engine = new AthenaEngine({
    athena: new AthenaClient({}),
    workGroup: config.athenaWorkgroup,
    database: config.glueDatabase,
    tableLocation: config.tableLocation,
    stagingLocation: `s3://${config.stagingBucket}/${tableStagingPrefix(table.name, config.stagingPrefix)}`,
    // Schema evolution: a declared column the tables lack is added before the merge.
    columns: new GlueTableColumns(new GlueClient({})),
  });
  return {
    config,
    table,
    logger,
    metrics,
    engine,
    s3: new S3Client({}),
    dynamodb: new DynamoDBClient({}),
    clock: { now: () => new Date() },
  };
}

/**
 * Cold start: reads the table's declaration object when Terraform put it in S3 (checked against
 * TABLE_DECLARATION_SHA256, a mismatch throws DeclarationHashMismatchError), then the whole config.
 */
export async function loadDeployedConfig(
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<MergerConfig> {
  const s3 = new S3Client({});
  try {
    return loadConfig(env, { declarationObject: await fetchDeclarationObject(env, s3GetText(s3)) });
  } finally {
    s3.destroy();
  }
}
