import { z } from 'zod';

import { ConfigError } from './errors.js';

/** Environment names set by infra/modules/merge-table (lambda.tf). */
const schema = z.object({
  TABLE_NAME: z.string().regex(/^[a-z_][a-z0-9_]*$/, 'must be a declared table name'),
  STAGING_BUCKET: z.string().min(3),
  STAGING_PREFIX: z
    .string()
    .regex(/^([A-Za-z0-9_.\-/]+\/)?$/, 'must be empty or end with "/"')
    .default('staging/'),
  CONTROL_TABLE: z.string().regex(/^[a-zA-Z0-9_.-]{3,255}$/, 'must be a DynamoDB table name'),
  ATHENA_WORKGROUP: z.string().min(1),
  GLUE_DATABASE: z.string().regex(/^[a-z_][a-z0-9_]*$/, 'must be a lower-case identifier'),
  TABLE_LOCATION: z.string().regex(/^s3:\/\/[a-z0-9][a-z0-9.-]+[a-z0-9](\/.*)?$/, 'must be an s3:// URI'),
  POWERTOOLS_SERVICE_NAME: z.string().min(1).default('merger'),
  LOG_LEVEL: z
    .enum(['DEBUG', 'INFO', 'WARN', 'ERROR', 'SILENT', 'debug', 'info', 'warn', 'error', 'silent'])
    .default('INFO'),
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
  if (!result.success)
    throw new ConfigError(result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  const e = result.data;
  return {
    tableName: e.TABLE_NAME,
    stagingBucket: e.STAGING_BUCKET,
    stagingPrefix: e.STAGING_PREFIX,
    controlTable: e.CONTROL_TABLE,
    athenaWorkgroup: e.ATHENA_WORKGROUP,
    glueDatabase: e.GLUE_DATABASE,
    tableLocation: e.TABLE_LOCATION,
    serviceName: e.POWERTOOLS_SERVICE_NAME,
    logLevel: e.LOG_LEVEL.toUpperCase(),
  };
}
