import { GetTableCommand } from '@aws-sdk/client-glue';
import type { GlueClient } from '@aws-sdk/client-glue';

import { CatalogReadError } from '../errors.js';
import type { ColumnShape } from '../merge/column-changes.js';

/** Where the merger reads a table's current columns from (Glue in AWS, a stand-in locally). */
export interface TableColumnSource {
  /** The table's current columns in Glue/Hive type text; undefined when the table does not exist. */
  columns(table: {
    readonly database: string;
    readonly name: string;
  }): Promise<readonly ColumnShape[] | undefined>;
}

/**
 * Glue parameter Iceberg's Glue catalog sets on each column: `false` for columns of older schemas
 * that Glue keeps listed after a drop or rename (apache/iceberg, aws/.../glue/IcebergToGlueConverter.java,
 * ICEBERG_FIELD_CURRENT).
 */
const ICEBERG_FIELD_CURRENT = 'iceberg.field.current';

/**
 * Current columns from the Glue Data Catalog's GetTable: `Table.StorageDescriptor.Columns`, each a
 * Name and a Hive type string (Glue API, GetTable and Column,
 * https://docs.aws.amazon.com/glue/latest/webapi/API_GetTable.html,
 * https://docs.aws.amazon.com/glue/latest/webapi/API_Column.html). Athena's own SHOW COLUMNS lists
 * names only and points to the Data Catalog for types
 * (https://docs.aws.amazon.com/athena/latest/ug/show-columns.html). The merger role already holds
 * glue:GetTable on its tables (infra/modules/merge-table/iam.tf, GlueTables).
 */
export class GlueTableColumns implements TableColumnSource {
  constructor(
    private readonly glue: GlueClient,
    private readonly catalogId?: string,
  ) {}

  async columns(table: {
    readonly database: string;
    readonly name: string;
  }): Promise<readonly ColumnShape[] | undefined> {
    let out;
    try {
      out = await this.glue.send(
        new GetTableCommand({
          DatabaseName: table.database,
          Name: table.name,
          ...(this.catalogId === undefined ? {} : { CatalogId: this.catalogId }),
        }),
      );
    } catch (error) {
      if ((error as { name?: string }).name === 'EntityNotFoundException') return undefined;
      throw new CatalogReadError(`${table.database}.${table.name}`, { cause: error });
    }
    return (out.Table?.StorageDescriptor?.Columns ?? [])
      .filter((c) => c.Parameters?.[ICEBERG_FIELD_CURRENT] !== 'false')
      .map((c) => ({ name: c.Name ?? '', type: c.Type ?? '' }));
  }
}
