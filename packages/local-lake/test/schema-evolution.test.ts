import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { StagedObject } from '@ddb-athena-sync/core/merge/engine';
import { encodeStagingObject } from '@ddb-athena-sync/core/staging/staging-object';
import type { StagedValue, StagingRow } from '@ddb-athena-sync/core/stream/change-row';
import { parseDeclaration } from '@ddb-athena-sync/schemas/declaration';
import type { TableDeclarationInput } from '@ddb-athena-sync/schemas/declaration';
import { shelfInput, withColumns } from '@ddb-athena-sync/schemas/test-support/shelf';
import { useLocalServices } from '@ddb-athena-sync/local-services/test-support/use-local-services';
import { describe, expect, it } from 'vitest';

import { IncompatibleSchemaChangeError, SchemaMismatchError } from '../src/errors.js';
import { Lake } from '../src/lake.js';
import { LocalLakeEngine } from '../src/merge-engine.js';
import { currentSchema } from '../src/table-metadata.js';
import { withTempDir } from './support/temp-dir.js';
import { validateTable } from './support/validate-table.js';

const partitionedShelf = { ...shelfInput, partitioning: ['bucket(4, id)'] } satisfies TableDeclarationInput;
const shelf = parseDeclaration(partitionedShelf);
/** The declaration after a release: two nullable columns, one of them nested. */
const evolved = parseDeclaration(
  withColumns(
    partitionedShelf,
    { name: 'pages', type: 'int' },
    { name: 'tags', type: 'array<struct<label:string,score:double>>' },
  ),
);

const row = (id: string, seq: number, extra: Record<string, StagedValue> = {}): StagingRow => ({
  id,
  title: `t-${id}`,
  ...extra,
  _op: 'upsert',
  _seq: String(seq).padStart(40, '0'),
  _event_time: '2024-05-02 03:04:05.000006',
  _source: 'stream',
});

const local = useLocalServices({ buckets: ['staging'] });

async function stage(key: string, rows: StagingRow[]): Promise<StagedObject> {
  const body = encodeStagingObject(rows);
  await local.s3.send(new PutObjectCommand({ Bucket: 'staging', Key: key, Body: body }));
  return { key, size: body.length, lastModified: new Date(), source: 'stream' };
}

