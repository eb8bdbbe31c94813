import { DEFAULT_QUARANTINE_PREFIX, DEFAULT_STAGING_PREFIX } from '@ddb-athena-sync/core/staging/staging-key';
import type { TableDeclaration } from '@ddb-athena-sync/schemas/declaration';
import { getTable, tables } from '@ddb-athena-sync/schemas/tables';
import { z } from 'zod';

import { ConfigError } from './errors.js';

const prefix = z
  .string()
  .regex(/^([A-Za-z0-9_.\-/]+\/)?$/, 'must be empty or end with "/" and use only [A-Za-z0-9_.-/]');

/** The variables infra/modules/merge-table/lambda.tf sets; names must stay in step with it. */
const envSchema = z.object({
  STAGING_BUCKET: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be an S3 bucket name'),
  STAGING_PREFIX: prefix.default(DEFAULT_STAGING_PREFIX),
  QUARANTINE_PREFIX: prefix.default(DEFAULT_QUARANTINE_PREFIX),
  TABLE_NAME: z.string().refine((name) => tables.has(name), {
    message: `must be a declared table (${[...tables.keys()].join(', ')})`,
  }),
  POWERTOOLS_SERVICE_NAME: z.string().min(1).default('stream-writer'),
  LOG_LEVEL: z.enum(['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'SILENT', 'CRITICAL']).default('INFO'),
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
  if (!result.success) {
    throw new ConfigError(result.error.issues.map((i) => `${i.path.join('.') || '(env)'}: ${i.message}`));
  }
  const e = result.data;
  const table = getTable(e.TABLE_NAME);
  if (table.mode !== 'merge')
    throw new ConfigError([
      `TABLE_NAME: table "${table.name}" is in ${table.mode} mode; stream-writer serves merge-mode tables`,
    ]);
  return {
    bucket: e.STAGING_BUCKET,
    stagingPrefix: e.STAGING_PREFIX,
    quarantinePrefix: e.QUARANTINE_PREFIX,
    table,
    serviceName: e.POWERTOOLS_SERVICE_NAME,
    logLevel: e.LOG_LEVEL,
    s3Endpoint: e.S3_ENDPOINT,
  };
}
