import {
  declaredTable,
  envProblems,
  glueDatabase,
  logLevel,
  serviceName,
} from '@ddb-athena-sync/core/config/env';
import type { TableDeclaration } from '@ddb-athena-sync/schemas/declaration';
import { z } from 'zod';

import { ConfigError } from './errors.js';

/** The variables the firehose-table module sets; names must stay in step with it. */
const envSchema = z.object({
  TABLE_NAME: declaredTable('firehose', 'firehose-transform'),
  GLUE_DATABASE: glueDatabase,
  POWERTOOLS_SERVICE_NAME: serviceName('firehose-transform'),
  LOG_LEVEL: logLevel,
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
  if (!result.success) throw new ConfigError(envProblems(result.error));
  const e = result.data;
  return {
    table: e.TABLE_NAME,
    database: e.GLUE_DATABASE,
    serviceName: e.POWERTOOLS_SERVICE_NAME,
    logLevel: e.LOG_LEVEL,
  };
}
