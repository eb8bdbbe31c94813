import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';
import type { AthenaEngine } from '@ddb-athena-sync/core/aws/athena-engine';
import { IncompatibleSchemaChangeError } from '@ddb-athena-sync/core/errors';
import type { MergeBatch, MergeEngine, StagedObject } from '@ddb-athena-sync/core/merge/engine';
import { encodeStagingObject } from '@ddb-athena-sync/core/staging/staging-object';
import type { StagedValue, StagingRow } from '@ddb-athena-sync/core/stream/change-row';
import { Lake } from '@ddb-athena-sync/local-lake/lake';
import { LocalLakeEngine } from '@ddb-athena-sync/local-lake/merge-engine';
import { parseDeclaration } from '@ddb-athena-sync/schemas/declaration';
import type { TableDeclaration, TableDeclarationInput } from '@ddb-athena-sync/schemas/declaration';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { AthenaStandIn } from '../src/athena-stand-in.js';
import { glueColumnsOnTrino, hiveTypeOfTrino } from '../src/glue-columns-on-trino.js';
import type { TrinoServer } from '../src/trino-server.js';
import { startTrinoStack } from './support/trino-stack.js';
import type { TrinoStack } from './support/trino-stack.js';

// Issue 15, schema evolution end to end: a table with data, merged through the Athena stand-in on
// Trino by the merger's AthenaEngine, then the declaration gains columns, and the next merge adds
// them (ALTER TABLE ... ADD COLUMNS on the Iceberg and the staging table) and populates them. The
// local lake merges the same staged objects beside it; both must end with the same rows.

const DATABASE = 'evolve_db';

let stack: TrinoStack | undefined;
let trino: TrinoServer;
let standIn: AthenaStandIn;
let s3: S3Client;
let lakeRoot: string;
let lake: Lake;

beforeAll(async () => {
  stack = await startTrinoStack({ database: DATABASE, buckets: ['lake'] });
  ({ trino, standIn, s3 } = stack);
  lakeRoot = mkdtempSync(join(tmpdir(), 'evolve-lake-'));
  lake = await Lake.open({ root: lakeRoot });
});

afterAll(async () => {
  lake?.close();
  await stack?.stop();
  if (lakeRoot !== undefined) await rm(lakeRoot, { recursive: true, force: true });
});

const shelfInput = (name: string) =>
  ({
    name,
    dynamodb: { tableName: name, partitionKey: 'id' },
    columns: [
      { name: 'id', type: 'string' },
      { name: 'title', type: 'string' },
    ],
    mode: 'merge',
    partitioning: ['bucket(4, id)'],
  }) satisfies TableDeclarationInput;

const engineFor = (table: TableDeclaration): AthenaEngine =>
  stack!.engineFor(table, { columns: glueColumnsOnTrino(trino.client) });

const row = (id: string, seq: number, extra: Record<string, StagedValue> = {}): StagingRow => ({
  id,
  title: `t-${id}`,
  ...extra,
  _op: 'upsert',
  _seq: String(seq).padStart(40, '0'),
  _event_time: '2024-05-02 03:04:05.000006',
  _source: 'stream',
});

let objects = 0;
async function stage(table: TableDeclaration, rows: StagingRow[]): Promise<StagedObject> {
  const key = `staging/${table.name}/2024/05/02/03/s-${++objects}.json.gz`;
  const body = encodeStagingObject(rows);
  await s3.send(new PutObjectCommand({ Bucket: 'lake', Key: key, Body: body }));
  return { key, size: body.length, lastModified: new Date(), source: 'stream' };
}

async function mergeBoth(engines: readonly MergeEngine[], batch: MergeBatch): Promise<void> {
  for (const engine of engines) await engine.merge(batch);
}

