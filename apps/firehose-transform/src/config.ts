import {
  bucketName,
  declaredTable,
  glueDatabase,
  keyPrefix,
  logLevel,
  parseFunctionEnv,
  serviceName,
} from '@ddb-athena-sync/core/config/env';
import { DEFAULT_QUARANTINE_PREFIX } from '@ddb-athena-sync/core/staging/staging-key';
import type { TableDeclaration } from '@ddb-athena-sync/schemas/declaration';
import { z } from 'zod';

import { ConfigError } from './errors.js';

/**
 * The variables the firehose-table module sets; names must stay in step with it. The table comes
 * with the deployment (core's `declaredTable`), never from the bundle.
 */
const envSchema = z.object({
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

/**
 * Parses the environment once (cold start); every missing or bad key is reported in one ConfigError.
 * `declarationObject`: the text of TABLE_DECLARATION_S3_URI, read by core's `fetchDeclarationObject`.
 */
export function loadConfig(
  env: Readonly<Record<string, string | undefined>>,
  options: { readonly declarationObject?: string | undefined } = {},
): Config {
  const result = parseFunctionEnv(
    env,
    envSchema,
    declaredTable('firehose', 'firehose-transform', options.declarationObject),
  );
  if (!result.ok) throw new ConfigError(result.problems);
  const e = result.env;
  return {
    table: result.table,
    database: e.GLUE_DATABASE,
    quarantineBucket: e.QUARANTINE_BUCKET,
    quarantinePrefix: e.QUARANTINE_PREFIX,
    serviceName: e.POWERTOOLS_SERVICE_NAME,
    logLevel: e.LOG_LEVEL,
    s3Endpoint: e.S3_ENDPOINT,
  };
}
