import { describe, expect, it } from 'vitest';

import { athenaDialect } from '@ddb-athena-sync/core/sql/dialect';
import { renderIcebergDdl, renderStagingDdl } from '@ddb-athena-sync/schemas/render-ddl';
import { books } from '@ddb-athena-sync/schemas/test-support/example-tables';

import { parseAthenaStatement, vacuumStatements } from '../src/athena-ddl.js';
import { AthenaDdlError } from '../src/errors.js';
import { hostileTable } from './support/hostile.js';

describe('parseAthenaStatement', () => {
  it("maps the project's Iceberg DDL to a Trino CREATE TABLE with Trino's partitioning syntax", () => {
    // Arrange
    const sql = renderIcebergDdl(books, { database: 'lake_db', location: 's3://lake/tables/books/' });
    // Act
    const statement = parseAthenaStatement(sql);
    // Assert
    expect(statement).toMatchObject({ kind: 'create-iceberg', table: 'lake_db.books' });
    const trino = (statement as { trino: string }).trino;
    expect(trino).toContain('CREATE TABLE IF NOT EXISTS "iceberg"."lake_db"."books"');
    expect(trino).toContain('"published_at" timestamp(6)');
    expect(trino).toContain('partitioning = ARRAY[\'bucket("id", 16)\']');
    expect(trino).toContain("location = 's3://lake/tables/books/'");
    expect(
      (statement as { properties: Record<string, string> }).properties.vacuum_max_snapshot_age_seconds,
    ).toBe(String(books.maintenance.snapshotRetentionHours * 3600));
  });

  it('maps nested Glue types (decimal, array, struct) to Trino types', () => {
    const sql = renderIcebergDdl(hostileTable('hostile'), {
      database: 'd',
      location: 's3://lake/tables/hostile/',
    });
    const trino = (parseAthenaStatement(sql) as { trino: string }).trino;
    expect(trino).toContain('"big" decimal(38,0)');
    expect(trino).toContain('"tags" array(varchar)');
    expect(trino).toContain('"dims" row("w" decimal(10,2), "label" varchar, "nums" array(bigint))');
    expect(trino).toContain('"day" date');
  });

  it('maps the staging table (OpenX JSON SerDe) to a Hive table in OPENX_JSON format at the same location', () => {
    const sql = renderStagingDdl(books, { database: 'lake_db', location: 's3://lake/staging/books/' });
    const statement = parseAthenaStatement(sql);
    expect(statement.kind).toBe('create-external');
    const trino = (statement as { trino: string }).trino;
    expect(trino).toContain('CREATE TABLE IF NOT EXISTS "hive"."lake_db"."books_staging"');
    expect(trino).toContain("WITH (format = 'OPENX_JSON', external_location = 's3://lake/staging/books/')");
  });

  it.each([
    [
      'OPTIMIZE "db"."t" REWRITE DATA USING BIN_PACK',
      `line 1:10: mismatched input '"db"'. Expecting: <identifier>`,
    ],
    [
      'OPTIMIZE db."t" REWRITE DATA USING BIN_PACK',
      `line 1:13: mismatched input '"t"'. Expecting: <identifier>`,
    ],
    ['VACUUM "t"', `line 1:8: mismatched input '"t"'. Expecting: <identifier>`],
    [
      'CREATE EXTERNAL TABLE "t" (x string) LOCATION \'s3://b/p/\'',
      `line 1:23: mismatched input '"t"'. Expecting: <identifier>`,
    ],
  ])('rejects a double-quoted identifier in %s, as Athena does', (sql, message) => {
    expect(() => parseAthenaStatement(sql)).toThrow(new AthenaDdlError(message));
  });

  it('maps OPTIMIZE with bare or backticked names, and its WHERE, to ALTER TABLE ... EXECUTE optimize', () => {
    expect(parseAthenaStatement('OPTIMIZE `db`.`t` REWRITE DATA USING BIN_PACK')).toMatchObject({
      kind: 'optimize',
      trino: 'ALTER TABLE "db"."t" EXECUTE optimize',
    });
    expect(
      parseAthenaStatement("optimize db.t rewrite data using bin_pack where day = DATE '2024-01-01'"),
    ).toMatchObject({
      trino: `ALTER TABLE "db"."t" EXECUTE optimize WHERE day = DATE '2024-01-01'`,
    });
  });

  it("maps the dialect's ALTER TABLE ... ADD COLUMNS to one Trino ADD COLUMN per column", () => {
    // Arrange: what core's athena dialect renders (addColumns), nested types included.
    const [sql] = athenaDialect.addColumns(
      { database: 'lake_db', name: 'books' },
      [
        { name: 'pages', type: { kind: 'int' } },
        { name: 'seen_at', type: { kind: 'timestamp' } },
        {
          name: 'tags',
          type: {
            kind: 'array',
            element: { kind: 'struct', fields: [{ name: 'label', type: { kind: 'string' } }] },
          },
        },
      ],
      'table',
    );
    // Act
    const statement = parseAthenaStatement(sql!);
    // Assert
    expect(sql).toBe(
      'ALTER TABLE lake_db.`books` ADD COLUMNS (`pages` int, `seen_at` timestamp, `tags` array<struct<label:string>>)',
    );
    expect(statement).toEqual({
      kind: 'add-columns',
      table: 'lake_db.books',
      trino: [
        'ALTER TABLE "lake_db"."books" ADD COLUMN "pages" integer',
        'ALTER TABLE "lake_db"."books" ADD COLUMN "seen_at" timestamp(6)',
        'ALTER TABLE "lake_db"."books" ADD COLUMN "tags" array(row("label" varchar))',
      ],
    });
  });

  it.each([
    ['ALTER TABLE "t" ADD COLUMNS (x string)', `line 1:13: mismatched input '"t"'. Expecting: <identifier>`],
    ['ALTER TABLE t ADD COLUMNS ("x" string)', `line 1:28: mismatched input '"x"'. Expecting: <identifier>`],
    ['ALTER TABLE t DROP COLUMN x', `line 1:15: mismatched input 'DROP'. Expecting: 'ADD'`],
    ['ALTER TABLE t ADD COLUMNS (x string) extra', `line 1:38: mismatched input 'extra'. Expecting: <EOF>`],
  ])('rejects %s as Athena would, never guessing', (sql, message) => {
    expect(() => parseAthenaStatement(sql)).toThrow(new AthenaDdlError(message));
  });

  it('maps VACUUM to expire_snapshots then remove_orphan_files at the table retention', () => {
    const statement = parseAthenaStatement('VACUUM `db`.`t`');
    expect(statement).toMatchObject({ kind: 'vacuum', database: 'db', name: 't' });
    expect(vacuumStatements({ database: 'db', name: 't' }, 3600)).toEqual([
      `ALTER TABLE "db"."t" EXECUTE expire_snapshots(retention_threshold => '3600s')`,
      `ALTER TABLE "db"."t" EXECUTE remove_orphan_files(retention_threshold => '3600s')`,
    ]);
  });

  it('rejects table properties Athena does not accept, and non-JSON SerDes', () => {
    expect(() =>
      parseAthenaStatement(
        "CREATE TABLE t (x string) LOCATION 's3://b/t/' TBLPROPERTIES ('table_type'='ICEBERG', 'custom'='1')",
      ),
    ).toThrow('Unsupported table property key: custom');
    expect(() =>
      parseAthenaStatement(
        "CREATE EXTERNAL TABLE t (x string) ROW FORMAT SERDE 'org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe' LOCATION 's3://b/t/'",
      ),
    ).toThrow(AthenaDdlError);
  });

  it('passes DML through as sent and names the table a write goes to', () => {
    const merge = 'MERGE INTO "db"."books" AS t USING (SELECT 1) AS s ON true WHEN MATCHED THEN DELETE';
    expect(parseAthenaStatement(merge)).toEqual({ kind: 'dml', sql: merge, writes: 'db.books' });
    expect(parseAthenaStatement('INSERT INTO busy VALUES (1)')).toMatchObject({ writes: 'busy' });
    expect(parseAthenaStatement('SELECT "$path" FROM t')).toEqual({
      kind: 'dml',
      sql: 'SELECT "$path" FROM t',
    });
  });
});
