import { AthenaClient, GetQueryExecutionCommand, StartQueryExecutionCommand } from '@aws-sdk/client-athena';
import { EntityNotFoundException, GetTableCommand, GlueClient } from '@aws-sdk/client-glue';
import { stagingGlueType, glueType } from '@ddb-athena-sync/schemas/column-type';
import { icebergColumns, parseDeclaration, stagingColumns } from '@ddb-athena-sync/schemas/declaration';
import { shelfInput, withColumns } from '@ddb-athena-sync/schemas/test-support/shelf';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';

import { AthenaEngine } from '../../src/aws/athena-engine.js';
import { planColumnEvolution } from '../../src/aws/ensure-columns.js';
import { GlueTableColumns } from '../../src/aws/glue-table-columns.js';
import { IncompatibleSchemaChangeError } from '../../src/errors.js';
import type { MergeBatch } from '../../src/merge/engine.js';
import { athenaDialect, duckdbDialect } from '../../src/sql/dialect.js';

// Neither Athena nor Glue has a local stand-in here: both clients are mocked at their boundary
// with the shapes of the API references (Glue GetTable: Table.StorageDescriptor.Columns; Iceberg's
// Glue catalog marks columns of older schemas with iceberg.field.current = false).
const athenaMock = mockClient(AthenaClient);
const glueMock = mockClient(GlueClient);

const shelf = parseDeclaration(shelfInput);
const evolved = parseDeclaration(
  withColumns(
    shelfInput,
    { name: 'pages', type: 'int' },
    { name: 'published_at', type: 'timestamp', conversion: 'iso8601' },
  ),
);

/** Glue's view of a table created from `shelf`: the columns as Glue lists them. */
function glueTable(columns: { name: string; type: string; current?: boolean }[]) {
  return {
    Table: {
      Name: 'x',
      DatabaseName: 'library',
      StorageDescriptor: {
        Columns: columns.map((c) => ({
          Name: c.name,
          Type: c.type,
          Parameters: { 'iceberg.field.current': String(c.current ?? true) },
        })),
      },
    },
  };
}
const shelfIceberg = icebergColumns(shelf).map((c) => ({ name: c.name, type: glueType(c.type) }));
const shelfStaging = stagingColumns(shelf).map((c) => ({ name: c.name, type: stagingGlueType(c.type) }));

const batch = (table = evolved): MergeBatch => ({
  table,
  bucket: 'lake',
  objects: [
    {
      key: 'staging/shelf/2024/05/01/12/s-1-2.json.gz',
      size: 10,
      lastModified: new Date(0),
      source: 'stream',
    },
  ],
});

const engine = (): AthenaEngine =>
  new AthenaEngine({
    athena: new AthenaClient({ region: 'us-east-1' }),
    workGroup: 'ddb-athena-sync',
    database: 'library',
    tableLocation: 's3://lake/tables/shelf/',
    stagingLocation: 's3://lake/staging/shelf/',
    columns: new GlueTableColumns(new GlueClient({ region: 'us-east-1' })),
    sleep: () => Promise.resolve(),
  });

function sentSql(): string[] {
  return athenaMock.commandCalls(StartQueryExecutionCommand).map((c) => c.args[0].input.QueryString!);
}

beforeEach(() => {
  athenaMock.reset();
  glueMock.reset();
  athenaMock.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q' });
  athenaMock.on(GetQueryExecutionCommand).resolves({ QueryExecution: { Status: { State: 'SUCCEEDED' } } });
});

