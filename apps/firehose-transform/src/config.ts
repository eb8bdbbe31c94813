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
  POWERTOOLS_SERVICE_NAME: z.string().min(1).default('firehose-transform'),
  LOG_LEVEL: z.enum(['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'SILENT', 'CRITICAL']).default('INFO'),
});

export interface Config {
  readonly table: TableDeclaration;
  readonly database: string;
  readonly serviceName: string;
  readonly logLevel: string;
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
  return { table, database: e.GLUE_DATABASE, serviceName: e.POWERTOOLS_SERVICE_NAME, logLevel: e.LOG_LEVEL };
}
