import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { abortBackfill, backfillTable } from '@ddb-athena-sync/core/backfill/backfill-table';
import type { AbortBackfillOptions, BackfillProgress } from '@ddb-athena-sync/core/backfill/backfill-table';
import { getTable } from '@ddb-athena-sync/schemas/config-file';
import { Option } from '@commander-js/extra-typings';
import { localDynamoDbClient, localS3Client } from '@ddb-athena-sync/local-services/local-clients';
import { dataDirLayout, runningStack } from '@ddb-athena-sync/local-stack/data-dir';
import { CONTROL_TABLE, startStack } from '@ddb-athena-sync/local-stack/stack';
import { stagingStatus } from '@ddb-athena-sync/local-stack/staging-status';

import { buildFunctions } from '../functions.js';
import { dataDirOption, positiveInteger } from '../args.js';
import type { CliContext, Program } from '../cli.js';
import { checkDataDir, commandHint } from '../data-dir-check.js';
import { UsageError } from '../errors.js';
import { EXIT_CODES } from '../exit-codes.js';
import { startProgress } from '../progress-bar.js';

/** Exit code of a backfill that finished: 3 when some items went to quarantine/ instead of staging. */
function finished(quarantined: number): number {
  return quarantined > 0 ? EXIT_CODES.quarantined : EXIT_CODES.ok;
}

export function register(program: Program, context: CliContext): void {
  program
    .command('backfill')
    .summary('copy a table that already has items into the lake (parallel Scan -> staging)')
    .description(
      `Copies the items a table already holds into the lake: with the table's stream running (it is enabled
first if needed), a parallel Scan writes staging rows with _seq = 0 and _source = backfill; the merger
merges them before any stream change, so changes made during the backfill win. Uses the running stack
of the data directory, or starts one for the duration of the backfill and waits for the merge.

Ctrl-C stops a running backfill cleanly: the Scan stops, its staged objects are deleted and its
guard is cleared. A backfill killed harder leaves its guard, which expires 5 minutes after its last
heartbeat (the merger then reports it); \`status\` shows a held guard and since when.

With --aws, the same backfill runs against AWS with the default credential chain: the table's stream
must already be on (terraform apply enables it), the rows go to s3://<bucket>/staging/<table>/backfill/,
and the merger's control table holds the backfill guard while the Scan runs. The deployed merger
merges them on its schedule.

Exit code 3: the backfill finished but some items were quarantined (see "quarantine list").`,
    )
    .addOption(new Option('--table <name>', 'declared table (merge mode)').makeOptionMandatory())
    .addOption(
      new Option('--segments <n>', 'parallel Scan segments (a positive whole number)')
        .argParser(positiveInteger)
        .default(4),
    )
    .addOption(dataDirOption())
    .addOption(
      new Option(
        '--abort',
        "end the table's backfill run instead (one that crashed or must stop): delete what it staged and clear its guard, so stream changes merge again",
      ),
    )
    .addOption(new Option('--aws', 'run against AWS (default credential chain) instead of the local stack'))
    .addOption(new Option('--bucket <name>', "with --aws: the lake bucket (the lake module's bucket output)"))
    .addOption(
      new Option(
        '--control-table <name>',
        "with --aws: the merger's control table (the merge-table module's output)",
      ),
    )
    .addOption(
      new Option('--region <region>', "with --aws: AWS Region (default: the SDK's, e.g. AWS_REGION)"),
    )
    .action(async (flags) => {
      context.exitCode = await backfill(flags, context);
    });
}

interface BackfillFlags {
  table: string;
  segments: number;
  dataDir?: string;
  abort?: true;
  aws?: true;
  bucket?: string;
  controlTable?: string;
  region?: string;
}

