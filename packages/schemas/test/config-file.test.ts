import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { describe, expect, it } from 'vitest';

import {
  DEFAULT_TABLES_FILE_NAME,
  findTablesFile,
  loadTablesFile,
  parseTablesFile,
  renderTablesFileJsonSchema,
} from '../src/config-file.js';
import { TablesFileError } from '../src/errors.js';

const fixture = (name: string): string => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
const repoExample = fileURLToPath(new URL('../../../ddb-athena-sync.tables.json', import.meta.url));

async function problemsOf(path: string): Promise<TablesFileError> {
  try {
    await loadTablesFile(path);
  } catch (error) {
    expect(error).toBeInstanceOf(TablesFileError);
    return error as TablesFileError;
  }
  throw new Error('expected a TablesFileError');
}

const minimal = (name: string): unknown => ({
  name,
  dynamodb: { tableName: name, partitionKey: 'id' },
  columns: [{ name: 'id', type: 'string' }],
  mode: 'merge',
});

describe('loadTablesFile', () => {
  it('reads the example file: books and orders, in file order, with defaults filled', async () => {
    const file = await loadTablesFile(repoExample);
    expect(file.path).toBe(repoExample);
    expect([...file.tables.keys()]).toEqual(['books', 'orders']);
    expect(file.tables.get('books')?.keyColumns).toEqual(['id']);
    expect(file.tables.get('orders')?.firehose?.appendOnly).toBe(true);
  });

  it('lists every problem of every table at once, each with the file and its path', async () => {
    const path = fixture('bad.tables.json');
    const error = await problemsOf(path);
    const paths = error.issues.map((i) => i.path);
    expect(paths).toContain('tables[1].name'); // duplicate
    expect(paths).toContain('tables[2].columns[1].type'); // decimal(40,2)
    expect(paths).toContain('tables[3].name'); // Bad-Name
    expect(paths).toContain('tables[3].mode');
    expect(paths).toContain('tables[3].dynamodb.tableName');
    expect(paths).toContain('tables[3]'); // unknown key "colour"
    expect(error.issues.find((i) => i.path === 'tables[1].name')?.message).toBe(
      'table "ok_table" is already declared at tables[0]',
    );
    expect(error.file).toBe(path);
    expect(error.message).toContain(`${path}: tables[2].columns[1].type:`);
    expect(error.message.split('\n')).toHaveLength(error.issues.length + 1);
  });

  it('refuses a table name declared twice even when both declarations are valid', () => {
    expect(() =>
      parseTablesFile(JSON.stringify({ tables: [minimal('a_t'), minimal('a_t')] }), 'x.json'),
    ).toThrow(/tables\[1\]\.name: table "a_t" is already declared at tables\[0\]/);
  });

  it('refuses a file with no tables, unknown top-level keys, and bad syntax', () => {
    expect(() => parseTablesFile('{"tables": []}', 'x.json')).toThrow(/tables: declare at least one table/);
    expect(() => parseTablesFile(JSON.stringify({ tables: [minimal('a_t')], table: 1 }), 'x.json')).toThrow(
      /Unrecognized key/,
    );
    expect(() => parseTablesFile('{"tables": [', 'x.json')).toThrow(/x\.json: \(root\): JSON syntax/);
    expect(() => parseTablesFile('tables: [\n  - a', 'x.yaml')).toThrow(/YAML syntax/);
  });

  it('reads YAML with the same checks', () => {
    const yaml = [
      'tables:',
      '  - name: authors',
      '    dynamodb: { tableName: authors, partitionKey: id, sortKey: born }',
      '    columns:',
      '      - { name: id, type: string }',
      '      - { name: born, type: bigint }',
      '    mode: merge',
      '  - name: broken',
      '    dynamodb: { tableName: broken, partitionKey: id }',
      '    columns: [{ name: id, type: "map<string,int>" }]',
      '    mode: merge',
    ].join('\n');
    expect(() => parseTablesFile(yaml, 'f.yaml')).toThrow(/f\.yaml: tables\[1\]\.columns\[0\]\.type/);
    const ok = parseTablesFile(yaml.split('\n').slice(0, 7).join('\n'), 'f.yml');
    expect(ok.tables.get('authors')?.keyColumns).toEqual(['id', 'born']);
  });

  it('says when the file does not exist', async () => {
    const error = await problemsOf(join(tmpdir(), 'no-such-dir-decl15', DEFAULT_TABLES_FILE_NAME));
    expect(error.issues).toEqual([{ path: '', message: 'no such file' }]);
  });
});

describe('findTablesFile', () => {
  it('walks up from a subdirectory to the nearest file, JSON before YAML in one directory', () => {
    const root = mkdtempSync(join(tmpdir(), 'tables-find-'));
    const deep = join(root, 'a', 'b', 'c');
    mkdirSync(deep, { recursive: true });
    expect(findTablesFile(deep)).toBeUndefined();
    writeFileSync(join(root, 'ddb-athena-sync.tables.yaml'), 'tables: []\n');
    expect(findTablesFile(deep)).toBe(join(root, 'ddb-athena-sync.tables.yaml'));
    writeFileSync(join(root, 'a', DEFAULT_TABLES_FILE_NAME), '{}');
    expect(findTablesFile(deep)).toBe(join(root, 'a', DEFAULT_TABLES_FILE_NAME));
    writeFileSync(join(root, DEFAULT_TABLES_FILE_NAME), '{}');
    expect(findTablesFile(root)).toBe(join(root, DEFAULT_TABLES_FILE_NAME));
  });

  it('ignores a directory that has the file name', () => {
    const root = mkdtempSync(join(tmpdir(), 'tables-find-'));
    mkdirSync(join(root, 'x', DEFAULT_TABLES_FILE_NAME), { recursive: true });
    writeFileSync(join(root, DEFAULT_TABLES_FILE_NAME), '{}');
    expect(findTablesFile(join(root, 'x'))).toBe(join(root, DEFAULT_TABLES_FILE_NAME));
  });
});

describe('JSON Schema', () => {
  it('the committed schema is the one generated from the zod schema (run `pnpm --filter @ddb-athena-sync/schemas export`)', () => {
    const committed = readFileSync(new URL('../ddb-athena-sync.tables.schema.json', import.meta.url), 'utf8');
    expect(committed).toBe(renderTablesFileJsonSchema());
  });

  it('describes the input side: defaults are optional, unknown keys refused', () => {
    const schema = JSON.parse(renderTablesFileJsonSchema()) as {
      properties: { tables: { items: { required: string[]; additionalProperties: boolean } } };
    };
    const table = schema.properties.tables.items;
    expect(table.required.sort()).toEqual(['columns', 'dynamodb', 'mode', 'name']);
    expect(table.additionalProperties).toBe(false);
  });

  it('the example file points editors at the committed schema', () => {
    const example = JSON.parse(readFileSync(repoExample, 'utf8')) as { $schema: string };
    expect(example.$schema).toBe('./packages/schemas/ddb-athena-sync.tables.schema.json');
  });
});
