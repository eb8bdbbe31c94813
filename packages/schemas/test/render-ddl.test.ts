import { readFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import { renderTerraformExport } from '../src/export-terraform.js';
import { renderIcebergDdl, renderStagingDdl } from '../src/render-ddl.js';
import { InvalidIdentifierError } from '../src/errors.js';
import { books, orders, tables } from '../test-support/example-tables.js';

const target = { database: 'library', location: 's3://lake-bucket/tables/books' };

describe('renderIcebergDdl', () => {
  it('renders the books table as Athena creates Iceberg tables', () => {
    expect(renderIcebergDdl(books, target)).toBe(
      [
        'CREATE TABLE IF NOT EXISTS `library`.`books` (',
        '  `id` string,',
        '  `name` string,',
        '  `author` string,',
        '  `summary` string,',
        '  `published_at` timestamp,',
        '  `_seq` string,',
        '  `_updated_at` timestamp',
        ')',
        'PARTITIONED BY (bucket(16, `id`))',
        "LOCATION 's3://lake-bucket/tables/books/'",
        'TBLPROPERTIES (',
        "  'table_type'='ICEBERG',",
        "  'format'='parquet',",
        "  'write_compression'='zstd',",
        "  'optimize_rewrite_delete_file_threshold'='2',",
        "  'optimize_rewrite_data_file_threshold'='2',",
        "  'vacuum_max_snapshot_age_seconds'='86400',",
        "  'vacuum_min_snapshots_to_keep'='5'",
        ')',
      ].join('\n'),
    );
  });

  it('renders nested types, decimals and the _extra column for orders', () => {
    const ddl = renderIcebergDdl(orders, {
      database: 'library',
      location: 's3://lake-bucket/tables/orders/',
    });
    expect(ddl).toContain('`total` decimal(12,2),');
    expect(ddl).toContain('`line_items` array<struct<sku:string,quantity:int,unit_price:decimal(12,2)>>,');
    expect(ddl).toContain('`_extra` string,');
    expect(ddl).toContain('PARTITIONED BY (day(`created_at`))');
  });

  it('refuses a database name that is not an identifier and a location that is not s3://', () => {
    expect(() => renderIcebergDdl(books, { ...target, database: 'lib`; DROP' })).toThrow(
      InvalidIdentifierError,
    );
    expect(() => renderIcebergDdl(books, { ...target, location: "s3://bucket/x' y" })).toThrow(
      /not an s3:\/\/ URI/,
    );
  });
});

describe('renderStagingDdl', () => {
  it('declares string for values that travel as JSON strings', () => {
    const ddl = renderStagingDdl(orders, {
      database: 'library',
      location: 's3://lake-bucket/staging/orders/',
    });
    expect(ddl).toMatch(/^CREATE EXTERNAL TABLE IF NOT EXISTS `library`.`orders_staging` \(/);
    expect(ddl).toContain('`total` string,');
    expect(ddl).toContain('`line_items` array<struct<sku:string,quantity:int,unit_price:string>>,');
    expect(ddl).toContain('`_seq` string,');
    expect(ddl).toContain("ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe'");
  });
});

describe('Terraform export', () => {
  it('is committed up to date (run `pnpm --filter @ddb-athena-sync/schemas export` after changing a declaration)', () => {
    const committed = readFileSync(new URL('../export/tables.json', import.meta.url), 'utf8');
    expect(committed).toBe(renderTerraformExport(tables.values()));
  });

  it('carries what the modules need for each table', () => {
    const parsed = JSON.parse(renderTerraformExport([books])) as {
      tables: Record<string, Record<string, unknown>>;
    };
    expect(parsed.tables.books).toMatchObject({
      mode: 'merge',
      schedule: 'rate(1 minute)',
      key_columns: ['id'],
      dynamodb: { table_name: 'books', partition_key: 'id', sort_key: null, ttl_attribute: 'expires_at' },
      staging_table_name: 'books_staging',
      firehose: null,
    });
  });

  it('gives every column its Iceberg type, nested fields numbered from 1000', () => {
    const parsed = JSON.parse(renderTerraformExport([orders])) as {
      tables: { orders: { columns: { name: string; iceberg_type: string }[] } };
    };
    const byName = new Map(
      parsed.tables.orders.columns.map((c) => [c.name, JSON.parse(c.iceberg_type) as unknown]),
    );
    expect(byName.get('total')).toBe('decimal(12,2)');
    expect(byName.get('_updated_at')).toBe('timestamp');
    expect(byName.get('_extra')).toBe('string');
    expect(byName.get('line_items')).toEqual({
      type: 'list',
      'element-id': 1000,
      'element-required': false,
      element: {
        type: 'struct',
        fields: [
          { id: 1001, name: 'sku', required: false, type: 'string' },
          { id: 1002, name: 'quantity', required: false, type: 'int' },
          { id: 1003, name: 'unit_price', required: false, type: 'decimal(12,2)' },
        ],
      },
    });
  });
});
