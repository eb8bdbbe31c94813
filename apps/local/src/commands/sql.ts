import { Option } from '@commander-js/extra-typings';
import { dialectFor } from '@ddb-athena-sync/core/sql/dialect';
import { renderMerge } from '@ddb-athena-sync/core/sql/render-merge';
import {
  SQL_STATEMENTS,
  renderCreate,
  renderOptimize,
  renderStaging,
  renderVacuum,
} from '@ddb-athena-sync/core/sql/render-statements';
import type { SqlStatementKind } from '@ddb-athena-sync/core/sql/render-statements';
import {
  backfillObjectKey,
  streamObjectKey,
  tableStagingPrefix,
} from '@ddb-athena-sync/core/staging/staging-key';
import { stagingTableName } from '@ddb-athena-sync/schemas/render-ddl';
import { getTable } from '@ddb-athena-sync/schemas/tables';

import type { CliContext, Program } from '../cli.js';

export function register(program: Program, context: CliContext): void {
  program
    .command('sql')
    .summary('render the SQL the pipeline runs in Athena')
    .description('Prints the SQL of one statement for a table and a sample batch, for review.')
    .addOption(new Option('--table <name>', 'declared table').makeOptionMandatory())
    .addOption(
      new Option('--dialect <dialect>', 'SQL dialect')
        .choices(['athena', 'duckdb'] as const)
        .makeOptionMandatory(),
    )
    .addOption(
      new Option('--statement <kind>', 'which statement').choices(SQL_STATEMENTS).makeOptionMandatory(),
    )
    .addOption(new Option('--database <name>', 'Glue database').default('library'))
    .addOption(new Option('--bucket <name>', 'lake bucket').default('lake'))
    .addOption(
      new Option('--table-location <uri>', "the table's location (default s3://<bucket>/tables/<table>/)"),
    )
    .action(async (flags) => {
      const tables = await context.tables();
      const table = getTable(flags.table, tables);
      const dialect = dialectFor(flags.dialect);
      const { bucket, database } = flags;
      const statement: SqlStatementKind = flags.statement;
      const target = {
        database,
        tableLocation: flags.tableLocation ?? `s3://${bucket}/tables/${table.name}/`,
        stagingLocation: `s3://${bucket}/${tableStagingPrefix(table.name)}`,
      };
      // A sample batch: one backfill object and one stream object, named as the writers name them.
      const keys = [
        backfillObjectKey({ table: table.name, runId: '20240501T120000Z', segment: 0, part: 0 }),
        streamObjectKey({
          table: table.name,
          shardId: 'shardId-00000001714567890123-abcdef01',
          firstSequenceNumber: '100000000000000000001',
          lastSequenceNumber: '100000000000000000042',
          firstEventTime: new Date('2024-05-01T12:00:00Z'),
        }),
      ];
      const files = keys.map((k) =>
        dialect.name === 'athena' ? `s3://${bucket}/${k}` : `./.local/s3/${bucket}/${k}`,
      );
      const statements =
        statement === 'merge'
          ? [
              renderMerge(
                {
                  table,
                  target: { database, name: table.name },
                  stagingTable: { database, name: stagingTableName(table) },
                  files,
                },
                dialect,
              ),
            ]
          : statement === 'create'
            ? renderCreate(table, dialect, target)
            : statement === 'staging'
              ? renderStaging(table, dialect, target, files)
              : statement === 'optimize'
                ? [renderOptimize(table, dialect, target)]
                : [renderVacuum(table, dialect, target)];
      context.io.stdout(`${statements.join(';\n\n')};\n`);
    });
}
