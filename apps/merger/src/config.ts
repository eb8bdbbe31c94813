import {
  bucketName,
  declaredTable,
  dynamodbTableName,
  glueDatabase,
  logLevel,
  parseFunctionEnv,
  s3Uri,
  serviceName,
  stagingPrefix,
} from '@ddb-athena-sync/core/config/env';
import type { TableDeclaration } from '@ddb-athena-sync/schemas/declaration';
import { STAGED_MODES } from '@ddb-athena-sync/schemas/declaration';
import { z } from 'zod';

import { ConfigError } from './errors.js';

/**
 * Environment names set by infra/modules/merge-table (lambda.tf). The table comes with the
 * deployment (TABLE_NAME, TABLE_DECLARATION or its S3 object, its SHA-256: core's `declaredTable`).
 */
const schema = z.object({
  STAGING_BUCKET: bucketName,
  STAGING_PREFIX: stagingPrefix,
  CONTROL_TABLE: dynamodbTableName,
  ATHENA_WORKGROUP: z.string().min(1),
  GLUE_DATABASE: glueDatabase,
  TABLE_LOCATION: s3Uri,
  /**
   * The function's timeout (Lambda does not expose it to the code; lambda.tf sets it from
   * var.merger.timeout). Optional: when set, it is checked against the batch budget at cold start.
   */
  MERGER_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(900).optional(),
  /** A new batch starts only with this much time left (a MERGE plus its journal writes). */
  MIN_BATCH_BUDGET_MS: z.coerce.number().int().min(1000).default(30_000),
  /**
   * Tombstones older than this are dropped by maintenance (default 30 h). Must exceed the longest a
   * stream record can be redelivered: 24 h stream retention plus the event source mapping's
   * maximum_record_age_in_seconds (Terraform passes that sum).
   */
  TOMBSTONE_RETENTION_MS: z.coerce.number().int().min(3_600_000).optional(),
  POWERTOOLS_SERVICE_NAME: serviceName('merger'),
  LOG_LEVEL: logLevel,
});

/** Time kept back from the Lambda timeout for the journal writes, deletes and metrics flush. */
export const SAFETY_MS = 20_000;

export interface MergerConfig {
  readonly tableName: string;
  /** The declaration the deployment gave this function. */
  readonly table: TableDeclaration;
  readonly stagingBucket: string;
  readonly stagingPrefix: string;
  readonly controlTable: string;
  readonly athenaWorkgroup: string;
  readonly glueDatabase: string;
  readonly tableLocation: string;
  readonly serviceName: string;
  readonly logLevel: string;
  /** Default 30 s (mergeTable's own default). */
  readonly minBatchBudgetMs?: number;
  readonly timeoutSeconds?: number;
  readonly tombstoneRetentionMs?: number;
}

/**
 * Parses the environment once, at cold start; every missing or bad key is reported in one error.
 * `declarationObject`: the text of TABLE_DECLARATION_S3_URI, read by core's `fetchDeclarationObject`.
 */
export function loadConfig(
  env: Readonly<Record<string, string | undefined>> = process.env,
  options: { readonly declarationObject?: string | undefined } = {},
): MergerConfig {
  const result = parseFunctionEnv(
    env,
    schema,
    declaredTable(STAGED_MODES, 'merger', options.declarationObject),
  );
  if (!result.ok) throw new ConfigError(result.problems);
  const e = result.env;
  // A run's deadline is the remaining time minus SAFETY_MS, and a batch starts only with
  // MIN_BATCH_BUDGET_MS left: a shorter timeout passes Lambda's checks but never merges anything.
  if (
    e.MERGER_TIMEOUT_SECONDS !== undefined &&
    e.MERGER_TIMEOUT_SECONDS * 1000 - SAFETY_MS < e.MIN_BATCH_BUDGET_MS
  )
    throw new ConfigError([
      `MERGER_TIMEOUT_SECONDS: ${e.MERGER_TIMEOUT_SECONDS} s leaves ${e.MERGER_TIMEOUT_SECONDS * 1000 - SAFETY_MS} ms after the ${SAFETY_MS} ms safety margin, less than MIN_BATCH_BUDGET_MS (${e.MIN_BATCH_BUDGET_MS} ms): no batch could ever start; raise the timeout to at least ${Math.ceil((e.MIN_BATCH_BUDGET_MS + SAFETY_MS) / 1000)} s`,
    ]);
  return {
    tableName: result.table.name,
    table: result.table,
    stagingBucket: e.STAGING_BUCKET,
    stagingPrefix: e.STAGING_PREFIX,
    controlTable: e.CONTROL_TABLE,
    athenaWorkgroup: e.ATHENA_WORKGROUP,
    glueDatabase: e.GLUE_DATABASE,
    tableLocation: e.TABLE_LOCATION,
    serviceName: e.POWERTOOLS_SERVICE_NAME,
    logLevel: e.LOG_LEVEL,
    minBatchBudgetMs: e.MIN_BATCH_BUDGET_MS,
    ...(e.MERGER_TIMEOUT_SECONDS === undefined ? {} : { timeoutSeconds: e.MERGER_TIMEOUT_SECONDS }),
    ...(e.TOMBSTONE_RETENTION_MS === undefined ? {} : { tombstoneRetentionMs: e.TOMBSTONE_RETENTION_MS }),
  };
}
