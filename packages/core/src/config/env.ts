import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { parseDeclaration } from '@ddb-athena-sync/schemas/declaration';
import type { TableDeclaration } from '@ddb-athena-sync/schemas/declaration';
import { declarationJson, sha256Hex } from '@ddb-athena-sync/schemas/declaration-json';
import { z } from 'zod';

import { DeclarationHashMismatchError, DeclarationReadError } from '../errors.js';

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
 * The variables that give a function its table (infra/modules/{merge,firehose}-table lambda.tf): the
 * artifacts are generic, so the declaration comes with the deployment, never from the bundle.
 * TABLE_NAME names the table (scheduler events and metrics carry it); the declaration itself is
 * either inline in TABLE_DECLARATION (while all variables fit Lambda's 4 KB) or in the S3 object
 * TABLE_DECLARATION_S3_URI that Terraform writes; TABLE_DECLARATION_SHA256 is what Terraform hashed.
 * `fetched` is that object's text, read at cold start by `fetchDeclarationObject` (which checks its
 * hash). Parses to the declaration; every problem (a hash that does not match the inline text, an
 * invalid declaration, another table's name, the wrong mode) is an issue of its key, reported with
 * the function's other bad keys.
 */
export function declaredTable(
  mode: TableDeclaration['mode'] | readonly TableDeclaration['mode'][],
  functionName: string,
  fetched?: string,
): z.ZodType<TableDeclaration, Record<string, unknown>> {
  const modes: readonly TableDeclaration['mode'][] = typeof mode === 'string' ? [mode] : mode;
  return z
    .object({
      TABLE_NAME: z.string().regex(TABLE_NAME_PATTERN, 'must be a table name matching ^[a-z_][a-z0-9_]*$'),
      TABLE_DECLARATION: z.string().min(1).optional(),
      TABLE_DECLARATION_S3_URI: s3ObjectUri.optional(),
      TABLE_DECLARATION_SHA256: z.string().regex(SHA256_PATTERN, 'must be a hex SHA-256 (64 of [0-9a-f])'),
    })
    .transform((e, ctx): TableDeclaration => {
      const issue = (key: string, message: string): typeof z.NEVER => {
        ctx.addIssue({ code: 'custom', path: [key], message });
        return z.NEVER;
      };
      const inline = e.TABLE_DECLARATION;
      const uri = e.TABLE_DECLARATION_S3_URI;
      if ((inline === undefined) === (uri === undefined))
        return issue(
          'TABLE_DECLARATION',
          'set exactly one of TABLE_DECLARATION (the declaration as JSON) and TABLE_DECLARATION_S3_URI',
        );
      let text: string;
      if (inline !== undefined) {
        text = inline;
        if (sha256Hex(text) !== e.TABLE_DECLARATION_SHA256)
          return issue(
            'TABLE_DECLARATION_SHA256',
            `does not match TABLE_DECLARATION (its SHA-256 is ${sha256Hex(text)}): set both from the same declaration`,
          );
      } else {
        if (fetched === undefined)
          return issue('TABLE_DECLARATION_S3_URI', 'the declaration object was not read at cold start');
        text = fetched;
      }
      const key = inline === undefined ? 'TABLE_DECLARATION_S3_URI' : 'TABLE_DECLARATION';
      let table: TableDeclaration;
      try {
        table = parseDeclaration(JSON.parse(text) as unknown);
      } catch (error) {
        // DeclarationError lists every problem with its path; a JSON error says where the text breaks.
        return issue(key, `not a valid declaration: ${(error as Error).message}`);
      }
      if (table.name !== e.TABLE_NAME)
        return issue(key, `declares table "${table.name}", but TABLE_NAME is "${e.TABLE_NAME}"`);
      if (!modes.includes(table.mode))
        return issue(
          key,
          `table "${table.name}" is in ${table.mode} mode; ${functionName} serves ${modes.join('- or ')}-mode tables`,
        );
      return table;
    });
}

/** TABLE_DECLARATION_SHA256 (and Terraform's `sha256()`): lower-case hex. */
export const SHA256_PATTERN = /^[0-9a-f]{64}$/;

/** TABLE_DECLARATION_S3_URI: s3://bucket/key. */
export const s3ObjectUri = z
  .string()
  .regex(/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\/.+$/, 'must be an s3://bucket/key URI');

/** The environment a function needs for its table, as `declaredTable` reads it (local stack, tests). */
export function declarationEnv(table: TableDeclaration): {
  TABLE_NAME: string;
  TABLE_DECLARATION: string;
  TABLE_DECLARATION_SHA256: string;
} {
  const text = declarationJson(table);
  return { TABLE_NAME: table.name, TABLE_DECLARATION: text, TABLE_DECLARATION_SHA256: sha256Hex(text) };
}

/**
 * At cold start, before `loadConfig`: reads the declaration object when TABLE_DECLARATION_S3_URI is
 * set (once per execution environment) and checks it against TABLE_DECLARATION_SHA256, so that a
 * function never runs on a declaration other than the one Terraform deployed. Undefined when the
 * declaration is inline or the variables are malformed (then `loadConfig` reports them).
 */
export async function fetchDeclarationObject(
  env: Readonly<Record<string, string | undefined>>,
  getText: (bucket: string, key: string) => Promise<string>,
): Promise<string | undefined> {
  const uri = env.TABLE_DECLARATION_S3_URI;
  const expected = env.TABLE_DECLARATION_SHA256;
  if (uri === undefined || !s3ObjectUri.safeParse(uri).success) return undefined;
  const table = env.TABLE_NAME ?? '(unnamed)';
  const [, bucket, key] = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri)!;
  let text: string;
  try {
    text = await getText(bucket!, key!);
  } catch (error) {
    throw new DeclarationReadError(table, uri, { cause: error });
  }
  if (expected !== undefined && SHA256_PATTERN.test(expected)) {
    const actual = sha256Hex(text);
    if (actual !== expected) throw new DeclarationHashMismatchError(table, uri, expected, actual);
  }
  return text;
}

