import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { TablesFileError } from '@ddb-athena-sync/schemas/errors';
import { describe, expect, it } from 'vitest';

import { resolveTablesFile, TablesFileNotFoundError } from '../src/tables-config.js';

const declarations = (name: string): string =>
  JSON.stringify({
    tables: [
      {
        name,
        dynamodb: { tableName: name, partitionKey: 'id' },
        columns: [{ name: 'id', type: 'string' }],
        mode: 'merge',
      },
    ],
  });

describe('resolveTablesFile', () => {
  it('finds the nearest file from the working directory up', async () => {
    const root = mkdtempSync(join(tmpdir(), 'tables-config-'));
    const sub = join(root, 'services', 'api');
    mkdirSync(sub, { recursive: true });
    writeFileSync(join(root, 'ddb-athena-sync.tables.json'), declarations('from_root'));
    const file = await resolveTablesFile({ cwd: sub });
    expect(file.path).toBe(join(root, 'ddb-athena-sync.tables.json'));
    expect([...file.tables.keys()]).toEqual(['from_root']);
  });

  it('an explicit --config wins over the file found by lookup, relative to the working directory', async () => {
    const root = mkdtempSync(join(tmpdir(), 'tables-config-'));
    writeFileSync(join(root, 'ddb-athena-sync.tables.json'), declarations('from_lookup'));
    mkdirSync(join(root, 'conf'));
    writeFileSync(join(root, 'conf', 'mine.json'), declarations('from_flag'));
    const file = await resolveTablesFile({ cwd: root, config: 'conf/mine.json' });
    expect([...file.tables.keys()]).toEqual(['from_flag']);
  });

  it('an explicit path that does not exist fails even when lookup would find a file', async () => {
    const root = mkdtempSync(join(tmpdir(), 'tables-config-'));
    writeFileSync(join(root, 'ddb-athena-sync.tables.json'), declarations('from_lookup'));
    await expect(resolveTablesFile({ cwd: root, config: 'missing.json' })).rejects.toBeInstanceOf(
      TablesFileError,
    );
  });

  it('none found: a typed error with the hint', async () => {
    const root = mkdtempSync(join(tmpdir(), 'tables-config-'));
    const error = await resolveTablesFile({ cwd: root }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TablesFileNotFoundError);
    expect((error as Error).message).toContain('pass --config <file> or run ddb-athena-sync init');
  });
});
