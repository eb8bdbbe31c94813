import { DEFAULT_DATA_DIR } from '@ddb-athena-sync/local-stack/data-dir';
import { startStack } from '@ddb-athena-sync/local-stack/stack';
import type { StackEvent, StackOptions } from '@ddb-athena-sync/local-stack/stack';
import type { TableDeclaration } from '@ddb-athena-sync/schemas/declaration';
import { buildFunctions } from '../functions.js';
import { parseArgs, secondsFlag } from '../args.js';
import { UsageError } from '../errors.js';
import type { CommandIo } from '../io.js';
import { untilSignal } from '../signals.js';
import { resolveTablesFile } from '../tables-config.js';

/** The declarations of `--config`, else of the file found from the working directory up. */
export async function tablesFromFlags(
  flags: Record<string, string | number | boolean | undefined>,
): Promise<TableDeclaration[]> {
  const config = typeof flags.config === 'string' ? flags.config : undefined;
  return [...(await resolveTablesFile({ config, cwd: process.cwd() })).tables.values()];
}

export const UP_FLAGS = {
  'data-dir': { type: 'string' },
  config: { type: 'string' },
  engine: { type: 'string' },
  'merge-interval': { type: 'number' },
  'maintenance-interval': { type: 'number' },
  'batch-size': { type: 'number' },
  'batch-window': { type: 'number' },
  'firehose-interval': { type: 'number' },
  'log-level': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export const UP_USAGE = `usage: ddb-athena-sync up [options]

Starts DynamoDB Local, s3rver, the declared tables with streams, the local lake, and with the real
handler code: the stream poller (event source mapping) -> stream-writer, the merger every
--merge-interval, the TTL sweeper, and the Firehose stand-in for firehose-mode tables. Ctrl-C stops.

  --data-dir <dir>          state directory (default ${DEFAULT_DATA_DIR}/)
  --config <file>           declarations file (default: ddb-athena-sync.tables.json found from the working directory up)
  --engine <lake|trino>     who merges: the embedded DuckDB lake (default), or Trino behind a local
                            Athena API stand-in (AthenaEngine and the Athena SQL; fetches Trino
                            from Maven Central on first use, needs Java 25)
  --merge-interval <s>      merger schedule (default 5; rate(1 minute) in AWS)
  --maintenance-interval <s>  compaction + snapshot expiry (default 60 merge intervals; hourly in AWS)
  --batch-size <n>          event source mapping BatchSize (default 100)
  --batch-window <s>        MaximumBatchingWindowInSeconds (default 0.25)
  --firehose-interval <s>   Firehose buffering interval (default 1; 300 in AWS)
  --log-level <level>       handler log level (default SILENT; INFO shows every batch)
`;

/** Stack options from the flags `up` and `demo` share. */
export function stackOptionsFromFlags(
  flags: Record<string, string | number | boolean | undefined>,
): StackOptions {
  const batchSize = flags['batch-size'];
  const engine = flags.engine ?? 'lake';
  if (engine !== 'lake' && engine !== 'trino') throw new UsageError('--engine must be lake or trino');
  const maintenance = flags['maintenance-interval'];
  return {
    ...(maintenance === undefined
      ? {}
      : { maintenanceIntervalMs: secondsFlag(maintenance, 300_000, 'maintenance-interval', 1000) }),
    dataDir: typeof flags['data-dir'] === 'string' ? flags['data-dir'] : DEFAULT_DATA_DIR,
    engine,
    functions: buildFunctions,
    mergeIntervalMs: secondsFlag(flags['merge-interval'], 5000, 'merge-interval', 500),
    batchWindowMs: secondsFlag(flags['batch-window'], 250, 'batch-window'),
    firehoseBufferingIntervalMs: secondsFlag(flags['firehose-interval'], 1000, 'firehose-interval'),
    ...(typeof batchSize === 'number' ? { batchSize } : {}),
    ...(typeof flags['log-level'] === 'string' ? { logLevel: flags['log-level'].toUpperCase() } : {}),
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

export async function run(args: string[], io: CommandIo): Promise<number> {
  const { flags } = parseArgs(args, UP_FLAGS);
  if (flags.help === true) {
    io.stdout(UP_USAGE);
    return 0;
  }
  const options = { ...stackOptionsFromFlags(flags), tables: await tablesFromFlags(flags) };
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
        `merger every ${stack.mergeIntervalMs / 1000} s; query with: pnpm ddb-athena-sync query "SELECT count(*) FROM books"`,
        'Ctrl-C stops everything.',
        '',
      ].join('\n'),
    );
    // A Ctrl-C, or DynamoDB Local dying under the stack (nothing can go on without it).
    const got = await Promise.race([signal.promise, stack.failure]);
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
