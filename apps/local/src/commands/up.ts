import { Option } from '@commander-js/extra-typings';
import type { Command, OptionValues } from '@commander-js/extra-typings';
import type { S3Client } from '@aws-sdk/client-s3';
import type { LogLevelName } from '@ddb-athena-sync/core/config/env';
import { startStack } from '@ddb-athena-sync/local-stack/stack';
import type { StackEvent, StackOptions } from '@ddb-athena-sync/local-stack/stack';
import type { TableDeclaration } from '@ddb-athena-sync/schemas/declaration';

import { dataDirOption, integerIn, logLevelOption, seconds } from '../args.js';
import type { CliContext, Program } from '../cli.js';
import { checkDataDir, commandHint } from '../data-dir-check.js';
import { buildFunctions } from '../functions.js';
import { untilSignal } from '../signals.js';
import { quarantineCount } from './status.js';

/** DynamoDB Streams' GetRecords returns at most 10,000 records, the ESM's BatchSize limit for streams:
 * https://docs.aws.amazon.com/lambda/latest/dg/services-ddb-params.html */
export const MAX_BATCH_SIZE = 10_000;

/** The options `up` and `demo` share, as commander parses them. */
export interface StackFlags {
  dataDir?: string;
  engine: 'lake' | 'trino';
  mergeInterval: number;
  maintenanceInterval?: number;
  batchSize?: number;
  batchWindow: number;
  firehoseInterval: number;
  logLevel?: LogLevelName;
}

/** Adds the stack options to `up` or `demo`. */
export function addStackOptions<A extends unknown[], O extends OptionValues, G extends OptionValues>(
  command: Command<A, O, G>,
) {
  return command
    .addOption(dataDirOption())
    .addOption(
      new Option(
        '--engine <engine>',
        'who merges: the embedded DuckDB lake, or Trino behind a local Athena API stand-in (AthenaEngine and the Athena SQL; fetches Trino from Maven Central on first use, needs Java 25)',
      )
        .choices(['lake', 'trino'] as const)
        .default('lake' as const),
    )
    .addOption(
      new Option('--merge-interval <s>', 'merger schedule in seconds (rate(1 minute) in AWS)')
        .argParser(seconds(0.5))
        .default(5000, '5'),
    )
    .addOption(
      new Option(
        '--maintenance-interval <s>',
        'compaction + snapshot expiry, seconds (default 60 merge intervals; hourly in AWS)',
      ).argParser(seconds(1)),
    )
    .addOption(
      new Option(
        '--batch-size <n>',
        `event source mapping BatchSize, 1..${MAX_BATCH_SIZE} (default 100)`,
      ).argParser(integerIn(1, MAX_BATCH_SIZE)),
    )
    .addOption(
      new Option('--batch-window <s>', 'MaximumBatchingWindowInSeconds')
        .argParser(seconds(0))
        .default(250, '0.25'),
    )
    .addOption(
      new Option('--firehose-interval <s>', 'Firehose buffering interval in seconds (300 in AWS)')
        .argParser(seconds(0))
        .default(1000, '1'),
    )
    .addOption(logLevelOption());
}

/** Stack options from the flags `up` and `demo` share. */
export function stackOptionsFromFlags(
  flags: StackFlags,
  context: CliContext,
  tables?: readonly TableDeclaration[],
): StackOptions {
  return {
    ...(flags.maintenanceInterval === undefined ? {} : { maintenanceIntervalMs: flags.maintenanceInterval }),
    dataDir: context.dataDir(flags.dataDir),
    engine: flags.engine,
    functions: buildFunctions,
    mergeIntervalMs: flags.mergeInterval,
    batchWindowMs: flags.batchWindow,
    firehoseBufferingIntervalMs: flags.firehoseInterval,
    ...(flags.batchSize === undefined ? {} : { batchSize: flags.batchSize }),
    ...(flags.logLevel === undefined ? {} : { logLevel: flags.logLevel }),
    ...(tables === undefined ? {} : { tables }),
  };
}

/**
 * Watches quarantine/<table>/ while `up` runs and reports records that land there (the stream-writer
 * and the Firehose transform quarantine without failing anything, so nothing else would say so).
 * Calls `onNew(table, added, total)` when a table's count grows; returns a stop function.
 */
export function watchQuarantine(
  s3: S3Client,
  bucket: string,
  tables: readonly string[],
  onNew: (table: string, added: number, total: number) => void,
  intervalMs = 5000,
): () => Promise<void> {
  const seen = new Map<string, number>();
  let running: Promise<void> = Promise.resolve();
  const check = async (): Promise<void> => {
    for (const table of tables) {
      const total = await quarantineCount(s3, bucket, table);
      const before = seen.get(table);
      seen.set(table, total);
      if (before !== undefined && total > before) onNew(table, total - before, total);
    }
  };
  running = check().catch(() => undefined);
  const timer = setInterval(() => {
    running = running.then(check).catch(() => undefined);
  }, intervalMs);
  return async () => {
    clearInterval(timer);
    await running;
  };
}

