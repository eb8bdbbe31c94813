import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Lake } from '@ddb-athena-sync/local-lake/lake';
import { parseDeclaration } from '@ddb-athena-sync/schemas/declaration';
import { shelfInput, withColumns } from '@ddb-athena-sync/schemas/test-support/shelf';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { diffAgainstGlue, diffAgainstLake, formatSchemaDiff } from '../src/schema-diff.js';

const shelf = parseDeclaration(shelfInput);
const evolved = parseDeclaration(withColumns(shelfInput, { name: 'pages', type: 'int' }));

let root: string;
let lake: Lake;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'schema-diff-'));
  lake = await Lake.open({ root });
});

afterEach(async () => {
  lake.close();
  await rm(root, { recursive: true, force: true });
});

describe('schema diff against the local lake', () => {
  it('prints the column the next merge adds, its new field id and the DDL, and changes nothing', async () => {
    // Arrange
    await lake.ensureTable(shelf);
    const before = await lake.load('shelf');
    // Act
    const diff = await diffAgainstLake(lake, evolved);
    // Assert
    expect(diff.added).toEqual([
      { name: 'pages', type: 'int', fieldId: before.metadata['last-column-id'] + 1 },
    ]);
    expect(diff.statements).toEqual(['ALTER TABLE lake.`shelf` ADD COLUMNS (`pages` int)']);
    expect(formatSchemaDiff(diff)).toBe(
      [
        'shelf (against the local lake): the next merge adds 1 column(s):',
        `  + pages int (new Iceberg field id ${before.metadata['last-column-id'] + 1})`,
        'Athena equivalent of the local change:',
        '  ALTER TABLE lake.`shelf` ADD COLUMNS (`pages` int);',
      ].join('\n'),
    );
    expect((await lake.load('shelf')).version).toBe(before.version);
    // The engine then applies exactly that change.
    await lake.evolveSchema(evolved);
    expect(formatSchemaDiff(await diffAgainstLake(lake, evolved))).toBe(
      'shelf (against the local lake): up to date, nothing to change.',
    );
  });

  it('prints the refusal for a type change', async () => {
    // Arrange
    await lake.ensureTable(shelf);
    const retyped = parseDeclaration({
      ...shelfInput,
      columns: [shelfInput.columns[0], { name: 'title', type: 'bigint' }],
    });
    // Act
    const text = formatSchemaDiff(await diffAgainstLake(lake, retyped));
    // Assert
    expect(text).toMatch(/^shelf \(against the local lake\): refused/);
    expect(text).toMatch(/default\.shelf\.title: the declaration says bigint but the table has string/);
  });

  it('says when the table does not exist yet', async () => {
    expect(formatSchemaDiff(await diffAgainstLake(lake, shelf))).toMatch(/does not exist yet/);
  });
});

describe('schema diff against Glue', () => {
  it('prints the DDL the merger runs on the Iceberg and the staging table', async () => {
    // Arrange: Glue's columns for the tables created from `shelf` (a fake of the port, answering
    // what GlueTableColumns returns: names and Hive types).
    const glue = {
      columns: ({ name }: { name: string }) =>
        Promise.resolve(
          name === 'shelf'
            ? [
                { name: 'id', type: 'string' },
                { name: 'title', type: 'string' },
                { name: '_seq', type: 'string' },
                { name: '_updated_at', type: 'timestamp' },
              ]
            : [
                { name: 'id', type: 'string' },
                { name: 'title', type: 'string' },
                { name: '_op', type: 'string' },
                { name: '_seq', type: 'string' },
                { name: '_event_time', type: 'string' },
                { name: '_source', type: 'string' },
              ],
        ),
    };
    // Act
    const diff = await diffAgainstGlue(glue, evolved, 'library');
    // Assert
    expect(diff.statements).toEqual([
      'ALTER TABLE library.`shelf` ADD COLUMNS (`pages` int)',
      'ALTER TABLE library.`shelf_staging` ADD COLUMNS (`pages` int)',
    ]);
    expect(formatSchemaDiff(diff)).toMatch(
      /^shelf \(against the Glue catalog\): the next merge adds 1 column/,
    );
  });
});