describe('schema evolution through the Athena stand-in and the local lake', () => {
  it('a column added to the declaration of a table with data is populated by the next merge', async () => {
    // Arrange: a table with data under the first declaration.
    const shelf = parseDeclaration(shelfInput('shelf'));
    const evolved = parseDeclaration({
      ...shelfInput('shelf'),
      columns: [
        ...shelfInput('shelf').columns,
        { name: 'pages', type: 'int' },
        { name: 'tags', type: 'array<struct<label:string,score:double>>' },
      ],
    });
    const athenaEngine = engineFor(shelf);
    const lakeEngine = new LocalLakeEngine({ lake, s3 });
    await athenaEngine.ensureTable(shelf);
    await lakeEngine.ensureTable(shelf);
    const first = { table: shelf, bucket: 'lake', objects: [await stage(shelf, [row('a', 1), row('b', 2)])] };
    await mergeBoth([athenaEngine, lakeEngine], first);
    // Act: the next batch was staged under the new declaration.
    const next = {
      table: evolved,
      bucket: 'lake',
      objects: [
        await stage(evolved, [
          row('b', 3, { pages: 120, tags: [{ label: 'sf', score: 0.5 }] }),
          row('c', 4, { pages: 7, tags: [] }),
        ]),
      ],
    };
    await mergeBoth([engineFor(evolved), lakeEngine], next);
    // Assert: the Iceberg and staging tables have the columns, as Glue would list them.
    const columns = glueColumnsOnTrino(trino.client);
    expect(await columns.columns({ database: DATABASE, name: 'shelf' })).toEqual(
      expect.arrayContaining([
        { name: 'pages', type: 'int' },
        { name: 'tags', type: 'array<struct<label:string,score:double>>' },
      ]),
    );
    expect(await columns.columns({ database: DATABASE, name: 'shelf_staging' })).toEqual(
      expect.arrayContaining([{ name: 'pages', type: 'int' }]),
    );
    // Read back through Trino: populated by the merge, null for the row merged before.
    const trinoRows = await trino.client.query(
      `SELECT id, title, pages, json_format(CAST(tags AS json)) AS tags FROM "iceberg"."${DATABASE}"."shelf" ORDER BY id`,
    );
    const expected = [
      { id: 'a', title: 't-a', pages: null, tags: null },
      { id: 'b', title: 't-b', pages: 120, tags: [{ label: 'sf', score: 0.5 }] },
      { id: 'c', title: 't-c', pages: 7, tags: [] },
    ];
    expect(
      trinoRows.rows.map(([id, title, pages, tags]) => ({
        id,
        title,
        pages: pages === null ? null : Number(pages),
        tags: typeof tags === 'string' ? (JSON.parse(tags) as unknown) : tags,
      })),
    ).toEqual(expected);
    // The local lake, on the same staged objects, ends with the same rows.
    expect(await lake.query('SELECT id, title, pages, tags FROM shelf ORDER BY id')).toEqual(expected);
  });

  it('refuses a type change in both engines before any statement runs', async () => {
    // Arrange
    const plain = parseDeclaration(shelfInput('retyped'));
    const retyped = parseDeclaration({
      ...shelfInput('retyped'),
      columns: [
        { name: 'id', type: 'string' },
        { name: 'title', type: 'int' },
      ],
    });
    await engineFor(plain).ensureTable(plain);
    await lake.ensureTable(plain);
    const batch = { table: retyped, bucket: 'lake', objects: [await stage(retyped, [row('a', 1)])] };
    const before = standIn.queriesCreated();
    // Act / Assert
    await expect(engineFor(retyped).merge(batch)).rejects.toBeInstanceOf(IncompatibleSchemaChangeError);
    expect(standIn.queriesCreated()).toBe(before);
    await expect(new LocalLakeEngine({ lake, s3 }).merge(batch)).rejects.toThrow(
      /retyped\.title: the declaration says int but the table has string/,
    );
  });
});

describe('hiveTypeOfTrino', () => {
  it.each([
    ['varchar', 'string'],
    ['integer', 'int'],
    ['bigint', 'bigint'],
    ['real', 'float'],
    ['timestamp(6)', 'timestamp'],
    ['decimal(12, 2)', 'decimal(12,2)'],
    ['varbinary', 'binary'],
    ['array(row("label" varchar, score double))', 'array<struct<label:string,score:double>>'],
    ['map(varchar, array(integer))', 'map<string,array<int>>'],
  ])('%s is %s in Glue', (trinoType, glue) => {
    expect(hiveTypeOfTrino(trinoType)).toBe(glue);
  });
});
