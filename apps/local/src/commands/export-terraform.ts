import { Option } from '@commander-js/extra-typings';

import type { CliContext, Program } from '../cli.js';
import { exportTerraform } from '../tables-file-tools.js';

export function register(program: Program, context: CliContext): void {
  program
    .command('export-terraform')
    .summary('write the Terraform export of the declarations file (ddb-athena-sync.terraform.json)')
    .description(
      `Writes what the Terraform modules read: each table with its Glue and Iceberg column types and the
declaration its functions receive (jsondecode(file("ddb-athena-sync.terraform.json")).tables.<name> is a
merge-table or firehose-table module's \`table\`). Default: next to the declarations file. Commit it
with the declarations file; \`validate\` fails when it is out of date.`,
    )
    .addOption(new Option('--out <file>', 'where to write (default: next to the declarations file)'))
    .action(async (flags) => {
      const file = await context.tablesFile();
      const written = await exportTerraform(
        file,
        flags.out === undefined ? undefined : context.path(flags.out),
      );
      context.io.stdout(`wrote ${written} (${file.tables.size} tables from ${file.path})\n`);
    });
}