describe('AthenaEngine schema evolution (ensure-columns)', () => {
  it('adds a declared column to the Iceberg and staging tables before the MERGE, which then writes it', async () => {
    // Arrange: the tables were created from `shelf`; the declaration has since gained two columns.
    glueMock.on(GetTableCommand, { Name: 'shelf' }).resolves(glueTable(shelfIceberg));
    glueMock.on(GetTableCommand, { Name: 'shelf_staging' }).resolves(glueTable(shelfStaging));
    // Act
    await engine().merge(batch());
    // Assert
    const sql = sentSql();
    expect(sql[0]).toBe('ALTER TABLE library.`shelf` ADD COLUMNS (`pages` int, `published_at` timestamp)');
    expect(sql[1]).toBe(
      'ALTER TABLE library.`shelf_staging` ADD COLUMNS (`pages` int, `published_at` string)',
    );
    const merge = sql.find((s) => s.startsWith('MERGE INTO "library"."shelf"'));
    expect(merge).toBeDefined();
    // The new column is read from the staging table and written by both MERGE branches.
    expect(merge).toMatch(/"pages"/);
    expect(merge).toMatch(/UPDATE SET[\s\S]*"pages" = s\."pages"/);
    expect(merge).toMatch(/INSERT \([^)]*"pages"/);
    expect(sql.indexOf(merge!)).toBeGreaterThan(1);
  });

  it('reads the catalog once per declaration: a second merge sends no DDL', async () => {
    // Arrange
    glueMock.on(GetTableCommand, { Name: 'shelf' }).resolves(glueTable(shelfIceberg));
    glueMock.on(GetTableCommand, { Name: 'shelf_staging' }).resolves(glueTable(shelfStaging));
    const e = engine();
    await e.merge(batch());
    const calls = glueMock.commandCalls(GetTableCommand).length;
    athenaMock.resetHistory();
    // Act
    await e.merge(batch());
    // Assert
    expect(glueMock.commandCalls(GetTableCommand).length).toBe(calls);
    expect(sentSql().some((s) => s.startsWith('ALTER'))).toBe(false);
  });

  it('sends no DDL when the tables already have every declared column', async () => {
    // Arrange: Glue also lists a column of an older schema, which is not current.
    glueMock
      .on(GetTableCommand, { Name: 'shelf' })
      .resolves(glueTable([...shelfIceberg, { name: 'gone', type: 'string', current: false }]));
    glueMock.on(GetTableCommand, { Name: 'shelf_staging' }).resolves(glueTable(shelfStaging));
    // Act
    await engine().merge(batch(shelf));
    // Assert
    expect(sentSql().some((s) => s.startsWith('ALTER'))).toBe(false);
  });

  it('refuses a type change: a typed error naming table and column, and no query at all', async () => {
    // Arrange: `title` was declared int.
    const retyped = parseDeclaration({
      ...shelfInput,
      columns: [shelfInput.columns[0], { name: 'title', type: 'int' }],
    });
    glueMock.on(GetTableCommand, { Name: 'shelf' }).resolves(glueTable(shelfIceberg));
    glueMock.on(GetTableCommand, { Name: 'shelf_staging' }).resolves(glueTable(shelfStaging));
    // Act
    const run = engine().merge(batch(retyped));
    // Assert
    await expect(run).rejects.toBeInstanceOf(IncompatibleSchemaChangeError);
    await expect(run).rejects.toMatchObject({ table: 'shelf', columns: ['title'] });
    await expect(run).rejects.toThrow(/shelf\.title: the declaration says int but the table has string/);
    expect(athenaMock.commandCalls(StartQueryExecutionCommand)).toHaveLength(0);
  });

  it('refuses a removal (or a rename) with what to do', async () => {
    // Arrange: `title` renamed to `name`.
    const renamed = parseDeclaration({
      ...shelfInput,
      columns: [shelfInput.columns[0], { name: 'name', type: 'string' }],
    });
    glueMock.on(GetTableCommand, { Name: 'shelf' }).resolves(glueTable(shelfIceberg));
    glueMock.on(GetTableCommand, { Name: 'shelf_staging' }).resolves(glueTable(shelfStaging));
    // Act
    const run = engine().merge(batch(renamed));
    // Assert
    await expect(run).rejects.toThrow(/shelf\.title: .*renamed to name.*CHANGE COLUMN/);
    expect(athenaMock.commandCalls(StartQueryExecutionCommand)).toHaveLength(0);
  });

  it('leaves a table that does not exist yet to ensureTable (no DDL for it)', async () => {
    // Arrange
    glueMock
      .on(GetTableCommand)
      .rejects(new EntityNotFoundException({ message: 'not found', $metadata: {} }));
    // Act
    await engine().merge(batch());
    // Assert
    expect(sentSql().some((s) => s.startsWith('ALTER'))).toBe(false);
  });
});

describe('planColumnEvolution', () => {
  it('renders one DuckDB ALTER per column and nothing for the staging view', () => {
    // Act
    const plan = planColumnEvolution(
      evolved,
      { table: shelfIceberg, staging: shelfStaging },
      duckdbDialect,
      'lake',
    );
    // Assert
    expect(plan.added).toEqual(['pages', 'published_at']);
    expect(plan.statements).toEqual([
      'ALTER TABLE "lake"."shelf" ADD COLUMN IF NOT EXISTS "pages" INTEGER',
      'ALTER TABLE "lake"."shelf" ADD COLUMN IF NOT EXISTS "published_at" TIMESTAMP',
    ]);
  });

  it('rejects a database name Athena DDL cannot take bare', () => {
    expect(() =>
      planColumnEvolution(evolved, { table: shelfIceberg, staging: undefined }, athenaDialect, 'table'),
    ).toThrow(/database/);
  });
});
