import { readFile } from 'node:fs/promises';

import { readBackfillGuard } from '@ddb-athena-sync/core/merge/backfill-guard';
import type { BackfillGuard } from '@ddb-athena-sync/core/merge/backfill-guard';
import { Lake } from '@ddb-athena-sync/local-lake/lake';
import { localDynamoDbClient, localS3Client } from '@ddb-athena-sync/local-services/local-clients';
import { startS3Local } from '@ddb-athena-sync/local-services/s3-local';
import { dataDirLayout, runningStack } from '@ddb-athena-sync/local-stack/data-dir';
import { CONTROL_TABLE, LOCAL_BUCKET } from '@ddb-athena-sync/local-stack/stack';
import { stagingStatus } from '@ddb-athena-sync/local-stack/staging-status';

import { Option } from '@commander-js/extra-typings';

import { dataDirOption } from '../args.js';
import type { CliContext, Program } from '../cli.js';
import { checkDataDir } from '../data-dir-check.js';
import { formatTable } from '../format-table.js';

function guardText(guard: BackfillGuard | undefined, now: number): string {
  if (guard === undefined) return '-';
  const expired = guard.expiresAt.getTime() <= now;
  return `run ${guard.runId} since ${guard.startedAt.toISOString()} (${age(now - guard.startedAt.getTime())}), ${expired ? 'EXPIRED' : 'expires'} ${guard.expiresAt.toISOString()}`;
}

function age(ms: number | undefined): string {
  if (ms === undefined) return '-';
  if (ms < 120_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 7_200_000) return `${(ms / 60_000).toFixed(1)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}

export function register(program: Program, context: CliContext): void {
  program
    .command('status')
    .summary('staged objects, oldest staged age, last merge and last snapshot per table')
    .description(
      `Per table: staged objects waiting for the merger, the oldest one's age, a backfill guard holding
stream objects back (its run, since when, when it expires; needs a running stack: the guard lives in
DynamoDB Local), the last merge and the last lake snapshot. Works with or without a running stack;
a data directory that does not exist is an error (nothing is created).`,
    )
    .addOption(new Option('--json', 'the same as JSON'))
    .addOption(dataDirOption())
    .action(async (flags) => {
      context.exitCode = await status(flags, context);
    });
}

async function status(flags: { json?: true; dataDir?: string }, context: CliContext): Promise<number> {
  const { io } = context;
  const dataDir = context.dataDir(flags.dataDir);
  await checkDataDir(dataDir, { mustExist: true });
  const layout = dataDirLayout(dataDir);
  const declaredTables = await context.tables();
  const running = await runningStack(layout);
  // Without a running stack, a private s3rver over the same directory answers the listing.
  const temporary =
    running === undefined ? await startS3Local({ directory: layout.s3, buckets: [LOCAL_BUCKET] }) : undefined;
  const s3 = localS3Client(running?.s3Endpoint ?? temporary!.endpoint);
  const lake = await Lake.open({ root: layout.lake });
  const ddb = running === undefined ? undefined : localDynamoDbClient(running.dynamodbEndpoint);
  try {
    let merges: Record<string, { at?: string; ok?: boolean; error?: string; durationMs?: number }> = {};
    try {
      merges = JSON.parse(await readFile(layout.merges, 'utf8')) as typeof merges;
    } catch {
      // No merge yet.
    }
    const now = Date.now();
    const rows: Record<string, unknown>[] = [];
    for (const t of declaredTables.values()) {
      const staged = await stagingStatus(s3, running?.bucket ?? LOCAL_BUCKET, t.name, now);
      let snapshot: { timestamp: Date; operation: string; id: string } | undefined;
      try {
        const snaps = await lake.snapshots(t.name);
        const last = snaps.reduce<(typeof snaps)[number] | undefined>(
          (a, s) => (a === undefined || s.timestamp >= a.timestamp ? s : a),
          undefined,
        );
        if (last !== undefined)
          snapshot = { timestamp: last.timestamp, operation: last.operation, id: last.snapshotId.toString() };
      } catch (error) {
        if ((error as Error).name !== 'TableNotFoundError') throw error;
      }
      const merge = merges[t.name];
      const guard =
        ddb === undefined || t.mode !== 'merge'
          ? undefined
          : await readBackfillGuard(ddb, CONTROL_TABLE, t.name).catch(() => undefined);
      rows.push({
        table: t.name,
        mode: t.mode,
        staged_objects: t.mode === 'merge' ? staged.objects : '-',
        oldest_staged: t.mode === 'merge' ? age(staged.oldestAgeMs) : '-',
        backfill_guard: t.mode === 'merge' ? (ddb === undefined ? '?' : guardText(guard, now)) : '-',
        last_merge:
          t.mode === 'merge'
            ? merge?.at === undefined
              ? '-'
              : `${merge.at}${merge.ok === false ? ` FAILED: ${merge.error ?? ''}` : ''}`
            : 'n/a (Firehose)',
        last_snapshot:
          snapshot === undefined
            ? '-'
            : `${snapshot.timestamp.toISOString()} ${snapshot.operation} (${age(now - snapshot.timestamp.getTime())} ago)`,
      });
    }
    if (flags.json === true)
      io.stdout(`${JSON.stringify({ running: running !== undefined, tables: rows }, null, 2)}\n`);
    else {
      io.stdout(
        `stack: ${running === undefined ? 'not running' : `running (pid ${running.pid}, since ${running.startedAt})`}; data directory ${layout.root}\n`,
      );
      io.stdout(formatTable(rows));
    }
    return 0;
  } finally {
    lake.close();
    s3.destroy();
    ddb?.destroy();
    await temporary?.stop();
  }
}
