import { GlueClient } from '@aws-sdk/client-glue';
import { GlueTableColumns } from '@ddb-athena-sync/core/aws/glue-table-columns';
import { Lake } from '@ddb-athena-sync/local-lake/lake';
import { dataDirLayout } from '@ddb-athena-sync/local-stack/data-dir';
import { getTable } from '@ddb-athena-sync/schemas/config-file';
import { Option } from '@commander-js/extra-typings';

import { dataDirOption } from '../args.js';
import type { CliContext, Program } from '../cli.js';
import { checkDataDir } from '../data-dir-check.js';
import { UsageError } from '../errors.js';
import { EXIT_CODES } from '../exit-codes.js';
import { LOCAL_DATABASE } from '../functions.js';
import { diffAgainstGlue, diffAgainstLake, formatSchemaDiff } from '../schema-diff.js';

interface DiffFlags {
  table: string;
  dataDir?: string;
  aws?: true;
  database?: string;
  region?: string;
}

export function register(program: Program, context: CliContext): void {
  const schema = program
    .command('schema')
    .summary("compare a table's declaration with its table (schema evolution)");
  schema
    .command('diff')
    .summary('what the next merge adds to the table, or why it will refuse')
    .description(
      `Compares the table's declaration with the local lake's Iceberg schema (or, with --aws, with the
Iceberg and staging tables in Glue) and prints what the next merge changes: the columns it adds (with
their new Iceberg field ids locally) and the ALTER TABLE ... ADD COLUMNS it runs; or the refusal, for a
type change, a removal or a rename, with what to do. Changes nothing. Exit code 1 when refused.`,
    )
    .addOption(new Option('--table <name>', 'declared table').makeOptionMandatory())
    .addOption(dataDirOption())
    .addOption(new Option('--aws', 'compare with the Glue Data Catalog (default credential chain)'))
    .addOption(new Option('--database <name>', "with --aws: the Glue database (the lake module's output)"))
    .addOption(
      new Option('--region <region>', "with --aws: AWS Region (default: the SDK's, e.g. AWS_REGION)"),
    )
    .action(async (flags) => {
      context.exitCode = await diff(flags, context);
    });
}

async function diff(flags: DiffFlags, context: CliContext): Promise<number> {
  const table = getTable(flags.table, await context.tables());
  let result;
  if (flags.aws === true) {
    if (flags.database === undefined) throw new UsageError('--aws needs --database');
    const glue = new GlueClient(flags.region === undefined ? {} : { region: flags.region });
    try {
      result = await diffAgainstGlue(new GlueTableColumns(glue), table, flags.database);
    } finally {
      glue.destroy();
    }
  } else {
    const dataDir = context.dataDir(flags.dataDir);
    await checkDataDir(dataDir, { mustExist: true });
    const lake = await Lake.open({ root: dataDirLayout(dataDir).lake });
    try {
      result = await diffAgainstLake(lake, table, LOCAL_DATABASE);
    } finally {
      lake.close();
    }
  }
  context.io.stdout(`${formatSchemaDiff(result)}\n`);
  return result.problems.length > 0 ? EXIT_CODES.failure : EXIT_CODES.ok;
}
