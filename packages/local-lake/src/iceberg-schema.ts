import { duckdbDialect } from '@ddb-athena-sync/core/sql/dialect';

import { SchemaMismatchError, UnsupportedFeatureError } from './errors.js';
import { icebergColumns } from '@ddb-athena-sync/schemas/declaration';
import type { ColumnType } from '@ddb-athena-sync/schemas/column-type';
import type { PartitionTransform, TableDeclaration } from '@ddb-athena-sync/schemas/declaration';

/**
 * Iceberg schema, partition spec and sort order JSON (Iceberg spec, "Schemas and Data Types",
 * "Partition Specs", "Sort Orders", and Appendix C "JSON serialization").
 */
export type IcebergType = string | IcebergStruct | IcebergList;

export interface IcebergField {
  readonly id: number;
  readonly name: string;
  /** DuckDB writes every Parquet column OPTIONAL, so every field is declared optional. */
  readonly required: boolean;
  readonly type: IcebergType;
  readonly doc?: string;
}

export interface IcebergStruct {
  readonly type: 'struct';
  readonly fields: readonly IcebergField[];
}

export interface IcebergList {
  readonly type: 'list';
  readonly 'element-id': number;
  readonly element: IcebergType;
  readonly 'element-required': boolean;
}

export interface IcebergSchema extends IcebergStruct {
  readonly 'schema-id': number;
  readonly 'identifier-field-ids'?: readonly number[];
}

export interface PartitionField {
  readonly 'source-id': number;
  readonly 'field-id': number;
  readonly name: string;
  readonly transform: string;
}

export interface PartitionSpec {
  readonly 'spec-id': number;
  readonly fields: readonly PartitionField[];
}

export interface SortField {
  readonly transform: string;
  readonly 'source-id': number;
  readonly direction: 'asc' | 'desc';
  readonly 'null-order': 'nulls-first' | 'nulls-last';
}

export interface SortOrder {
  readonly 'order-id': number;
  readonly fields: readonly SortField[];
}

/** Table property naming the key columns (comma separated) that MERGE matches on. */
export const KEY_COLUMNS_PROPERTY = 'ddb-athena-sync.key-columns';

/** First partition field id (Iceberg spec: partition field ids start at 1000). */
export const PARTITION_FIELD_ID_START = 1000;

/** Field ids reserved for position delete files (Iceberg spec, "Position Delete Files"). */
export const POSITION_DELETE_FILE_PATH_ID = 2147483546;
export const POSITION_DELETE_POS_ID = 2147483545;

export function toIcebergType(type: ColumnType, nextId: () => number): IcebergType {
  switch (type.kind) {
    case 'string':
    case 'json':
      return 'string';
    case 'bigint':
      return 'long';
    case 'int':
      return 'int';
    case 'double':
      return 'double';
    case 'float':
      return 'float';
    case 'boolean':
      return 'boolean';
    case 'binary':
      return 'binary';
    case 'decimal':
      return `decimal(${type.precision}, ${type.scale})`;
    case 'timestamp':
      return 'timestamp';
    case 'date':
      return 'date';
    case 'array': {
      const elementId = nextId();
      return {
        type: 'list',
        'element-id': elementId,
        element: toIcebergType(type.element, nextId),
        'element-required': false,
      };
    }
    case 'struct': {
      // Ids of a struct's fields are assigned before their nested types (breadth first), like Iceberg's TypeUtil.
      const ids = type.fields.map(() => nextId());
      return {
        type: 'struct',
        fields: type.fields.map((f, i) => ({
          id: ids[i]!,
          name: f.name,
          required: false,
          type: toIcebergType(f.type, nextId),
        })),
      };
    }
  }
}

/** The table's Iceberg schema: declared columns, then `_extra`, `_seq`, `_updated_at`. */
export function schemaFromDeclaration(d: TableDeclaration): { schema: IcebergSchema; lastColumnId: number } {
  const columns = icebergColumns(d);
  let last = columns.length;
  const nextId = (): number => ++last;
  const fields = columns.map((c, i) => ({
    id: i + 1,
    name: c.name,
    required: false,
    type: toIcebergType(c.type, nextId),
  }));
  // No identifier-field-ids: the spec requires identifier fields to be required, and DuckDB writes
  // every Parquet column optional. The key columns live in the KEY_COLUMNS_PROPERTY table property.
  return {
    schema: { type: 'struct', 'schema-id': 0, fields },
    lastColumnId: last,
  };
}

