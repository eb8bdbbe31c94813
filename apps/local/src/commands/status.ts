import { readFile } from 'node:fs/promises';

import { readBackfillGuard } from '@ddb-athena-sync/core/merge/backfill-guard';
import type { BackfillGuard } from '@ddb-athena-sync/core/merge/backfill-guard';
import { Lake } from '@ddb-athena-sync/local-lake/lake';
import { localDynamoDbClient, localS3Client } from '@ddb-athena-sync/local-services/local-clients';
import { startS3Local } from '@ddb-athena-sync/local-services/s3-local';
import { DEFAULT_DATA_DIR, dataDirLayout, runningStack } from '@ddb-athena-sync/local-stack/data-dir';
import { CONTROL_TABLE, LOCAL_BUCKET } from '@ddb-athena-sync/local-stack/stack';
import { stagingStatus } from '@ddb-athena-sync/local-stack/staging-status';

import { parseArgs } from '../args.js';
import { UsageError } from '../errors.js';
import { formatTable } from '../format-table.js';
import type { CommandIo } from '../io.js';
import { declaredTables } from '../tables-config.js';

const USAGE = `usage: ddb-athena-sync status [--json] [--data-dir <dir>]

Per table: staged objects waiting for the merger, the oldest one's age, a backfill guard holding
stream objects back (its run, since when, when it expires; needs a running stack: the guard lives in
DynamoDB Local), the last merge and the last lake snapshot. Works with or without a running stack.
`;

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

export async function run(args: string[], io: CommandIo): Promise<number> {
  const { flags } = parseArgs(args, {
    json: { type: 'boolean' },
    'data-dir': { type: 'string' },
    config: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (flags.help === true) {
    io.stdout(USAGE);
    return 0;
  }
  const layout = dataDirLayout(typeof flags['data-dir'] === 'string' ? flags['data-dir'] : DEFAULT_DATA_DIR);
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
    for (const t of (
      await declaredTables(typeof flags.config === 'string' ? flags.config : undefined)
    ).values()) {
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
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw error;
  } finally {
    lake.close();
    s3.destroy();
    ddb?.destroy();
    await temporary?.stop();
  }
}
