import { readFile } from 'node:fs/promises';

import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { HeadBucketCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';

import { readBackfillGuard } from '@ddb-athena-sync/core/merge/backfill-guard';
import { Lake } from '@ddb-athena-sync/local-lake/lake';
import { localDynamoDbClient, localS3Client } from '@ddb-athena-sync/local-services/local-clients';
import { startS3Local } from '@ddb-athena-sync/local-services/s3-local';
import { dataDirLayout, runningStack } from '@ddb-athena-sync/local-stack/data-dir';
import { CONTROL_TABLE, LOCAL_BUCKET } from '@ddb-athena-sync/local-stack/stack';
import { stagingStatus } from '@ddb-athena-sync/local-stack/staging-status';
import { DEFAULT_QUARANTINE_PREFIX } from '@ddb-athena-sync/core/staging/staging-key';

import { Option } from '@commander-js/extra-typings';

import { dataDirOption } from '../args.js';
import type { CliContext, Program } from '../cli.js';
import { checkDataDir, commandHint } from '../data-dir-check.js';
import { formatTable } from '../format-table.js';

interface MergeState {
  at?: string;
  ok?: boolean;
  error?: string;
  durationMs?: number;
  lastError?: { at: string; error: string };
}

/** One table's health, as `status --json` prints it: null where there is nothing (never a display string). */
export interface TableStatus {
  readonly table: string;
  readonly mode: string;
  /** Staged objects the merger has not merged yet (merge mode; null for firehose tables). */
  readonly stagedObjects: number | null;
  readonly oldestStagedAgeMs: number | null;
  /** The backfill guard holding stream objects back; null when none (or unknown: no running stack). */
  readonly backfillGuard: {
    readonly runId: string;
    readonly since: string;
    readonly expiresAt: string;
    readonly expired: boolean;
  } | null;
  readonly lastMerge: {
    readonly at: string;
    readonly ok: boolean;
    readonly durationMs: number | null;
  } | null;
  /** The last failed merge, kept after later successes, its message and causes in full. */
  readonly lastError: { readonly at: string; readonly error: string } | null;
  readonly lastSnapshot: { readonly at: string; readonly operation: string; readonly id: string } | null;
  /** Objects under quarantine/<table>/ (records, items, unreadable objects): see `quarantine list`. */
  readonly quarantined: number;
}

export interface StatusReport {
  readonly running: boolean;
  readonly dataDir: string;
  readonly stack: { readonly pid: number; readonly startedAt: string } | null;
  /** Answering now: null when no stack runs (nothing to ask). */
  readonly services: { readonly dynamodb: 'up' | 'down'; readonly s3: 'up' | 'down' } | null;
  readonly tables: readonly TableStatus[];
}

function age(ms: number | null): string {
  if (ms === null) return '-';
  if (ms < 120_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 7_200_000) return `${(ms / 60_000).toFixed(1)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}

export async function quarantineCount(s3: S3Client, bucket: string, table: string): Promise<number> {
  let count = 0;
  let token: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({
        Bucket: bucket,
        Prefix: `${DEFAULT_QUARANTINE_PREFIX}${table}/`,
        ...(token === undefined ? {} : { ContinuationToken: token }),
      }),
    );
    // One `.json` per record or item; an unreadable object is counted by its `.reason.json`.
    count += (page.Contents ?? []).filter((o) => o.Key?.endsWith('.json') === true).length;
    token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
  } while (token !== undefined);
  return count;
}

async function answers(probe: () => Promise<unknown>): Promise<'up' | 'down'> {
  try {
    await probe();
    return 'up';
  } catch {
    return 'down';
  }
}

export function register(program: Program, context: CliContext): void {
  program
    .command('status')
    .summary('health: services, merger progress, backfill guards, quarantine counts, last errors')
    .description(
      `Whether a stack runs on the data directory and its services answer, then per table: staged
objects the merger has not merged yet and the oldest one's age, a backfill guard holding stream
objects back (its run, since when, when it expires; needs a running stack: the guard lives in
DynamoDB Local), the last merge, the last failed merge with its error in full, the last lake
snapshot, and the records in quarantine. Works with or without a running stack; a data directory
that does not exist is an error (nothing is created). --json prints the same with nulls where there
is nothing.`,
    )
    .addOption(new Option('--json', 'the same as JSON'))
    .addOption(dataDirOption())
    .action(async (flags) => {
      const dataDir = context.dataDir(flags.dataDir);
      await checkDataDir(dataDir, { mustExist: true });
      const report = await statusReport(dataDir, [...(await context.tables()).values()]);
      if (flags.json === true) {
        context.io.stdout(`${JSON.stringify(report, null, 2)}\n`);
        return;
      }
      context.io.stdout(formatStatus(report, context));
    });
}

export async function statusReport(
  dataDir: string,
  declared: readonly { name: string; mode: string }[],
): Promise<StatusReport> {
  const layout = dataDirLayout(dataDir);
  const running = await runningStack(layout);
  // Without a running stack, a private s3rver over the same directory answers the listing.
  const temporary =
    running === undefined ? await startS3Local({ directory: layout.s3, buckets: [LOCAL_BUCKET] }) : undefined;
  const s3 = localS3Client(running?.s3Endpoint ?? temporary!.endpoint);
  const bucket = running?.bucket ?? LOCAL_BUCKET;
  const lake = await Lake.open({ root: layout.lake });
  const ddb = running === undefined ? undefined : localDynamoDbClient(running.dynamodbEndpoint);
  try {
    let merges: Record<string, MergeState> = {};
    try {
      merges = JSON.parse(await readFile(layout.merges, 'utf8')) as typeof merges;
    } catch {
      // No merge yet.
    }
    const services =
      ddb === undefined
        ? null
        : {
            dynamodb: await answers(() =>
              ddb.send(new ListTablesCommand({ Limit: 1 }), { abortSignal: AbortSignal.timeout(3000) }),
            ),
            s3: await answers(() =>
              s3.send(new HeadBucketCommand({ Bucket: bucket }), { abortSignal: AbortSignal.timeout(3000) }),
            ),
          };
    const now = Date.now();
    const tables: TableStatus[] = [];
    for (const t of declared) {
      const merge = t.mode === 'merge';
      const staged = merge ? await stagingStatus(s3, bucket, t.name, now) : undefined;
      let lastSnapshot: TableStatus['lastSnapshot'] = null;
      try {
        const snaps = await lake.snapshots(t.name);
        const last = snaps.reduce<(typeof snaps)[number] | undefined>(
          (a, s) => (a === undefined || s.timestamp >= a.timestamp ? s : a),
          undefined,
        );
        if (last !== undefined)
          lastSnapshot = {
            at: last.timestamp.toISOString(),
            operation: last.operation,
            id: last.snapshotId.toString(),
          };
      } catch (error) {
        if ((error as Error).name !== 'TableNotFoundError') throw error;
      }
      const guard =
        ddb === undefined || !merge || services?.dynamodb !== 'up'
          ? undefined
          : await readBackfillGuard(ddb, CONTROL_TABLE, t.name).catch(() => undefined);
      const m = merges[t.name];
      tables.push({
        table: t.name,
        mode: t.mode,
        stagedObjects: staged?.objects ?? null,
        oldestStagedAgeMs: staged?.oldestAgeMs ?? null,
        backfillGuard:
          guard === undefined
            ? null
            : {
                runId: guard.runId,
                since: guard.startedAt.toISOString(),
                expiresAt: guard.expiresAt.toISOString(),
                expired: guard.expiresAt.getTime() <= now,
              },
        lastMerge:
          m?.at === undefined ? null : { at: m.at, ok: m.ok !== false, durationMs: m.durationMs ?? null },
        lastError:
          m?.lastError ?? (m?.ok === false && m.at !== undefined ? { at: m.at, error: m.error ?? '' } : null),
        lastSnapshot,
        quarantined: await quarantineCount(s3, bucket, t.name),
      });
    }
    return {
      running: running !== undefined,
      dataDir: layout.root,
      stack: running === undefined ? null : { pid: running.pid, startedAt: running.startedAt },
      services,
      tables,
    };
  } finally {
    lake.close();
    s3.destroy();
    ddb?.destroy();
    await temporary?.stop();
  }
}

function formatStatus(report: StatusReport, context: CliContext): string {
  const now = Date.now();
  const lines = [
    `stack: ${report.stack === null ? 'not running' : `running (pid ${report.stack.pid}, since ${report.stack.startedAt})`}; data directory ${report.dataDir}`,
    ...(report.services === null
      ? []
      : [`services: DynamoDB Local ${report.services.dynamodb}, s3rver ${report.services.s3}`]),
    '',
  ];
  const rows = report.tables.map((t) => ({
    table: t.table,
    mode: t.mode,
    staged: t.stagedObjects,
    oldest_staged: t.mode === 'merge' ? age(t.oldestStagedAgeMs) : null,
    backfill_guard:
      t.backfillGuard === null
        ? report.running || t.mode !== 'merge'
          ? null
          : '? (no stack)'
        : `run ${t.backfillGuard.runId} since ${t.backfillGuard.since} (${age(now - Date.parse(t.backfillGuard.since))}), ${t.backfillGuard.expired ? 'EXPIRED' : 'expires'} ${t.backfillGuard.expiresAt}`,
    last_merge:
      t.mode !== 'merge'
        ? 'n/a (Firehose)'
        : t.lastMerge === null
          ? null
          : `${t.lastMerge.at}${t.lastMerge.ok ? '' : ' FAILED'}`,
    last_snapshot:
      t.lastSnapshot === null
        ? null
        : `${t.lastSnapshot.at} ${t.lastSnapshot.operation} (${age(now - Date.parse(t.lastSnapshot.at))} ago)`,
    quarantined: t.quarantined,
  }));
  const out = [lines.join('\n'), formatTable(rows)];
  for (const t of report.tables)
    if (t.lastError !== null)
      out.push(
        `last merge error of ${t.table} (${t.lastError.at}):\n  ${t.lastError.error.replaceAll('\n', '\n  ')}\n`,
      );
  const held = report.tables.filter((t) => t.quarantined > 0);
  if (held.length > 0)
    out.push(
      `${held.map((t) => `${t.quarantined} in quarantine for ${t.table}`).join(', ')}: ${commandHint(context.cwd, report.dataDir, 'quarantine list')}\n`,
    );
  return out.join('\n');
}
