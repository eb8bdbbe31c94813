import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { Option } from '@commander-js/extra-typings';
import { DEFAULT_TABLES_FILE_NAME } from '@ddb-athena-sync/schemas/config-file';

import { positiveInteger } from '../args.js';
import type { CliContext, Program } from '../cli.js';
import { initDeclaration } from '../init-declaration.js';
import { addToTablesFile } from '../tables-file-tools.js';

export function register(program: Program, context: CliContext): void {
  program
    .command('init')
    .summary('write a starter declaration for an existing DynamoDB table')
    .description(
      `Describes the DynamoDB table (DescribeTable: key schema and key types; DescribeTimeToLive: the TTL
attribute), scans one page of items (--sample) for the other attributes and their types, and adds a
starter declaration to the declarations file (default ${DEFAULT_TABLES_FILE_NAME} in the working
directory, created if needed). Every type read from the sample is a guess, marked "guess:" in the
column's description; unsampled attributes land in _extra until declared. Uses the default AWS
credential chain, or --endpoint (e.g. DynamoDB Local; see "ddb-athena-sync env").`,
    )
    .addOption(new Option('--table <name>', 'the DynamoDB table to describe').makeOptionMandatory())
    .addOption(
      new Option('--name <name>', 'the Iceberg table name (default: the DynamoDB name as an identifier)'),
    )
    .addOption(
      new Option('--mode <mode>', 'merge or firehose')
        .choices(['merge', 'firehose'] as const)
        .default('merge' as const),
    )
    .addOption(new Option('--sample <n>', 'items to sample').argParser(positiveInteger).default(100))
    .addOption(
      new Option('--out <file>', `declarations file to add to (default: ${DEFAULT_TABLES_FILE_NAME})`),
    )
    .addOption(new Option('--endpoint <url>', 'DynamoDB endpoint (DynamoDB Local)'))
    .addOption(new Option('--region <region>', "AWS Region (default: the SDK's)"))
    .addOption(new Option('--force', 'replace a table of the same name'))
    .action(async (flags) => {
      const dynamodb = new DynamoDBClient({
        ...(flags.region === undefined ? {} : { region: flags.region }),
        ...(flags.endpoint === undefined ? {} : { endpoint: flags.endpoint }),
      });
      try {
        const result = await initDeclaration({
          dynamodb,
          tableName: flags.table,
          ...(flags.name === undefined ? {} : { name: flags.name }),
          mode: flags.mode,
          sampleSize: flags.sample,
        });
        const out = context.path(flags.out ?? program.opts().config ?? DEFAULT_TABLES_FILE_NAME);
        const { created } = await addToTablesFile(out, result.declaration, { replace: flags.force === true });
        context.io.stdout(
          `${created ? 'wrote' : 'added to'} ${out}: table ${result.declaration.name} from ${flags.table} (${result.sampled} items sampled; guessed: ${result.guessed.join(', ') || 'none'})\nnext: check the guesses, then ddb-athena-sync validate\n`,
        );
      } finally {
        dynamodb.destroy();
      }
    });
}
