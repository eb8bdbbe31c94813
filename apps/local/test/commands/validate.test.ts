// `ddb-athena-sync validate` and `export-terraform` on files in a scratch directory.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { main } from '../../src/cli.js';

const table = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  dynamodb: { tableName: name, partitionKey: 'id' },
  columns: [{ name: 'id', type: 'string' }],
  mode: 'merge',
  ...extra,
});

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'validate-cmd-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { stdout: (s) => (out += s), stderr: (s) => (err += s) }, { cwd: dir });
  return { code, out, err };
}

describe('ddb-athena-sync validate', () => {
  it('lists every problem with file and path and exits 1', async () => {
    const bad = {
      tables: [
        table('a_t'),
        table('a_t'),
        table('b_t', {
          columns: [
            { name: 'id', type: 'string' },
            { name: 'x', type: 'decimal(40,2)' },
          ],
        }),
        table('c_t', { mode: 'sometimes' }),
      ],
    };
    await writeFile(join(dir, 'mine.json'), JSON.stringify(bad));

    const { code, err } = await run(['validate', 'mine.json']);

    expect(code).toBe(1);
    const file = join(dir, 'mine.json');
    expect(err).toContain(`${file}: 3 problems:`);
    expect(err).toContain(`${file}: tables[1].name: table "a_t" is already declared at tables[0]`);
    expect(err).toContain(`${file}: tables[2].columns[1].type:`);
    expect(err).toContain(`${file}: tables[3].mode:`);
  });

  it('finds the file from the working directory (or --config), and exits 0 when valid', async () => {
    await writeFile(join(dir, 'ddb-athena-sync.tables.json'), JSON.stringify({ tables: [table('a_t')] }));
    await writeFile(join(dir, 'other.json'), JSON.stringify({ tables: [table('b_t')] }));

    const found = await run(['validate']);
    const flagged = await run(['--config', 'other.json', 'validate']);
    const none = await run(['--config', 'missing.json', 'validate']);

    expect(found).toMatchObject({ code: 0, err: '' });
    expect(found.out).toContain('1 table (a_t), valid');
    expect(flagged.out).toContain('1 table (b_t), valid');
    expect(none.code).toBe(1);
    expect(none.err).toContain('missing.json: (root): no such file');
  });

  it('fails when the Terraform export next to the file is out of date, passes once re-exported', async () => {
    const path = join(dir, 'ddb-athena-sync.tables.json');
    await writeFile(path, JSON.stringify({ tables: [table('a_t')] }));
    expect((await run(['export-terraform'])).code).toBe(0);
    const exported = JSON.parse(await readFile(join(dir, 'ddb-athena-sync.terraform.json'), 'utf8')) as {
      tables: Record<string, { declaration: string }>;
    };
    expect(JSON.parse(exported.tables.a_t!.declaration)).toMatchObject({ name: 'a_t', mode: 'merge' });
    expect((await run(['validate'])).code).toBe(0);

    await writeFile(path, JSON.stringify({ tables: [table('a_t'), table('b_t')] }));
    const stale = await run(['validate']);
    await run(['export-terraform']);
    const fresh = await run(['validate']);

    expect(stale.code).toBe(1);
    expect(stale.err).toContain('ddb-athena-sync.terraform.json: out of date with the declarations');
    expect(fresh.code).toBe(0);
  });
});
