import { describe, expect, test } from 'vitest';

import { main } from '../../src/cli.js';

async function capture(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(['sql', ...args], { stdout: (s) => (out += s), stderr: (s) => (err += s) });
  return { code, out, err };
}

describe('ddb-athena-sync sql', () => {
  test('prints the Athena MERGE of books over a sample batch', async () => {
    const { code, out } = await capture(['--table', 'books', '--dialect', 'athena', '--statement', 'merge']);
    expect(code).toBe(0);
    expect(out).toMatch(/^MERGE INTO "library"."books" AS t\n/);
    expect(out).toContain(
      `"$path" IN (\n        's3://lake/staging/books/backfill/20240501T120000Z/000000-000000.json.gz'`,
    );
    expect(out.trimEnd().endsWith(';')).toBe(true);
  });

  test.each([
    ['athena', 'create', 'CREATE TABLE IF NOT EXISTS `library`.`books`'],
    ['athena', 'staging', 'CREATE EXTERNAL TABLE IF NOT EXISTS `library`.`books_staging`'],
    ['athena', 'optimize', 'OPTIMIZE library.`books` REWRITE DATA USING BIN_PACK;'],
    ['athena', 'vacuum', 'VACUUM library.`books`;'],
    ['duckdb', 'merge', 'FROM read_json('],
    ['duckdb', 'create', 'CREATE TABLE IF NOT EXISTS "library"."books"'],
    ['duckdb', 'staging', 'CREATE OR REPLACE VIEW "library"."books_staging"'],
  ])('%s %s', async (dialect, statement, expected) => {
    const { code, out } = await capture(['--table', 'books', '--dialect', dialect, '--statement', statement]);
    expect(code).toBe(0);
    expect(out).toContain(expected);
  });

  test('bad arguments print usage and exit 2; an unknown table exits 1', async () => {
    expect(await capture(['--table', 'books', '--dialect', 'mysql', '--statement', 'merge'])).toMatchObject({
      code: 2,
      out: '',
    });
    expect(await capture(['--nope'])).toMatchObject({ code: 2 });
    const unknown = await capture(['--table', 'authors', '--dialect', 'athena', '--statement', 'merge']);
    expect(unknown.code).toBe(1);
    expect(unknown.err).toContain('authors');
  });
});
