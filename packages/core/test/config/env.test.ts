import { readFile } from 'node:fs/promises';

import { describe, expect, it } from 'vitest';
import { z } from 'zod';

import {
  BUCKET_NAME_PATTERN,
  bucketName,
  declaredTable,
  envProblems,
  GLUE_DATABASE_PATTERN,
  glueDatabase,
  LOG_LEVELS,
  logLevel,
  stagingPrefix,
  TABLE_NAME_PATTERN,
} from '../../src/config/env.js';

const infra = (path: string): Promise<string> =>
  readFile(new URL(`../../../../infra/modules/${path}`, import.meta.url), 'utf8');

/** The pattern of `can(regex("<pattern>", var.<name>))` in a variables.tf, HCL escapes undone. */
function hclRegex(tf: string, variable: string): string {
  const escaped = variable.replace(/\./g, '\\.');
  const match = new RegExp(`can\\(regex\\("((?:[^"\\\\]|\\\\.)*)", ${escaped}\\)\\)`).exec(tf);
  if (match === null) throw new Error(`no regex validation of ${variable}`);
  return match[1]!.replace(/\\\\/g, '\\');
}

describe('the shared environment rules', () => {
  it('use the same patterns as the Terraform variables that set the values', async () => {
    const lake = await infra('lake/variables.tf');
    expect(GLUE_DATABASE_PATTERN.source).toBe(hclRegex(lake, 'var.glue_database_name'));
    expect(BUCKET_NAME_PATTERN.source).toBe(hclRegex(lake, 'var.bucket_name'));
    for (const module of ['merge-table', 'firehose-table'])
      expect(TABLE_NAME_PATTERN.source, module).toBe(
        hclRegex(await infra(`${module}/variables.tf`), 'var.table.name'),
      );
  });

  it('accept every log_level the modules allow, in either case, and nothing else', async () => {
    for (const module of ['merge-table', 'firehose-table']) {
      const tf = await infra(`${module}/variables.tf`);
      const allowed = /contains\(\[([^\]]*)\], var\.log_level\)/.exec(tf)![1]!.match(/"([A-Z]+)"/g)!;
      for (const level of allowed.map((l) => l.slice(1, -1))) {
        expect(logLevel.parse(level)).toBe(level);
        expect(LOG_LEVELS).toContain(level);
      }
    }
    expect(logLevel.parse('silent')).toBe('SILENT');
    expect(logLevel.parse(undefined)).toBe('INFO');
    expect(logLevel.safeParse('LOUD').success).toBe(false);
  });

  it('parse TABLE_NAME to the declaration of a table of the function mode, one problem per bad key', () => {
    const schema = z.object({
      TABLE_NAME: declaredTable('merge', 'stream-writer'),
      GLUE_DATABASE: glueDatabase,
      STAGING_BUCKET: bucketName,
      STAGING_PREFIX: stagingPrefix,
    });

    const ok = schema.parse({ TABLE_NAME: 'books', GLUE_DATABASE: 'lake', STAGING_BUCKET: 'my-lake' });
    expect(ok.TABLE_NAME.name).toBe('books');
    expect(ok.STAGING_PREFIX).toBe('staging/');

    for (const [name, problem] of [
      ['orders', 'TABLE_NAME: table "orders" is in firehose mode; stream-writer serves merge-mode tables'],
      ['nope', 'TABLE_NAME: must be a declared table (books, orders)'],
      ['Books', 'TABLE_NAME: must be a table name matching ^[a-z_][a-z0-9_]*$'],
    ] as const) {
      const result = schema.safeParse({ TABLE_NAME: name, GLUE_DATABASE: '1db', STAGING_BUCKET: 'B' });
      expect(result.success).toBe(false);
      const problems = envProblems(result.error!);
      expect(problems.map((p) => p.split(':')[0]).sort()).toEqual([
        'GLUE_DATABASE',
        'STAGING_BUCKET',
        'TABLE_NAME',
      ]);
      expect(problems).toContain(problem);
    }
  });
});