async function backfill(flags: BackfillFlags, context: CliContext): Promise<number> {
  const { io } = context;
  const table = getTable(flags.table, await context.tables());
  if (table.mode !== 'merge')
    throw new UsageError(
      `table ${table.name} is in ${table.mode} mode: backfill stages rows for the merger (merge mode only)`,
    );
  const segments = flags.segments;
  const tty = process.stdout.isTTY === true;
  // Ctrl-C: stop the segments, delete what they staged, clear the guard (backfillTable does all
  // three once every segment has stopped), then exit with the usual 130.
  const interrupt = new AbortController();
  // A bar cli-progress redraws in place on a terminal, a plain line every 2 s elsewhere.
  const progress = startProgress({
    label: `scanning ${table.name}`,
    stream: { isTTY: tty, columns: process.stdout.columns, write: (s: string) => io.stdout(s) },
  });
  const onSigint = (): void => {
    progress.stop();
    io.stdout('\ninterrupted: stopping the Scan and removing what it staged...\n');
    interrupt.abort(new Error('SIGINT'));
  };
  const guarded = async <T>(work: () => Promise<T>): Promise<T> => {
    process.once('SIGINT', onSigint);
    try {
      return await work();
    } finally {
      progress.stop();
      process.removeListener('SIGINT', onSigint);
    }
  };
  const abortRun = async (o: AbortBackfillOptions): Promise<number> => {
    const ended = await abortBackfill(o);
    io.stdout(
      ended === undefined
        ? `no backfill guard is set on ${table.name}.\n`
        : `aborted backfill run ${ended.runId} of ${table.name} (started ${ended.startedAt.toISOString()}): deleted ${ended.deleted} staged objects, guard cleared.\n`,
    );
    return 0;
  };
  const onProgress = (p: BackfillProgress): void =>
    progress.update(p.scanned, p.estimated, `${p.objects} objects`);

  if (flags.aws === true) {
    const { bucket, controlTable } = flags;
    if (bucket === undefined || controlTable === undefined)
      throw new UsageError('--aws needs --bucket and --control-table');
    const region = flags.region === undefined ? {} : { region: flags.region };
    const clients = { dynamodb: new DynamoDBClient(region), s3: new S3Client(region) };
    if (flags.abort === true) return abortRun({ ...clients, bucket, table, controlTable });
    const result = await guarded(() =>
      backfillTable({
        ...clients,
        bucket,
        table,
        controlTable,
        segments,
        onProgress,
        signal: interrupt.signal,
      }),
    );
    io.stdout(
      `staged ${result.scanned} items in ${result.objects} objects (run ${result.runId}, ${result.quarantined} quarantined${result.quarantined > 0 ? `: ddb-athena-sync quarantine list --aws --bucket ${bucket}` : ''}); the deployed merger merges them on its schedule.\n`,
    );
    return finished(result.quarantined);
  }
  if (flags.bucket !== undefined || flags.controlTable !== undefined || flags.region !== undefined)
    throw new UsageError('--bucket, --control-table and --region go with --aws');
  const dataDir = context.dataDir(flags.dataDir);
  await checkDataDir(dataDir, { mustExist: false });

  const running = await runningStack(dataDirLayout(dataDir));
  if (running !== undefined) {
    const ddb = localDynamoDbClient(running.dynamodbEndpoint);
    const s3 = localS3Client(running.s3Endpoint);
    if (flags.abort === true)
      return abortRun({ dynamodb: ddb, s3, bucket: running.bucket, table, controlTable: CONTROL_TABLE });
    const result = await guarded(() =>
      backfillTable({
        dynamodb: ddb,
        s3,
        bucket: running.bucket,
        table,
        controlTable: CONTROL_TABLE,
        segments,
        onProgress,
        signal: interrupt.signal,
      }),
    );
    io.stdout(
      `staged ${result.scanned} items in ${result.objects} objects (run ${result.runId}, ${result.quarantined} quarantined${result.quarantined > 0 ? `: ${commandHint(context.cwd, dataDir, 'quarantine list')}` : ''}); the running stack's merger picks them up.\n`,
    );
    return finished(result.quarantined);
  }

  io.stdout(`no stack running on ${dataDir}/: starting one (stream first, then the Scan)...\n`);
  const stack = await startStack({
    dataDir,
    functions: buildFunctions,
    tables: [...(await context.tables()).values()],
  });
  try {
    if (flags.abort === true)
      return await abortRun({
        dynamodb: stack.ddb,
        s3: stack.s3,
        bucket: stack.bucket,
        table,
        controlTable: CONTROL_TABLE,
      });
    const result = await guarded(() =>
      backfillTable({
        dynamodb: stack.ddb,
        s3: stack.s3,
        bucket: stack.bucket,
        table,
        controlTable: CONTROL_TABLE,
        segments,
        onProgress,
        signal: interrupt.signal,
      }),
    );
    io.stdout(
      `staged ${result.scanned} items in ${result.objects} objects (run ${result.runId}, ${result.quarantined} quarantined${result.quarantined > 0 ? `: ${commandHint(context.cwd, dataDir, 'quarantine list')}` : ''}); merging...\n`,
    );
    for (;;) {
      await stack.mergeNow(table.name);
      const s = await stagingStatus(stack.s3, stack.bucket, table.name);
      if (s.backfillObjects === 0) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    const [count] = await stack.lake.query(`SELECT count(*) AS n FROM "${table.name}"`);
    io.stdout(`merged: ${table.name} has ${String(count?.n)} rows in the lake.\n`);
    return finished(result.quarantined);
  } finally {
    await stack.stop();
  }
}
