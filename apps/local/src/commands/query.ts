import { Option } from '@commander-js/extra-typings';
import { Lake } from '@ddb-athena-sync/local-lake/lake';
import { dataDirLayout } from '@ddb-athena-sync/local-stack/data-dir';

import { dataDirOption } from '../args.js';
import type { CliContext, Program } from '../cli.js';
import { checkDataDir, commandHint } from '../data-dir-check.js';
import { UsageError } from '../errors.js';
import { formatTable } from '../format-table.js';

/** The rows of each statement, in order. */
export interface StatementResult {
  readonly columns: readonly string[];
  readonly rows: Record<string, unknown>[];
}

/**
 * Runs every statement of `sql` in order against views over the lake's current snapshots. DuckDB
 * splits the text itself (`extractStatements`, the C API's duckdb_extract_statements:
 * https://duckdb.org/docs/stable/clients/c/query#extracting-statements), so a `;` inside a string
 * literal is no boundary. Empty text (or only comments) is a usage error, not "0 rows".
 */
export async function runStatements(lake: Lake, sql: string): Promise<StatementResult[]> {
  if (sql.trim() === '') throw new UsageError('query needs SQL: the argument is empty');
  // DuckDB's extractStatements fails with "Error in native callback" on text with no statement: told
  // apart first. Removing comments, ";" and blanks only decides emptiness (anything else left, even
  // inside a string literal, is a statement for DuckDB to judge).
  if (sql.replace(/--[^\n]*|\/\*[\s\S]*?\*\/|;|\s/g, '') === '')
    throw new UsageError('query needs SQL: the argument holds no statement (only comments or ";")');
  await lake.createViews();
  const extracted = await lake.duckdb.extractStatements(sql);
  if (extracted.count === 0) throw new UsageError('query needs SQL: no statement in the argument');
  const results: StatementResult[] = [];
  for (let i = 0; i < extracted.count; i++) {
    const prepared = await extracted.prepare(i);
    const reader = await prepared.runAndReadAll();
    results.push({ columns: reader.columnNames(), rows: reader.getRowObjectsJson() });
  }
  return results;
}

export function register(program: Program, context: CliContext): void {
  program
    .command('query')
    .summary('run SQL against the local lake (current snapshot)')
    .description(
      `Runs SQL (DuckDB dialect) against the current snapshot of the local lake's Iceberg tables, named as
declared (books, orders). Several statements separated by ";" all run, each result printed in order.
Works with or without a running stack; readers never block commits and never fail because of them.`,
    )
    .argument('<sql>', 'the SQL (quote it)')
    .addOption(
      new Option('--json', 'rows as JSON: one array for one statement, an array of arrays for several'),
    )
    .addOption(dataDirOption())
    .addHelpText(
      'after',
      `
examples:
  ddb-athena-sync query "SELECT count(*) FROM books"
  ddb-athena-sync query "SELECT currency, sum(total) FROM orders GROUP BY currency" --json`,
    )
    .action(async (sql, flags) => {
      const { io } = context;
      const dataDir = context.dataDir(flags.dataDir);
      const layout = dataDirLayout(dataDir);
      if (
        !(await checkDataDir(dataDir, { mustExist: false })) ||
        !(await checkDataDir(layout.lake, { mustExist: false }))
      )
        throw new UsageError(
          `no lake in ${dataDir}: run "${commandHint(context.cwd, dataDir, 'demo --duration 60')}" or "${commandHint(context.cwd, dataDir, 'up')}" first (or pass --data-dir)`,
        );
      const lake = await Lake.open({ root: layout.lake });
      try {
        let results: StatementResult[];
        try {
          results = await runStatements(lake, sql);
        } catch (error) {
          if (error instanceof UsageError) throw error;
          // DuckDB's message names the problem (parser error, unknown table, ...): no stack.
          io.stderr(
            `ddb-athena-sync: error: query failed: ${error instanceof Error ? error.message : String(error)}\n`,
          );
          context.exitCode = 1;
          return;
        }
        if (flags.json === true) {
          const json = results.length === 1 ? results[0]!.rows : results.map((r) => r.rows);
          io.stdout(`${JSON.stringify(json, null, 2)}\n`);
          return;
        }
        io.stdout(results.map((r) => formatTable(r.rows, [...r.columns])).join('\n'));
      } finally {
        lake.close();
      }
    });
}
