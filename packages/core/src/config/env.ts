import type { TableDeclaration } from '@ddb-athena-sync/schemas/declaration';
import { getTable, tables } from '@ddb-athena-sync/schemas/tables';
import { z } from 'zod';

import { DEFAULT_STAGING_PREFIX } from '../staging/staging-key.js';

// The environment rules the three Lambda functions share (the role of Powertools' `commons` for its
// utilities): one definition per variable, the same validation as the Terraform variable that sets
// it, so a value `terraform plan` accepts is one the function accepts at cold start, and the other
// way round. Each app's `config.ts` composes these into its own schema and throws its own
// ConfigError with `envProblems`, every bad key in one error.

/**
 * Every level Powertools Logger knows (its `LogLevel` constant; lower case is accepted too, as the
 * Logger does), normalised to upper case. infra/modules/{merge,firehose}-table `log_level` allows the
 * subset DEBUG, INFO, WARN, ERROR; the local stack also uses SILENT.
 */
export const LOG_LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'CRITICAL', 'SILENT'] as const;
export type LogLevelName = (typeof LOG_LEVELS)[number];

/** LOG_LEVEL: a Powertools level in either case, INFO when unset. */
export const logLevel = z
  .string()
  .transform((level) => level.toUpperCase())
  .pipe(z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` }))
  .default('INFO');

/**
 * CloudWatch namespace of every metric of the product. infra/modules/{merge,firehose}-table
 * alarms.tf (`metric_namespace`) alarm on it, so it is a constant rather than an environment
 * variable: a function that published elsewhere would silence its alarms.
 */
export const METRICS_NAMESPACE = 'DdbAthenaSync';

/** POWERTOOLS_SERVICE_NAME, defaulting to the function's own name. */
export const serviceName = (defaultName: string) => z.string().min(1).default(defaultName);

/**
 * Table and Glue database names: infra/modules/merge-table and firehose-table validate `table.name`
 * with ^[a-z_][a-z0-9_]*$; infra/modules/lake validates `glue_database_name` with
 * ^[a-z_][a-z0-9_]{0,254}$ (Athena lowercases identifiers).
 */
export const TABLE_NAME_PATTERN = /^[a-z_][a-z0-9_]*$/;
export const GLUE_DATABASE_PATTERN = /^[a-z_][a-z0-9_]{0,254}$/;
/** infra/modules/lake `bucket_name`: 3-63 lowercase letters, digits, dots, hyphens. */
export const BUCKET_NAME_PATTERN = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** GLUE_DATABASE: the lake module's `glue_database_name` rule. */
export const glueDatabase = z
  .string()
  .regex(GLUE_DATABASE_PATTERN, 'must be a Glue database name matching ^[a-z_][a-z0-9_]{0,254}$');

/**
 * TABLE_NAME of a function that serves tables of one mode: a declared table (packages/schemas) of
 * that mode, as the merge-table and firehose-table modules require of `table.mode`. Parses to the
 * declaration; a wrong mode is an issue of this key, reported with the others.
 */
export function declaredTable(
  mode: TableDeclaration['mode'] | readonly TableDeclaration['mode'][],
  functionName: string,
) {
  const modes: readonly TableDeclaration['mode'][] = typeof mode === 'string' ? [mode] : mode;
  // One check, so that a key has one problem (a bad pattern is not also reported as undeclared).
  return z
    .string()
    .superRefine((name, ctx) => {
      const table = tables.get(name);
      if (!TABLE_NAME_PATTERN.test(name))
        ctx.addIssue({ code: 'custom', message: 'must be a table name matching ^[a-z_][a-z0-9_]*$' });
      else if (table === undefined)
        ctx.addIssue({
          code: 'custom',
          message: `must be a declared table (${[...tables.keys()].join(', ')})`,
        });
      else if (!modes.includes(table.mode))
        ctx.addIssue({
          code: 'custom',
          message: `table "${name}" is in ${table.mode} mode; ${functionName} serves ${modes.join('- or ')}-mode tables`,
        });
    })
    .transform((name): TableDeclaration => getTable(name));
}

/** STAGING_BUCKET: the lake module's `bucket_name` rule (an S3 bucket name). */
export const bucketName = z
  .string()
  .regex(BUCKET_NAME_PATTERN, 'must be an S3 bucket name (3-63 lowercase letters, digits, dots, hyphens)');

/** STAGING_PREFIX / QUARANTINE_PREFIX: empty, or a key prefix ending in "/". */
export const keyPrefix = (defaultPrefix: string) =>
  z
    .string()
    .regex(/^([A-Za-z0-9_.\-/]+\/)?$/, 'must be empty or end with "/" and use only [A-Za-z0-9_.-/]')
    .default(defaultPrefix);

/** STAGING_PREFIX, core's default when unset (merge-table sets it to the same value). */
export const stagingPrefix = keyPrefix(DEFAULT_STAGING_PREFIX);

/** CONTROL_TABLE: a DynamoDB table name (3-255 of [a-zA-Z0-9_.-], the DynamoDB naming rules). */
export const dynamodbTableName = z.string().regex(/^[a-zA-Z0-9_.-]{3,255}$/, 'must be a DynamoDB table name');

/** TABLE_LOCATION: an s3:// URI in a valid bucket. */
export const s3Uri = z
  .string()
  .regex(/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/.*)?$/, 'must be an s3:// URI');

/** The schema's issues as `KEY: message` lines, one per bad key (what each app's ConfigError lists). */
export function envProblems(error: z.ZodError): string[] {
  return error.issues.map((i) => `${i.path.join('.') || '(env)'}: ${i.message}`);
}
