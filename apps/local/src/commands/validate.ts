import { findTablesFile } from '@ddb-athena-sync/schemas/config-file';

import type { CliContext, Program } from '../cli.js';
import { TablesFileNotFoundError } from '../tables-config.js';
import { validateTablesFile } from '../tables-file-tools.js';

export function register(program: Program, context: CliContext): void {
  program
    .command('validate')
    .summary('check a declarations file: every problem, with file and path')
    .description(
      `Checks the declarations file (the argument, else the global --config, else ddb-athena-sync.tables.json
found from the working directory up): every problem of every table at once, each with the file and its
path (tables[2].columns[1].type), duplicate table names refused. When a Terraform export
(ddb-athena-sync.terraform.json) sits next to the file, also checks that it is up to date.
Exit code 0: valid; 1: problems.`,
    )
    .argument('[file]', 'declarations file (JSON or YAML)')
    .action(async (file) => {
      const config = file ?? program.opts().config;
      const path = config === undefined ? findTablesFile(context.cwd) : context.path(config);
      if (path === undefined) throw new TablesFileNotFoundError(context.cwd);
      const report = await validateTablesFile(path);
      const text = `${report.lines.join('\n')}\n`;
      if (report.exitCode === 0) context.io.stdout(text);
      else context.io.stderr(text);
      context.exitCode = report.exitCode;
    });
}
