import {
  bucketName,
  declaredTable,
  envProblems,
  keyPrefix,
  logLevel,
  serviceName,
  stagingPrefix,
} from '@ddb-athena-sync/core/config/env';
import { DEFAULT_QUARANTINE_PREFIX } from '@ddb-athena-sync/core/staging/staging-key';
import type { TableDeclaration } from '@ddb-athena-sync/schemas/declaration';
import { STAGED_MODES } from '@ddb-athena-sync/schemas/declaration';
import { z } from 'zod';

import { ConfigError } from './errors.js';

/** The variables infra/modules/merge-table/lambda.tf sets; names must stay in step with it. */
const envSchema = z.object({
  STAGING_BUCKET: bucketName,
  STAGING_PREFIX: stagingPrefix,
  QUARANTINE_PREFIX: keyPrefix(DEFAULT_QUARANTINE_PREFIX),
  TABLE_NAME: declaredTable(STAGED_MODES, 'stream-writer'),
  POWERTOOLS_SERVICE_NAME: serviceName('stream-writer'),
  LOG_LEVEL: logLevel,
  /** Only for local mode and tests (s3rver); unset in AWS. */
  S3_ENDPOINT: z.url().optional(),
});

export interface Config {
  readonly bucket: string;
  readonly stagingPrefix: string;
  readonly quarantinePrefix: string;
  readonly table: TableDeclaration;
  readonly serviceName: string;
  readonly logLevel: string;
  readonly s3Endpoint: string | undefined;
}

/** Parses the environment once (cold start); every missing or bad key is reported in one ConfigError. */
export function loadConfig(env: Readonly<Record<string, string | undefined>>): Config {
  const result = envSchema.safeParse(env);
  if (!result.success) throw new ConfigError(envProblems(result.error));
  const e = result.data;
  return {
    bucket: e.STAGING_BUCKET,
    stagingPrefix: e.STAGING_PREFIX,
    quarantinePrefix: e.QUARANTINE_PREFIX,
    table: e.TABLE_NAME,
    serviceName: e.POWERTOOLS_SERVICE_NAME,
    logLevel: e.LOG_LEVEL,
    s3Endpoint: e.S3_ENDPOINT,
  };
}
