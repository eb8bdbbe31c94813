import type { TableDeclaration } from '@ddb-athena-sync/schemas/declaration';

import type { MergerConfig } from '../src/config.js';

/** The merger's config in the handler tests: bucket `lake`, control table `control`. */
export function mergerTestConfig(table: TableDeclaration): MergerConfig {
  return {
    tableName: table.name,
    table,
    stagingBucket: 'lake',
    stagingPrefix: 'staging/',
    controlTable: 'control',
    athenaWorkgroup: 'wg',
    glueDatabase: 'library',
    tableLocation: `s3://lake/tables/${table.name}/`,
    serviceName: 'merger',
    logLevel: 'SILENT',
    minBatchBudgetMs: 30_000,
  };
}
