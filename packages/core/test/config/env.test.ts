import { readFile } from 'node:fs/promises';

import { sha256Hex } from '@ddb-athena-sync/schemas/declaration-json';
import { books, booksInput, orders } from '@ddb-athena-sync/schemas/test-support/example-tables';
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
  parseFunctionEnv,
  stagingPrefix,
  TABLE_NAME_PATTERN,
  declarationEnv,
  fetchDeclarationObject,
} from '../../src/config/env.js';
import { DeclarationHashMismatchError, DeclarationReadError } from '../../src/errors.js';

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

  it('parse the deployed declaration (inline), its problems reported with the other bad keys', () => {
    const schema = z.object({
      GLUE_DATABASE: glueDatabase,
      STAGING_BUCKET: bucketName,
      STAGING_PREFIX: stagingPrefix,
    });
    const good = { GLUE_DATABASE: 'lake', STAGING_BUCKET: 'my-lake', ...declarationEnv(books) };
    const ok = parseFunctionEnv(good, schema, declaredTable('merge', 'stream-writer'));
    expect(ok.ok && ok.table).toEqual(books);
    expect(ok.ok && ok.env.STAGING_PREFIX).toBe('staging/');

    const other = declarationEnv(orders);
    const cases: [Record<string, string>, string][] = [
      [
        { ...other },
        'TABLE_DECLARATION: table "orders" is in firehose mode; stream-writer serves merge-mode tables',
      ],
      [
        { ...declarationEnv(books), TABLE_NAME: 'authors' },
        'TABLE_DECLARATION: declares table "books", but TABLE_NAME is "authors"',
      ],
      [
        { ...declarationEnv(books), TABLE_DECLARATION_SHA256: other.TABLE_DECLARATION_SHA256 },
        `TABLE_DECLARATION_SHA256: does not match TABLE_DECLARATION (its SHA-256 is ${declarationEnv(books).TABLE_DECLARATION_SHA256}): set both from the same declaration`,
      ],
      [
        { ...declarationEnv(books), TABLE_DECLARATION_S3_URI: 's3://my-lake/declarations/books.json' },
        'TABLE_DECLARATION: set exactly one of TABLE_DECLARATION (the declaration as JSON) and TABLE_DECLARATION_S3_URI',
      ],
      [
        { TABLE_NAME: 'books', TABLE_DECLARATION_SHA256: other.TABLE_DECLARATION_SHA256 },
        'TABLE_DECLARATION: set exactly one of TABLE_DECLARATION (the declaration as JSON) and TABLE_DECLARATION_S3_URI',
      ],
      [
        { ...declarationEnv(books), TABLE_NAME: 'Books' },
        'TABLE_NAME: must be a table name matching ^[a-z_][a-z0-9_]*$',
      ],
    ];
    for (const [tableEnv, problem] of cases) {
      const result = parseFunctionEnv(
        { ...tableEnv, GLUE_DATABASE: '1db', STAGING_BUCKET: 'B' },
        schema,
        declaredTable('merge', 'stream-writer'),
      );
      expect(result.ok).toBe(false);
      const problems = result.ok ? [] : result.problems;
      expect(problems.map((p) => p.split(':')[0]).sort()).toEqual(
        ['GLUE_DATABASE', 'STAGING_BUCKET', problem.split(':')[0]!].sort(),
      );
      expect(problems).toContain(problem);
    }
  });

  it('report every problem of an invalid deployed declaration, with its path', () => {
    const text = JSON.stringify({
      ...booksInput,
      columns: [{ name: 'id', type: 'map<string>' }],
      mode: 'merge',
    });
    const result = declaredTable('merge', 'merger').safeParse({
      TABLE_NAME: 'books',
      TABLE_DECLARATION: text,
      TABLE_DECLARATION_SHA256: sha256Hex(text),
    });
    expect(result.success).toBe(false);
    const problem = envProblems(result.error!)[0]!;
    expect(problem).toMatch(
      /^TABLE_DECLARATION: not a valid declaration: table declaration "books" is invalid/,
    );
    expect(problem).toContain('columns[0].type');
  });

  it('read the declaration object once, checking it against TABLE_DECLARATION_SHA256', async () => {
    const text = declarationEnv(books).TABLE_DECLARATION;
    const reads: string[] = [];
    const getText = (bucket: string, key: string): Promise<string> => {
      reads.push(`${bucket}/${key}`);
      return Promise.resolve(text);
    };
    const env = {
      TABLE_NAME: 'books',
      TABLE_DECLARATION_S3_URI: 's3://my-lake/declarations/books/abc.json',
      TABLE_DECLARATION_SHA256: sha256Hex(text),
    };
    const fetched = await fetchDeclarationObject(env, getText);
    expect(reads).toEqual(['my-lake/declarations/books/abc.json']);
    expect(declaredTable('merge', 'merger', fetched).parse(env)).toEqual(books);
    // Without the object read, the S3 form is a problem of its key (never a silent default).
    expect(envProblems(declaredTable('merge', 'merger').safeParse(env).error!)).toEqual([
      'TABLE_DECLARATION_S3_URI: the declaration object was not read at cold start',
    ]);

    const changed = `${text} `;
    const mismatch = fetchDeclarationObject(env, () => Promise.resolve(changed));
    await expect(mismatch).rejects.toBeInstanceOf(DeclarationHashMismatchError);
    await expect(mismatch).rejects.toThrow(
      `table "books": the declaration at s3://my-lake/declarations/books/abc.json has SHA-256 ${sha256Hex(changed)}, but TABLE_DECLARATION_SHA256 is ${sha256Hex(text)}`,
    );
    const failing = fetchDeclarationObject(env, () => Promise.reject(new Error('AccessDenied')));
    await expect(failing).rejects.toBeInstanceOf(DeclarationReadError);
    expect(await fetchDeclarationObject(declarationEnv(books), getText)).toBeUndefined();
  });
});
