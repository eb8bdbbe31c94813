import { S3Client } from '@aws-sdk/client-s3';
import { Option } from '@commander-js/extra-typings';
import type { Command } from '@commander-js/extra-typings';
import { localS3Client } from '@ddb-athena-sync/local-services/local-clients';
import { startS3Local } from '@ddb-athena-sync/local-services/s3-local';
import { dataDirLayout, runningStack } from '@ddb-athena-sync/local-stack/data-dir';
import { LOCAL_BUCKET } from '@ddb-athena-sync/local-stack/stack';
import { getTable } from '@ddb-athena-sync/schemas/config-file';

import { dataDirOption } from '../args.js';
import type { CliContext, GlobalOptions, Program } from '../cli.js';
import { checkDataDir, commandHint } from '../data-dir-check.js';
import { UsageError } from '../errors.js';
import { formatTable } from '../format-table.js';
import { findQuarantined, listQuarantine, replayQuarantined } from '../quarantine/quarantine-store.js';
import type { QuarantineEntry, QuarantineLocation } from '../quarantine/quarantine-store.js';

interface WhereFlags {
  dataDir?: string;
  aws?: true;
  bucket?: string;
  region?: string;
}

/** The options every sub-command shares: the local bucket of a data directory, or --aws. */
function addWhere<A extends unknown[], O extends Record<string, unknown>>(
  command: Command<A, O, GlobalOptions>,
) {
  return command
    .addOption(dataDirOption())
    .addOption(
      new Option('--aws', 'the lake bucket in AWS (default credential chain) instead of the local one'),
    )
    .addOption(new Option('--bucket <name>', "with --aws: the lake bucket (the lake module's bucket output)"))
    .addOption(
      new Option('--region <region>', "with --aws: AWS Region (default: the SDK's, e.g. AWS_REGION)"),
    );
}

/**
 * Opens the bucket: `--aws` the named one; else the running stack's s3rver, or (none running) a
 * private s3rver over the data directory's store, always through the S3 API.
 */
async function openLocation(
  flags: WhereFlags,
  context: CliContext,
): Promise<{ location: QuarantineLocation; close: () => Promise<void>; dataDir?: string }> {
  if (flags.aws === true) {
    if (flags.bucket === undefined) throw new UsageError('--aws needs --bucket');
    if (flags.dataDir !== undefined) throw new UsageError('--data-dir is for the local stack, not --aws');
    const s3 = new S3Client(flags.region === undefined ? {} : { region: flags.region });
    return { location: { s3, bucket: flags.bucket }, close: () => Promise.resolve(s3.destroy()) };
  }
  if (flags.bucket !== undefined || flags.region !== undefined)
    throw new UsageError('--bucket and --region go with --aws');
  const dataDir = context.dataDir(flags.dataDir);
  await checkDataDir(dataDir, { mustExist: true });
  const layout = dataDirLayout(dataDir);
  const running = await runningStack(layout);
  const temporary =
    running === undefined ? await startS3Local({ directory: layout.s3, buckets: [LOCAL_BUCKET] }) : undefined;
  const s3 = localS3Client(running?.s3Endpoint ?? temporary!.endpoint);
  return {
    dataDir,
    location: { s3, bucket: running?.bucket ?? LOCAL_BUCKET },
    close: async () => {
      s3.destroy();
      await temporary?.stop();
    },
  };
}

function keyText(entry: QuarantineEntry): string | null {
  if (entry.key === undefined)
    return entry.kind === 'unreadable-object' ? `(object ${entry.stagedKey ?? '?'})` : null;
  return Object.entries(entry.key)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
}

/** What `list --json` and `show --json` print: no item values unless asked. */
function entryJson(entry: QuarantineEntry, withValues: boolean): Record<string, unknown> {
  const { payload, ...rest } = entry;
  const error = { ...entry.error };
  // The merger's reason file keeps the engine's message, which may quote a staged value.
  if (entry.kind === 'unreadable-object' && !withValues) delete error.message;
  return {
    ...rest,
    error,
    key: entry.key ?? null,
    quarantinedAt: entry.quarantinedAt ?? null,
    ...(withValues ? { payload } : {}),
  };
}