describe('local lake schema evolution', () => {
  it('the next merge after a declaration gains columns writes them; older rows read them as null', async () => {
    await withTempDir(async (root) => {
      // Arrange: a table with data, merged under the old declaration.
      const lake = await Lake.open({ root });
      try {
        const engine = new LocalLakeEngine({ lake, s3: local.s3 });
        await engine.ensureTable(shelf);
        await engine.merge({
          table: shelf,
          bucket: 'staging',
          objects: [await stage('a/1.json.gz', [row('a', 1), row('b', 2)])],
        });
        const before = (await lake.load('shelf')).metadata;
        // Act: the next batch is staged under the new declaration and merged with it.
        const objects = [
          await stage('a/2.json.gz', [
            row('b', 3, { pages: 120, tags: [{ label: 'sf', score: 0.5 }] }),
            row('c', 4, { pages: 7, tags: [] }),
          ]),
        ];
        await engine.merge({ table: evolved, bucket: 'staging', objects });
        // Assert: one new schema, new field ids above the old last-column-id.
        const after = (await lake.load('shelf')).metadata;
        const schema = currentSchema(after);
        expect(after.schemas).toHaveLength(2);
        expect(after['current-schema-id']).toBe(1);
        expect(schema.fields.slice(0, currentSchema(before).fields.length)).toEqual(
          currentSchema(before).fields,
        );
        const added = schema.fields.filter((f) => f.name === 'pages' || f.name === 'tags');
        expect(added.map((f) => f.name)).toEqual(['pages', 'tags']);
        for (const f of added) expect(f.id).toBeGreaterThan(before['last-column-id']);
        expect(after['last-column-id']).toBe(before['last-column-id'] + 5); // pages, tags, element, label, score
        // The merge populated the new columns; the row it did not touch reads them as null.
        const rows = await lake.query('SELECT id, title, pages, tags FROM shelf ORDER BY id');
        expect(rows).toEqual([
          { id: 'a', title: 't-a', pages: null, tags: null },
          { id: 'b', title: 't-b', pages: 120, tags: [{ label: 'sf', score: 0.5 }] },
          { id: 'c', title: 't-c', pages: 7, tags: [] },
        ]);
        expect(await validateTable(`${root}/default/shelf`, lake.duckdb)).toEqual([]);
      } finally {
        lake.close();
      }
    });
  });

  it('an append-mode table gains the column too: the next append writes it', async () => {
    await withTempDir(async (root) => {
      // Arrange: the same table in append mode, with data.
      const lake = await Lake.open({ root });
      try {
        const engine = new LocalLakeEngine({ lake, s3: local.s3 });
        const appendShelf = parseDeclaration({ ...partitionedShelf, mode: 'append' });
        const appendEvolved = parseDeclaration({
          ...partitionedShelf,
          mode: 'append',
          columns: [...partitionedShelf.columns, { name: 'pages', type: 'int' }],
        });
        await engine.ensureTable(appendShelf);
        await engine.merge({
          table: appendShelf,
          bucket: 'staging',
          objects: [await stage('p/1.json.gz', [row('a', 1)])],
        });
        // Act
        await engine.merge({
          table: appendEvolved,
          bucket: 'staging',
          objects: [await stage('p/2.json.gz', [row('b', 2, { pages: 9 })])],
        });
        // Assert
        expect(await lake.query('SELECT id, pages FROM shelf ORDER BY id')).toEqual([
          { id: 'a', pages: null },
          { id: 'b', pages: 9 },
        ]);
      } finally {
        lake.close();
      }
    });
  });

  it('evolving twice commits once; ensureTable evolves an existing table too', async () => {
    await withTempDir(async (root) => {
      // Arrange
      const lake = await Lake.open({ root });
      try {
        await lake.ensureTable(shelf);
        const v0 = (await lake.load('shelf')).version;
        // Act
        await lake.ensureTable(evolved);
        const v1 = (await lake.load('shelf')).version;
        const again = await lake.evolveSchema(evolved);
        // Assert
        expect(v1).toBe(v0 + 1);
        expect(again).toEqual([]);
        expect((await lake.load('shelf')).version).toBe(v1);
        expect(currentSchema((await lake.load('shelf')).metadata).fields.map((f) => f.name)).toContain(
          'pages',
        );
      } finally {
        lake.close();
      }
    });
  });

  it.each([
    {
      change: 'a type change',
      columns: [
        { name: 'id', type: 'string' },
        { name: 'title', type: 'int' },
      ],
      refused: ['title'],
      message: /shelf\.title: the declaration says int but the table has string/,
    },
    {
      change: 'a removal',
      columns: [{ name: 'id', type: 'string' }],
      refused: ['title'],
      message: /shelf\.title: the table has this column .* but the declaration does not/,
    },
    {
      change: 'a rename',
      columns: [
        { name: 'id', type: 'string' },
        { name: 'name', type: 'string' },
      ],
      refused: ['title'],
      message: /renamed to name/,
    },
  ])('refuses $change with a typed error and commits nothing', async ({ columns, refused, message }) => {
    await withTempDir(async (root) => {
      // Arrange
      const lake = await Lake.open({ root });
      try {
        await lake.ensureTable(shelf);
        const version = (await lake.load('shelf')).version;
        const changed = parseDeclaration({ ...partitionedShelf, columns });
        // Act
        const run = lake.evolveSchema(changed);
        // Assert
        await expect(run).rejects.toBeInstanceOf(IncompatibleSchemaChangeError);
        await expect(run).rejects.toMatchObject({ table: 'default.shelf', columns: refused });
        await expect(run).rejects.toThrow(message);
        expect((await lake.load('shelf')).version).toBe(version);
      } finally {
        lake.close();
      }
    });
  });

  it('a merge of rows with a column the table lacks fails instead of dropping it', async () => {
    await withTempDir(async (root) => {
      // Arrange: the table was never evolved to the declaration the rows were staged under.
      const lake = await Lake.open({ root });
      try {
        await lake.ensureTable(shelf);
        // Act
        const run = lake.merge('shelf', [row('a', 1, { pages: 3 })]);
        // Assert
        await expect(run).rejects.toBeInstanceOf(SchemaMismatchError);
        await expect(run).rejects.toMatchObject({ table: 'shelf', column: 'pages' });
      } finally {
        lake.close();
      }
    });
  });
});
