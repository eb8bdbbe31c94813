import { glueType, stagingGlueType } from './column-type.js';
import { formatPartition, icebergColumns, stagingColumns } from './declaration.js';
import type { TableDeclaration } from './declaration.js';
import { stagingTableName } from './render-ddl.js';

/** Glue column as Terraform's aws_glue_catalog_table `storage_descriptor.columns` wants it. */
export interface TerraformColumn {
  readonly name: string;
  readonly type: string;
}

/** One table as the Terraform modules read it (snake_case, plain JSON, read with `jsondecode`). */
export interface TerraformTable {
  readonly name: string;
  readonly description: string;
  readonly mode: 'merge' | 'firehose';
  readonly dynamodb: {
    readonly table_name: string;
    readonly partition_key: string;
    readonly sort_key: string | null;
    readonly ttl_attribute: string | null;
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

export function toTerraformTable(d: TableDeclaration): TerraformTable {
  const m = d.maintenance;
  return {
    name: d.name,
    description: d.description ?? '',
    mode: d.mode,
    dynamodb: {
      table_name: d.dynamodb.tableName,
      partition_key: d.dynamodb.partitionKey,
      sort_key: d.dynamodb.sortKey ?? null,
      ttl_attribute: d.dynamodb.ttlAttribute ?? null,
    },
    key_columns: d.keyColumns,
    schedule: d.schedule,
    maintenance_schedule: m.schedule,
    partitioning: d.partitioning.map(formatPartition),
    columns: icebergColumns(d).map((c) => ({ name: c.name, type: glueType(c.type) })),
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

/** The JSON document `infra/` reads: `{ "tables": { "<name>": TerraformTable } }`, stable key order. */
export function renderTerraformExport(declarations: Iterable<TableDeclaration>): string {
  const tables: Record<string, TerraformTable> = {};
  for (const d of [...declarations].sort((a, b) => a.name.localeCompare(b.name))) tables[d.name] = toTerraformTable(d);
  return `${JSON.stringify({ tables }, null, 2)}\n`;
}
