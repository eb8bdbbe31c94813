// The `sql` command prints what the merger's AthenaEngine sends (captured from the engine itself).
import { parseAthenaStatement } from '@ddb-athena-sync/athena-local/athena-ddl';
import { streamObjectKey, tableStagingPrefix } from '@ddb-athena-sync/core/staging/staging-key';
import { describe, expect, test } from 'vitest';

import { main } from '../../src/cli.js';

async function capture(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(['sql', ...args], { stdout: (s) => (out += s), stderr: (s) => (err += s) });
  return { code, out, err };
}

/** The statements of the output (each ends with ";" at a line end; the header is a comment). */
function statements(out: string): string[] {
  return out
    .split(/;\n/)
    .map((s) => s.replace(/^--.*\n/gm, '').trim())
    .filter((s) => s !== '');
}

describe('ddb-athena-sync sql', () => {
  test('merge: the two statements merge() sends per batch, tombstones first, over staged paths the writer uses', async () => {
    const { code, out } = await capture(['--table', 'books']);
    expect(code).toBe(0);
    const sent = statements(out);
    expect(sent).toHaveLength(2);
    expect(sent[0]).toMatch(/^MERGE INTO "library"."books__tombstones" AS d\n/);
    expect(sent[1]).toMatch(/^MERGE INTO "library"."books" AS t\n/);
    // The stream object's path is where the stream-writer stages (the merger's staging prefix).
    const key = streamObjectKey({
      table: 'books',
      shardId: 'shardId-00000001714567890123-abcdef01',
      firstSequenceNumber: '100000000000000000001',
      lastSequenceNumber: '100000000000000000042',
      firstEventTime: new Date('2024-05-01T12:00:00Z'),
    });
    expect(key.startsWith(tableStagingPrefix('books'))).toBe(true);
    expect(sent[1]).toContain(`'s3://lake/${key}'`);
    expect(out).not.toContain('./.local');
  });

  test('maintain: OPTIMIZE, VACUUM and the tombstone expiry, in that order', async () => {
    const sent = statements((await capture(['--table', 'books', '--statement', 'maintain'])).out);
    expect(sent.map((s) => s.split(' ').slice(0, 2).join(' '))).toEqual([
      'OPTIMIZE library.`books`',
      'VACUUM library.`books`',
      'DELETE FROM',
    ]);
  });

  // Issue 18's Done-when: `--statement optimize` and `vacuum` print statements Athena's DDL grammar
  // accepts (bare or backtick-quoted names; https://docs.aws.amazon.com/athena/latest/ug/optimize-statement.html,
  // https://docs.aws.amazon.com/athena/latest/ug/vacuum-statement.html), checked with the stand-in's
  // parser of that grammar, which refuses a double-quoted name as Athena does.
  test.each(['optimize', 'vacuum'] as const)(
    '%s: the one statement of that kind, in Athena DDL grammar',
    async (kind) => {
      const r = await capture(['--table', 'books', '--dialect', 'athena', '--statement', kind]);
      expect(r.code).toBe(0);
      const sent = statements(r.out);
      expect(sent).toHaveLength(1);
      expect(parseAthenaStatement(sent[0] ?? '')).toMatchObject({ kind, table: 'library.books' });
      expect(() => parseAthenaStatement((sent[0] ?? '').replace('`books`', '"books"'))).toThrow();
    },
  );

  test('create: the Iceberg table, its tombstone table and the staging table; --database, --bucket and --table-location reach them', async () => {
    const { out } = await capture([
      '--table',
      'books',
      '--statement',
      'create',
      '--database',
      'shop',
      '--bucket',
      'my-lake',
      '--table-location',
      's3://elsewhere/books/',
    ]);
    const sent = statements(out);
    expect(sent.map((s) => /^CREATE (EXTERNAL )?TABLE IF NOT EXISTS `shop`.`(\w+)`/.exec(s)?.[2])).toEqual([
      'books',
      'books__tombstones',
      'books_staging',
    ]);
    expect(out).toContain("'s3://elsewhere/books/'");
    expect(out).toContain('s3://my-lake/staging/books/');
  });

  test('a firehose-mode table has no MERGE: refused with a message, exit 2', async () => {
    const r = await capture(['--table', 'orders']);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toContain('table orders is in firehose mode: Firehose writes it to Iceberg itself');
  });

  test('--dialect lake says what the local lake runs instead of printing SQL nothing runs', async () => {
    const r = await capture(['--table', 'books', '--dialect', 'lake']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('The local lake (up/demo with the default --engine lake) runs no Athena SQL');
    expect(statements(r.out)).toEqual([]);
  });

  test('bad arguments exit 2; an unknown table exits 1 naming it', async () => {
    expect(await capture(['--table', 'books', '--dialect', 'duckdb'])).toMatchObject({ code: 2, out: '' });
    expect((await capture(['--table', 'books', '--statement', 'staging'])).err).toContain(
      'Allowed choices are merge, maintain, optimize, vacuum, create',
    );
    expect(await capture(['--nope'])).toMatchObject({ code: 2 });
    const unknown = await capture(['--table', 'authors']);
    expect(unknown.code).toBe(1);
    expect(unknown.err).toContain('unknown table "authors"');
  });
});