/** `fetchDeclarationObject`'s reader over an S3 client (the function's own, with its role). */
export function s3GetText(s3: S3Client): (bucket: string, key: string) => Promise<string> {
  return async (bucket, key) => {
    const response = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return (await response.Body?.transformToString('utf-8')) ?? '';
  };
}

/**
 * Cold start of a staging function (stream-writer, firehose-transform): `fetchDeclarationObject`
 * with an S3 client of its own, on S3_ENDPOINT when set (path-style, as the local stack's s3rver
 * needs), destroyed once the object is read.
 */
export async function readDeployedDeclaration(
  env: Readonly<Record<string, string | undefined>>,
): Promise<string | undefined> {
  const endpoint = env.S3_ENDPOINT;
  const s3 = new S3Client(endpoint === undefined ? {} : { endpoint, forcePathStyle: true });
  try {
    return await fetchDeclarationObject(env, s3GetText(s3));
  } finally {
    s3.destroy();
  }
}

/**
 * Parses `env` with the app's schema and its table's, so that a bad table and bad other keys are
 * reported together: `KEY: message` lines, or the parsed values.
 */
export function parseFunctionEnv<S extends z.ZodType>(
  env: Readonly<Record<string, string | undefined>>,
  schema: S,
  table: z.ZodType<TableDeclaration, Record<string, unknown>>,
): { ok: true; env: z.output<S>; table: TableDeclaration } | { ok: false; problems: string[] } {
  const rest = schema.safeParse(env);
  const declared = table.safeParse(env);
  if (rest.success && declared.success) return { ok: true, env: rest.data, table: declared.data };
  return {
    ok: false,
    problems: [
      ...(rest.success ? [] : envProblems(rest.error)),
      ...(declared.success ? [] : envProblems(declared.error)),
    ],
  };
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
