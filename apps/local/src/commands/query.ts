import { access } from 'node:fs/promises';

import { Lake } from '@ddb-athena-sync/local-lake/lake';
import { DEFAULT_DATA_DIR, dataDirLayout } from '@ddb-athena-sync/local-stack/data-dir';

import { parseArgs } from '../args.js';
import { UsageError } from '../errors.js';
import { formatTable } from '../format-table.js';
import type { CommandIo } from '../io.js';

const USAGE = `usage: ddb-athena-sync query "<sql>" [--json] [--data-dir <dir>]

Runs plain SQL (DuckDB dialect) against the current snapshot of the local lake's Iceberg tables,
named as declared (books, orders). Works with or without a running stack; readers never block
commits and never fail because of them.

  --json             one JSON array of rows instead of a table
  --data-dir <dir>   state directory (default ${DEFAULT_DATA_DIR}/)

examples:
  ddb-athena-sync query "SELECT count(*) FROM books"
  ddb-athena-sync query "SELECT currency, sum(total) FROM orders GROUP BY currency" --json
`;

export async function run(args: string[], io: CommandIo): Promise<number> {
  const { flags, positionals } = parseArgs(args, {
    json: { type: 'boolean' },
    'data-dir': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (flags.help === true) {
    io.stdout(USAGE);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError(`query takes one SQL string (quote it)\n${USAGE}`);
  const layout = dataDirLayout(typeof flags['data-dir'] === 'string' ? flags['data-dir'] : DEFAULT_DATA_DIR);
  try {
    await access(layout.lake);
  } catch {
    throw new UsageError(
      `no lake in ${layout.root}: run "pnpm ddb-athena-sync demo --duration 60" or "up" first (or pass --data-dir)`,
    );
  }
  const lake = await Lake.open({ root: layout.lake });
  try {
    let rows: Record<string, unknown>[];
    try {
      rows = await lake.query(positionals[0]!);
    } catch (error) {
      io.stderr(`query failed: ${error instanceof Error ? error.message : String(error)}\n`);
      return 1;
    }
    io.stdout(flags.json === true ? `${JSON.stringify(rows, null, 2)}\n` : formatTable(rows));
    return 0;
  } finally {
    lake.close();
  }
}
