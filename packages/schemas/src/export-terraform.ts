import { glueType, stagingGlueType } from './column-type.js';
import type { ColumnType } from './column-type.js';
import { formatPartition, icebergColumns, stagingColumns } from './declaration.js';
import type { TableDeclaration } from './declaration.js';
import { declarationJson } from './declaration-json.js';
import { stagingTableName } from './render-ddl.js';

/** Glue column as Terraform's aws_glue_catalog_table `storage_descriptor.columns` wants it. */
export interface TerraformColumn {
  readonly name: string;
  readonly type: string;
  /** The Iceberg type as Glue's `iceberg_table_input` schema takes it: a JSON document. */
  readonly iceberg_type?: string;
}

/** Iceberg primitive names (Iceberg spec, "Primitive Types"); json travels as string. */
const ICEBERG_PRIMITIVE: Record<string, string> = {
  string: 'string',
  bigint: 'long',
  int: 'int',
  double: 'double',
  float: 'float',
  boolean: 'boolean',
  binary: 'binary',
  timestamp: 'timestamp',
  date: 'date',
  json: 'string',
};

/**
 * The Iceberg type of a column as JSON (Iceberg spec, "Schemas and Data Types" JSON serialization).
 * Nested fields and list elements need ids of their own: they are numbered from `firstId` up, in a
 * range (1000+) that top-level column ids (1..n) never reach.
 */
export function icebergTypeJson(type: ColumnType, ids: { next: number } = { next: 1000 }): unknown {
  switch (type.kind) {
    case 'decimal':
      return `decimal(${type.precision},${type.scale})`;
    case 'array': {
      const elementId = ids.next++;
      return {
        type: 'list',
        'element-id': elementId,
        'element-required': false,
        element: icebergTypeJson(type.element, ids),
      };
    }
    case 'struct':
      return {
        type: 'struct',
        fields: type.fields.map((f) => {
          const id = ids.next++;
          return { id, name: f.name, required: false, type: icebergTypeJson(f.type, ids) };
        }),
      };
    default:
      return ICEBERG_PRIMITIVE[type.kind];
  }
}

/** One table as the Terraform modules read it (snake_case, plain JSON, read with `jsondecode`). */
export interface TerraformTable {
  readonly name: string;
  /**
   * The declaration as the functions read it (`declarationJson`): the modules pass it in
   * TABLE_DECLARATION, or as an S3 object, with its SHA-256 (infra/modules/_internal/declaration).
   */
  readonly declaration: string;
  readonly description: string;
  readonly mode: TableDeclaration['mode'];
  readonly dynamodb: {
    readonly table_name: string;
    readonly partition_key: string;
    readonly sort_key: string | null;
    readonly ttl_attribute: string | null;
    /** DynamoDB type (S, N or B) of each key attribute, as the source table's `attribute` blocks need. */
    readonly attribute_types: Readonly<Record<string, 'S' | 'N' | 'B'>>;
  };
  readonly key_columns: readonly string[];
  readonly schedule: string;
  readonly maintenance_schedule: string;
  readonly partitioning: readonly string[];
  readonly columns: readonly TerraformColumn[];
  readonly staging_table_name: string;
  readonly staging_columns: readonly TerraformColumn[];
  readonly ttl_deletes: 'apply' | 'ignore';
  readonly unknown_attributes: string;
  readonly table_properties: Readonly<Record<string, string>>;
  readonly firehose: {
    readonly append_only: boolean;
    readonly removes: 'delete' | 'drop';
    readonly buffering_interval_seconds: number;
    readonly buffering_size_mb: number;
  } | null;
}

/**
 * The DynamoDB scalar type of each key attribute, from its column: key attributes are S, N or B
 * (DynamoDB developer guide, "Core components": partition and sort keys). A timestamp column that
 * converts epoch numbers reads an N attribute; one that parses ISO-8601 reads an S attribute.
 */
function keyAttributeTypes(d: TableDeclaration): Record<string, 'S' | 'N' | 'B'> {
  const out: Record<string, 'S' | 'N' | 'B'> = {};
  for (const c of d.columns) {
    if (!c.isKey) continue;
    const numeric = ['bigint', 'int', 'double', 'float', 'decimal'].includes(c.type.kind);
    const epoch = c.conversion?.startsWith('epoch-') === true;
    out[c.source] = numeric || epoch ? 'N' : c.type.kind === 'binary' ? 'B' : 'S';
  }
  return out;
}

export function toTerraformTable(d: TableDeclaration): TerraformTable {
  const m = d.maintenance;
  return {
    name: d.name,
    declaration: declarationJson(d),
    description: d.description ?? '',
    mode: d.mode,
    dynamodb: {
      table_name: d.dynamodb.tableName,
      partition_key: d.dynamodb.partitionKey,
      sort_key: d.dynamodb.sortKey ?? null,
      ttl_attribute: d.dynamodb.ttlAttribute ?? null,
      attribute_types: keyAttributeTypes(d),
    },
    key_columns: d.keyColumns,
    schedule: d.schedule,
    maintenance_schedule: m.schedule,
    partitioning: d.partitioning.map(formatPartition),
    columns: (() => {
      const ids = { next: 1000 };
      return icebergColumns(d).map((c) => ({
        name: c.name,
        type: glueType(c.type),
        iceberg_type: JSON.stringify(icebergTypeJson(c.type, ids)),
      }));
    })(),
    staging_table_name: stagingTableName(d),
    staging_columns: stagingColumns(d).map((c) => ({ name: c.name, type: stagingGlueType(c.type) })),
    ttl_deletes: d.ttlDeletes,
    unknown_attributes: d.unknownAttributes,
    table_properties: {
      optimize_rewrite_delete_file_threshold: String(m.deleteFileThreshold),
      optimize_rewrite_data_file_threshold: String(m.dataFileThreshold),
      vacuum_max_snapshot_age_seconds: String(m.snapshotRetentionHours * 3600),
      vacuum_min_snapshots_to_keep: String(m.minSnapshotsToKeep),
    },
    firehose:
      d.firehose === undefined
        ? null
        : {
            append_only: d.firehose.appendOnly,
            removes: d.firehose.removes,
            buffering_interval_seconds: d.firehose.bufferingIntervalSeconds,
            buffering_size_mb: d.firehose.bufferingSizeMb,
          },
  };
}

/**
 * The JSON document the Terraform modules read (`ddb-athena-sync export-terraform` writes it next to
 * the declarations file): `{ "tables": { "<name>": TerraformTable } }`, stable key order. Terraform
 * cannot derive Glue and Iceberg types (nested field ids) from a declaration itself, so the one
 * implementation here computes them and Terraform reads the result with `jsondecode(file(...))`.
 */
export function renderTerraformExport(declarations: Iterable<TableDeclaration>): string {
  const tables: Record<string, TerraformTable> = {};
  for (const d of [...declarations].sort((a, b) => a.name.localeCompare(b.name)))
    tables[d.name] = toTerraformTable(d);
  return `${JSON.stringify({ tables }, null, 2)}\n`;
}

/** The Terraform export's file name, written next to the declarations file by `ddb-athena-sync export-terraform`. */
export const TERRAFORM_EXPORT_FILE_NAME = 'ddb-athena-sync.terraform.json';
