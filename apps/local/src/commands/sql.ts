import { parseArgs } from 'node:util';

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
import { getTable } from '@ddb-athena-sync/schemas/config-file';
import { declaredTables } from '../tables-config.js';

const USAGE = `usage: ddb-athena-sync sql --table <name> --dialect athena|duckdb --statement ${SQL_STATEMENTS.join('|')}
       [--database library] [--bucket lake] [--table-location s3://lake/tables/<table>/]
Prints the exact SQL the merger runs for the table and a sample batch, for review.`;

/** `ddb-athena-sync sql`: prints the SQL of one statement; returns the exit code. */
export function run(
  args: string[],
  io: { stdout: (s: string) => void; stderr: (s: string) => void },
): Promise<number> {
  return runAsync(args, io);
}

async function runAsync(
  args: string[],
  io: { stdout: (s: string) => void; stderr: (s: string) => void },
): Promise<number> {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        table: { type: 'string' },
        dialect: { type: 'string' },
        statement: { type: 'string' },
        database: { type: 'string', default: 'library' },
        bucket: { type: 'string', default: 'lake' },
        'table-location': { type: 'string' },
        config: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (error) {
    io.stderr(`${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (values.help === true) {
    io.stdout(`${USAGE}\n`);
    return 0;
  }
  const dialectName = values.dialect;
  const statement = values.statement as SqlStatementKind | undefined;
  if (
    typeof values.table !== 'string' ||
    (dialectName !== 'athena' && dialectName !== 'duckdb') ||
    statement === undefined ||
    !SQL_STATEMENTS.includes(statement)
  ) {
    io.stderr(`${USAGE}\n`);
    return 2;
  }
  try {
    const table = getTable(
      values.table,
      await declaredTables(typeof values.config === 'string' ? values.config : undefined),
    );
    const dialect = dialectFor(dialectName);
    const bucket = String(values.bucket);
    const database = String(values.database);
    const target = {
      database,
      tableLocation:
        typeof values['table-location'] === 'string'
          ? values['table-location']
          : `s3://${bucket}/tables/${table.name}/`,
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
    io.stdout(`${statements.join(';\n\n')};\n`);
    return 0;
  } catch (error) {
    io.stderr(`${(error as Error).message}\n`);
    return 1;
  }
}