export function register(program: Program, context: CliContext): void {
  const quarantine = program
    .command('quarantine')
    .summary('list, show and replay quarantined records (local bucket, or --aws)')
    .description(
      `Records the pipeline could not take, each kept with its reason under quarantine/<table>/ in the
lake bucket: stream records the stream-writer could not map, items a backfill could not map, records
the Firehose transform rejected, and staged objects the merger's engine could not read.`,
    );

  addWhere(
    quarantine
      .command('list')
      .description('one line per quarantined record: id, table, kind, key, reason, time')
      .addOption(new Option('--table <name>', 'only this table'))
      .addOption(new Option('--json', 'as JSON')),
  ).action(async (flags) => {
    const { location, close, dataDir } = await openLocation(flags, context);
    try {
      const entries = await listQuarantine(location, flags.table);
      if (flags.json === true) {
        context.io.stdout(
          `${JSON.stringify(
            entries.map((e) => entryJson(e, false)),
            null,
            2,
          )}\n`,
        );
        return;
      }
      if (entries.length === 0) {
        context.io.stdout(`nothing in quarantine (bucket ${location.bucket}).\n`);
        return;
      }
      context.io.stdout(
        formatTable(
          entries.map((e) => ({
            id: e.id,
            table: e.table,
            kind: e.kind,
            key: keyText(e),
            reason: e.shortReason,
            quarantined_at: e.quarantinedAt ?? null,
          })),
        ),
      );
      const show =
        dataDir === undefined
          ? 'ddb-athena-sync quarantine show <id> --aws --bucket ' + location.bucket
          : commandHint(context.cwd, dataDir, 'quarantine show <id>');
      context.io.stdout(`details: ${show}\n`);
    } finally {
      await close();
    }
  });

  addWhere(
    quarantine
      .command('show')
      .description('everything about one quarantined record (item values only with --with-values)')
      .argument('<id>', 'the id "quarantine list" prints (or the object key)')
      .addOption(new Option('--with-values', 'also print the record or item itself (it holds item values)'))
      .addOption(new Option('--json', 'as JSON')),
  ).action(async (id, flags) => {
    const { location, close } = await openLocation(flags, context);
    try {
      const entry = await findQuarantined(location, id);
      const json = entryJson(entry, flags.withValues === true);
      if (flags.json === true) {
        context.io.stdout(`${JSON.stringify(json, null, 2)}\n`);
        return;
      }
      const lines = [
        `id              ${entry.id}`,
        `table           ${entry.table}`,
        `kind            ${entry.kind}`,
        `key             ${keyText(entry) ?? '-'}`,
        `reason          ${entry.reason}`,
        `quarantined at  ${entry.quarantinedAt ?? '-'}`,
        `object          s3://${location.bucket}/${entry.objectKey}`,
        ...(entry.stagedKey === undefined ? [] : [`staged as       ${entry.stagedKey}`]),
        `error           ${JSON.stringify(json.error)}`,
        ...(flags.withValues === true
          ? [`record          ${JSON.stringify(entry.payload, null, 2)}`]
          : ['(the record itself: --with-values)']),
      ];
      context.io.stdout(`${lines.join('\n')}\n`);
    } finally {
      await close();
    }
  });

  addWhere(
    quarantine
      .command('replay')
      .description(
        "put a quarantined record back into staging, with the current declaration, for the merger's next run; then remove it from quarantine",
      )
      .argument('<id>', 'the id "quarantine list" prints (or the object key)'),
  ).action(async (id, flags) => {
    const { location, close } = await openLocation(flags, context);
    try {
      const entry = await findQuarantined(location, id);
      const table = getTable(entry.table, await context.tables());
      const result = await replayQuarantined(location, entry, table);
      context.io.stdout(
        `replayed ${entry.id} (${entry.kind} of ${entry.table}): staged as ${result.stagedKey}; the next merge takes it.\n`,
      );
    } finally {
      await close();
    }
  });
}
