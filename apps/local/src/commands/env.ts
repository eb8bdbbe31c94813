import { Option } from '@commander-js/extra-typings';
import { dataDirLayout, runningStack } from '@ddb-athena-sync/local-stack/data-dir';

import { dataDirOption } from '../args.js';
import type { CliContext, Program } from '../cli.js';
import { checkDataDir, commandHint } from '../data-dir-check.js';
import { StackNotRunningError } from '../errors.js';

/**
 * The environment that points the AWS CLI and SDKs at the running stack. Service-specific endpoint
 * variables (AWS_ENDPOINT_URL_<SERVICE>: AWS CLI v2.13+, the SDKs of 2023 on) route only DynamoDB,
 * DynamoDB Streams and S3 to 127.0.0.1, so nothing else is redirected
 * (https://docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html). The credentials are
 * the fixed, non-secret ones the local clients use (s3rver takes S3RVER; DynamoDB Local anything).
 */
export function stackEnvironment(endpoints: { dynamodb: string; s3: string }): [string, string][] {
  return [
    ['AWS_ENDPOINT_URL_DYNAMODB', endpoints.dynamodb],
    ['AWS_ENDPOINT_URL_DYNAMODB_STREAMS', endpoints.dynamodb],
    ['AWS_ENDPOINT_URL_S3', endpoints.s3],
    ['AWS_REGION', 'us-east-1'],
    ['AWS_DEFAULT_REGION', 'us-east-1'],
    ['AWS_ACCESS_KEY_ID', 'S3RVER'],
    ['AWS_SECRET_ACCESS_KEY', 'S3RVER'],
  ];
}

export function register(program: Program, context: CliContext): void {
  program
    .command('env')
    .summary('print export lines that point the AWS CLI at the running stack')
    .description(
      `Prints AWS_ENDPOINT_URL_DYNAMODB=..., AWS_ENDPOINT_URL_S3=..., the region and the local stack's
dummy credentials as shell export lines for the stack running on the data directory (its ports change
on every start). Use: eval "$(pnpm -s ddb-athena-sync env)"; then e.g. aws dynamodb list-tables,
aws s3 ls s3://lake/quarantine/ --recursive. Exit code 1 when no stack runs there.`,
    )
    .addOption(dataDirOption())
    .addOption(new Option('--json', 'the variables as one JSON object'))
    .action(async (flags) => {
      const dataDir = context.dataDir(flags.dataDir);
      await checkDataDir(dataDir, { mustExist: true });
      const running = await runningStack(dataDirLayout(dataDir));
      if (running === undefined)
        throw new StackNotRunningError(dataDir, commandHint(context.cwd, dataDir, 'up'));
      const vars = stackEnvironment({ dynamodb: running.dynamodbEndpoint, s3: running.s3Endpoint });
      context.io.stdout(
        flags.json === true
          ? `${JSON.stringify(Object.fromEntries(vars), null, 2)}\n`
          : `${vars.map(([k, v]) => `export ${k}=${v}`).join('\n')}\n# bucket: ${running.bucket}; control table: ${running.controlTable}\n`,
      );
    });
}
