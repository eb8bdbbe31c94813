import {
  bucketName,
  declaredTable,
  dynamodbTableName,
  envProblems,
  glueDatabase,
  logLevel,
  s3Uri,
  serviceName,
  stagingPrefix,
} from '@ddb-athena-sync/core/config/env';
import { z } from 'zod';

import { ConfigError } from './errors.js';

/** Environment names set by infra/modules/merge-table (lambda.tf). */
const schema = z.object({
  TABLE_NAME: declaredTable('merge', 'merger'),
  STAGING_BUCKET: bucketName,
  STAGING_PREFIX: stagingPrefix,
  CONTROL_TABLE: dynamodbTableName,
  ATHENA_WORKGROUP: z.string().min(1),
  GLUE_DATABASE: glueDatabase,
  TABLE_LOCATION: s3Uri,
  POWERTOOLS_SERVICE_NAME: serviceName('merger'),
  LOG_LEVEL: logLevel,
});

export interface MergerConfig {
  readonly tableName: string;
  readonly stagingBucket: string;
  readonly stagingPrefix: string;
  readonly controlTable: string;
  readonly athenaWorkgroup: string;
  readonly glueDatabase: string;
  readonly tableLocation: string;
  readonly serviceName: string;
  readonly logLevel: string;
}

/** Parses the environment once, at cold start; every missing or bad key is reported in one error. */
export function loadConfig(env: Readonly<Record<string, string | undefined>> = process.env): MergerConfig {
  const result = schema.safeParse(env);
  if (!result.success) throw new ConfigError(envProblems(result.error));
  const e = result.data;
  return {
    tableName: e.TABLE_NAME.name,
    stagingBucket: e.STAGING_BUCKET,
    stagingPrefix: e.STAGING_PREFIX,
    controlTable: e.CONTROL_TABLE,
    athenaWorkgroup: e.ATHENA_WORKGROUP,
    glueDatabase: e.GLUE_DATABASE,
    tableLocation: e.TABLE_LOCATION,
    serviceName: e.POWERTOOLS_SERVICE_NAME,
    logLevel: e.LOG_LEVEL,
  };
}