/** One line per event worth a line (merges that did something, failures), for `up`'s log. */
export function describeEvent(event: StackEvent): string | undefined {
  const time = new Date().toISOString().slice(11, 23);
  switch (event.type) {
    case 'merge': {
      const r = event.run;
      // An empty scheduled run (nothing staged) is the normal case: not worth a line.
      if (r.error === undefined && (r.result as { batches?: number } | undefined)?.batches === 0)
        return undefined;
      if (r.error !== undefined)
        return `${time} merger ${r.table} ${r.action} failed: ${r.error instanceof Error ? r.error.message : JSON.stringify(r.error)}`;
      return `${time} merger ${r.table} ${r.action} ${r.durationMs} ms ${JSON.stringify(r.result, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) ?? ''}`;
    }
    case 'poller':
      if (event.event.type === 'batch')
        return `${time} ${event.table}: batch of ${event.event.records} records from ${event.event.shardId}`;
      if (event.event.type === 'on-failure')
        return `${time} ${event.table}: batch sent to on-failure after ${event.event.batch.attempts} attempts: ${event.event.batch.reason}`;
      if (event.event.type === 'retry')
        return `${time} ${event.table}: retry ${event.event.attempt} of ${event.event.records} records: ${event.event.reason}`;
      if (event.event.type === 'read-error')
        return `${time} ${event.table}: stream read error: ${event.event.reason}`;
      return undefined;
    case 'ttl-delete':
      return `${time} ${event.table}: TTL expired ${JSON.stringify(event.key)}`;
    case 'firehose':
      return `${time} ${event.table}: Firehose delivered ${event.delivered} records`;
    case 'notice':
      return `${time} ${event.message}`;
    case 'error':
      return `${time} ${event.source}: ${event.error instanceof Error ? event.error.message : String(event.error)}`;
  }
}

export function register(program: Program, context: CliContext): void {
  addStackOptions(
    program
      .command('up')
      .summary(
        'start the local stack (DynamoDB Local, s3rver, pollers, merger schedule, Firehose stand-in) until Ctrl-C',
      )
      .description(
        `Starts DynamoDB Local, s3rver, the declared tables with streams, the local lake, and with the real
handler code: the stream poller (event source mapping) -> stream-writer, the merger every
--merge-interval, the TTL sweeper, and the Firehose stand-in for firehose-mode tables. Ctrl-C stops.`,
      ),
  ).action(async (flags) => {
    const tables = await context.tables();
    context.exitCode = await up(stackOptionsFromFlags(flags, context, [...tables.values()]), context);
  });
}

async function up(options: StackOptions, context: CliContext): Promise<number> {
  const { io } = context;
  await checkDataDir(options.dataDir, { mustExist: false });
  io.stdout(`starting the local stack in ${options.dataDir}/ (DynamoDB Local needs a few seconds)...\n`);
  const signal = untilSignal();
  try {
    const stack = await startStack({
      ...options,
      onEvent: (event) => {
        const line = describeEvent(event);
        if (line !== undefined) io.stdout(`${line}\n`);
      },
    });
    io.stdout(
      [
        `DynamoDB Local  ${stack.dynamodbEndpoint}  (tables: ${[...stack.tables.keys()].join(', ')}, control: ${stack.controlTable})`,
        `S3 (s3rver)     ${stack.s3Endpoint}  bucket ${stack.bucket} (staging/, quarantine/, on-failure/, firehose-errors/)`,
        `lake            ${stack.layout.lake}`,
        ...(stack.athenaEndpoint === undefined
          ? []
          : [`engine          trino behind the Athena stand-in ${stack.athenaEndpoint} (merge tables)`]),
        `merger every ${stack.mergeIntervalMs / 1000} s; query with: ${commandHint(context.cwd, options.dataDir, `query "SELECT count(*) FROM ${[...stack.tables.keys()][0] ?? 'books'}"`)}`,
        `AWS CLI against it: eval "$(${commandHint(context.cwd, options.dataDir, 'env').replace('pnpm ', 'pnpm -s ')})"; quarantined records: ${commandHint(context.cwd, options.dataDir, 'quarantine list')}`,
        'Ctrl-C stops everything.',
        '',
      ].join('\n'),
    );
    const stopWatching = watchQuarantine(
      stack.s3,
      stack.bucket,
      [...stack.tables.keys()],
      (table, added, total) =>
        io.stdout(
          `${new Date().toISOString().slice(11, 23)} ${table}: ${added} record(s) quarantined (${total} in quarantine): ${commandHint(context.cwd, options.dataDir, `quarantine list --table ${table}`)}\n`,
        ),
    );
    // A Ctrl-C, or DynamoDB Local dying under the stack (nothing can go on without it).
    const got = await Promise.race([signal.promise, stack.failure]);
    await stopWatching();
    if (typeof got !== 'string') {
      io.stderr(`ddb-athena-sync: ${got.message}\n`);
      await stack.stop();
      io.stdout('stopped.\n');
      return 1;
    }
    io.stdout(`${got}: stopping (in-flight batches finish, Firehose buffers flush)...\n`);
    await stack.stop();
    io.stdout('stopped.\n');
    return 0;
  } finally {
    // Removed on every path: a handler left behind swallowed Ctrl-C after a failed start.
    signal.dispose();
  }
}
