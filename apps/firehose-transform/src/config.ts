import {
  bucketName,
  declaredTable,
  envProblems,
  glueDatabase,
  keyPrefix,
  logLevel,
  serviceName,
} from '@ddb-athena-sync/core/config/env';
import { DEFAULT_QUARANTINE_PREFIX } from '@ddb-athena-sync/core/staging/staging-key';
import type { TableDeclaration } from '@ddb-athena-sync/schemas/declaration';
import { z } from 'zod';

import { ConfigError } from './errors.js';

/** The variables the firehose-table module sets; names must stay in step with it. */
const envSchema = z.object({
  TABLE_NAME: declaredTable('firehose', 'firehose-transform'),
  GLUE_DATABASE: glueDatabase,
  /** The lake bucket: rejected records are written, with their reason, under QUARANTINE_PREFIX. */
  QUARANTINE_BUCKET: bucketName,
  QUARANTINE_PREFIX: keyPrefix(DEFAULT_QUARANTINE_PREFIX),
  POWERTOOLS_SERVICE_NAME: serviceName('firehose-transform'),
  LOG_LEVEL: logLevel,
  /** Only for local mode and tests (s3rver); unset in AWS. */
  S3_ENDPOINT: z.url().optional(),
});

export interface Config {
  readonly table: TableDeclaration;
  readonly database: string;
  readonly quarantineBucket: string;
  readonly quarantinePrefix: string;
  readonly serviceName: string;
  readonly logLevel: string;
  readonly s3Endpoint?: string | undefined;
}

/** Parses the environment once (cold start); every missing or bad key is reported in one ConfigError. */
export function loadConfig(env: Readonly<Record<string, string | undefined>>): Config {
  const result = envSchema.safeParse(env);
  if (!result.success) throw new ConfigError(envProblems(result.error));
  const e = result.data;
  return {
    table: e.TABLE_NAME,
    database: e.GLUE_DATABASE,
    quarantineBucket: e.QUARANTINE_BUCKET,
    quarantinePrefix: e.QUARANTINE_PREFIX,
    serviceName: e.POWERTOOLS_SERVICE_NAME,
    logLevel: e.LOG_LEVEL,
    s3Endpoint: e.S3_ENDPOINT,
  };
}
