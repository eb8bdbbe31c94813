// The `query` command against a real local lake directory (DuckDB runs the SQL).
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { main } from '../../src/cli.js';

const dirs: string[] = [];
function dataDirWithLake(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ddb-athena-sync-query-'));
  mkdirSync(join(dir, 'lake'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function query(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(['query', ...args], { stdout: (s) => (out += s), stderr: (s) => (err += s) });
  return { code, out, err };
}

describe('ddb-athena-sync query', () => {
  it('runs every statement in order, each result printed (a ";" in a literal is no boundary)', async () => {
    const dir = dataDirWithLake();
    const r = await query(
      "CREATE TABLE t AS SELECT 42 AS n; SELECT n FROM t; SELECT 'a;b' AS s",
      '--data-dir',
      dir,
    );
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    // The second statement sees the first's table: both ran, in order.
    expect(r.out).toMatch(/│\s+n │\n├─+┤\n│\s+42 │\n└─+┘\n\(1 row\)/);
    expect(r.out).toContain('a;b');
  });

  it('--json: one array for one statement, an array per statement for several', async () => {
    const dir = dataDirWithLake();
    const one = await query('SELECT 1 AS a', '--json', '--data-dir', dir);
    expect(JSON.parse(one.out)).toEqual([{ a: 1 }]);
    const two = await query('SELECT 1 AS a; SELECT 2 AS b', '--json', '--data-dir', dir);
    expect(JSON.parse(two.out)).toEqual([[{ a: 1 }], [{ b: 2 }]]);
  });

  it.each([[''], ['   '], ['/* only a comment */'], ['--', '-- only a comment'], [';'], [' ; ;\n']])(
    '%j is a usage error, not "0 rows"',
    async (...sql) => {
      const r = await query('--data-dir', dataDirWithLake(), ...sql);
      expect(r.code).toBe(2);
      expect(r.err).toContain('ddb-athena-sync: error: query needs SQL');
      expect(r.out).toBe('');
    },
  );

  it('SQL DuckDB rejects is exit code 1 with its message, no stack', async () => {
    const r = await query('SELEC 1', '--data-dir', dataDirWithLake());
    expect(r.code).toBe(1);
    expect(r.err).toMatch(
      /^ddb-athena-sync: error: query failed: .*Parser Error: syntax error at or near "SELEC"/,
    );
    expect(r.err).not.toMatch(/\n\s+at /);
  });

  it('no lake in the data directory is a usage error naming it, with --data-dir in the hint', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ddb-athena-sync-query-'));
    dirs.push(dir);
    const r = await query('SELECT 1', '--data-dir', dir);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`no lake in ${dir}`);
    expect(r.err).toContain(`--data-dir ${dir}`);
  });
});
