// The `schema diff` command: against the local lake of a data directory, with a declarations file.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Lake } from '@ddb-athena-sync/local-lake/lake';
import { dataDirLayout } from '@ddb-athena-sync/local-stack/data-dir';
import { parseDeclaration } from '@ddb-athena-sync/schemas/declaration';
import { shelfInput } from '@ddb-athena-sync/schemas/test-support/shelf';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { main } from '../../src/cli.js';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'schema-cmd-'));
  // A lake holding `shelf` as first declared.
  const lake = await Lake.open({ root: dataDirLayout(join(dir, 'data')).lake });
  await lake.ensureTable(parseDeclaration(shelfInput));
  lake.close();
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function invoke(
  columns: { name: string; type: string }[],
): Promise<{ code: number; out: string; err: string }> {
  await writeFile(join(dir, 'tables.json'), JSON.stringify({ tables: [{ ...shelfInput, columns }] }));
  let out = '';
  let err = '';
  const code = await main(
    ['--config', 'tables.json', 'schema', 'diff', '--table', 'shelf', '--data-dir', 'data'],
    { stdout: (s) => (out += s), stderr: (s) => (err += s) },
    { cwd: dir },
  );
  return { code, out, err };
}

describe('ddb-athena-sync schema diff', () => {
  it('prints the column the next merge adds and its DDL, exit 0', async () => {
    const { code, out, err } = await invoke([...shelfInput.columns, { name: 'pages', type: 'int' }]);
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(out).toMatch(
      /^shelf \(against the local lake\): the next merge adds 1 column\(s\):\n {2}\+ pages int \(new Iceberg field id \d+\)/,
    );
    expect(out).toContain('ALTER TABLE default.`shelf` ADD COLUMNS (`pages` int);');
  });

  it('prints the refusal of a removal, exit 1', async () => {
    const { code, out } = await invoke([shelfInput.columns[0]!]);
    expect(code).toBe(1);
    expect(out).toMatch(/refused[\s\S]*default\.shelf\.title: the table has this column/);
  });
});
