import { DEFAULT_QUARANTINE_PREFIX } from '@ddb-athena-sync/core/staging/staging-key';
import type { TableDeclaration } from '@ddb-athena-sync/schemas/declaration';
import { getTable, tables } from '@ddb-athena-sync/schemas/tables';
import { z } from 'zod';

import { ConfigError } from './errors.js';

/** Glue database names: lower case letters, digits and underscore, 1-255 (what Athena accepts unquoted). */
const glueDatabase = z
  .string()
  .regex(/^[a-z0-9_]{1,255}$/, 'must be a Glue database name (lower case letters, digits, underscore)');

/** The variables the firehose-table module sets; names must stay in step with it. */
const envSchema = z.object({
  TABLE_NAME: z.string().refine((name) => tables.has(name), {
    message: `must be a declared table (${[...tables.keys()].join(', ')})`,
  }),
  GLUE_DATABASE: glueDatabase,
  /** The lake bucket: rejected records are written, with their reason, under QUARANTINE_PREFIX. */
  QUARANTINE_BUCKET: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be an S3 bucket name'),
  QUARANTINE_PREFIX: z
    .string()
    .regex(/^([A-Za-z0-9_.\-/]+\/)?$/, 'must be empty or end with "/" and use only [A-Za-z0-9_.-/]')
    .default(DEFAULT_QUARANTINE_PREFIX),
  POWERTOOLS_SERVICE_NAME: z.string().min(1).default('firehose-transform'),
  LOG_LEVEL: z.enum(['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'SILENT', 'CRITICAL']).default('INFO'),
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
  if (!result.success) {
    throw new ConfigError(result.error.issues.map((i) => `${i.path.join('.') || '(env)'}: ${i.message}`));
  }
  const e = result.data;
  const table = getTable(e.TABLE_NAME);
  if (table.mode !== 'firehose')
    throw new ConfigError([
      `TABLE_NAME: table "${table.name}" is in ${table.mode} mode; firehose-transform serves firehose-mode tables`,
    ]);
  return {
    table,
    database: e.GLUE_DATABASE,
    quarantineBucket: e.QUARANTINE_BUCKET,
    quarantinePrefix: e.QUARANTINE_PREFIX,
    serviceName: e.POWERTOOLS_SERVICE_NAME,
    logLevel: e.LOG_LEVEL,
    s3Endpoint: e.S3_ENDPOINT,
  };
}
