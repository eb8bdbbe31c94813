import {
  bucketName,
  declaredTable,
  keyPrefix,
  logLevel,
  parseFunctionEnv,
  serviceName,
  stagingPrefix,
} from '@ddb-athena-sync/core/config/env';
import { DEFAULT_QUARANTINE_PREFIX } from '@ddb-athena-sync/core/staging/staging-key';
import type { TableDeclaration } from '@ddb-athena-sync/schemas/declaration';
import { STAGED_MODES } from '@ddb-athena-sync/schemas/declaration';
import { z } from 'zod';

import { ConfigError } from './errors.js';

/**
 * The variables infra/modules/merge-table/lambda.tf sets; names must stay in step with it. The table
 * comes with the deployment (TABLE_NAME, TABLE_DECLARATION or its S3 object, and its SHA-256, read by
 * core's `declaredTable`): the bundle holds no declaration, so one zip serves any table.
 */
const envSchema = z.object({
  STAGING_BUCKET: bucketName,
  STAGING_PREFIX: stagingPrefix,
  QUARANTINE_PREFIX: keyPrefix(DEFAULT_QUARANTINE_PREFIX),
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

/**
 * Parses the environment once (cold start); every missing or bad key is reported in one ConfigError.
 * `declarationObject`: the text of TABLE_DECLARATION_S3_URI, read (and hash-checked) by core's
 * `fetchDeclarationObject` when the declaration is not inline.
 */
export function loadConfig(
  env: Readonly<Record<string, string | undefined>>,
  options: { readonly declarationObject?: string | undefined } = {},
): Config {
  const result = parseFunctionEnv(
    env,
    envSchema,
    declaredTable(STAGED_MODES, 'stream-writer', options.declarationObject),
  );
  if (!result.ok) throw new ConfigError(result.problems);
  const e = result.env;
  return {
    bucket: e.STAGING_BUCKET,
    stagingPrefix: e.STAGING_PREFIX,
    quarantinePrefix: e.QUARANTINE_PREFIX,
    table: result.table,
    serviceName: e.POWERTOOLS_SERVICE_NAME,
    logLevel: e.LOG_LEVEL,
    s3Endpoint: e.S3_ENDPOINT,
  };
}