function transformText(p: PartitionTransform): string {
  return 'width' in p ? `${p.transform}[${p.width}]` : p.transform;
}

function partitionFieldName(p: PartitionTransform): string {
  // Names follow Iceberg's defaults (id_bucket, created_at_day, name_trunc).
  switch (p.transform) {
    case 'identity':
      return p.column;
    case 'bucket':
      return `${p.column}_bucket`;
    case 'truncate':
      return `${p.column}_trunc`;
    default:
      return `${p.column}_${p.transform}`;
  }
}

export function partitionSpecFromDeclaration(
  d: TableDeclaration,
  schema: IcebergSchema,
): { spec: PartitionSpec; lastPartitionId: number } {
  const fields = d.partitioning.map((p, i) => {
    const source = schema.fields.find((f) => f.name === p.column);
    if (source === undefined)
      throw new SchemaMismatchError(d.name, p.column, 'partition column is not in the schema');
    return {
      'source-id': source.id,
      'field-id': PARTITION_FIELD_ID_START + i,
      name: partitionFieldName(p),
      transform: transformText(p),
    };
  });
  return { spec: { 'spec-id': 0, fields }, lastPartitionId: PARTITION_FIELD_ID_START - 1 + fields.length };
}

/** Sort order 1: the key columns ascending. Merges and optimize write files in this order. */
export function sortOrderFromDeclaration(d: TableDeclaration, schema: IcebergSchema): SortOrder {
  return {
    'order-id': 1,
    fields: d.keyColumns.map((k) => ({
      transform: 'identity',
      'source-id': schema.fields.find((f) => f.name === k)!.id,
      direction: 'asc',
      'null-order': 'nulls-first',
    })),
  };
}

/**
 * DuckDB type of an Iceberg type (DuckDB docs, "Data Types"). Not core's DuckDB dialect `tableType`:
 * that maps a declaration's column types, while this maps the Iceberg types found in table metadata,
 * which may come from other writers (timestamptz, uuid, time, long). Struct field names go through
 * the dialect's identifier check like every other identifier.
 */
export function duckdbType(type: IcebergType): string {
  if (typeof type === 'string') {
    const decimal = /^decimal\((\d+),\s*(\d+)\)$/.exec(type);
    if (decimal) return `DECIMAL(${decimal[1]}, ${decimal[2]})`;
    const map: Record<string, string> = {
      string: 'VARCHAR',
      long: 'BIGINT',
      int: 'INTEGER',
      double: 'DOUBLE',
      float: 'FLOAT',
      boolean: 'BOOLEAN',
      binary: 'BLOB',
      timestamp: 'TIMESTAMP',
      timestamptz: 'TIMESTAMPTZ',
      date: 'DATE',
      uuid: 'UUID',
      time: 'TIME',
    };
    const out = map[type];
    if (out === undefined) throw new UnsupportedFeatureError(`unsupported Iceberg type ${type}`);
    return out;
  }
  if (type.type === 'list') return `${duckdbType(type.element)}[]`;
  return `STRUCT(${type.fields.map((f) => `${duckdbDialect.identifier(f.name)} ${duckdbType(f.type)}`).join(', ')})`;
}

/**
 * The FIELD_IDS option of DuckDB's Parquet COPY (DuckDB docs, "Parquet export": nested ids use
 * `__duckdb_field_id`; a list's child is `element`).
 */
export function fieldIdsOption(fields: readonly IcebergField[]): string {
  const nested = (type: IcebergType): string => {
    if (typeof type === 'string') return '';
    if (type.type === 'list') {
      const inner = nested(type.element);
      return `element: ${inner === '' ? String(type['element-id']) : `{__duckdb_field_id: ${type['element-id']}, ${inner}}`}`;
    }
    return type.fields.map((f) => entry(f)).join(', ');
  };
  const entry = (f: IcebergField): string => {
    const inner = nested(f.type);
    return `${duckdbDialect.identifier(f.name)}: ${inner === '' ? String(f.id) : `{__duckdb_field_id: ${f.id}, ${inner}}`}`;
  };
  return `{${fields.map(entry).join(', ')}}`;
}
