import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { Option } from '@commander-js/extra-typings';
import { DEFAULT_COMPACTION_LIMITS } from '@ddb-athena-sync/core/merge/compact-staged';
import { mergeTable } from '@ddb-athena-sync/core/merge/merge-table';
import { streamObjectKey } from '@ddb-athena-sync/core/staging/staging-key';
import {
  encodeStagingObject,
  readAllStagingRows,
  stagingMetadata,
} from '@ddb-athena-sync/core/staging/staging-object';
import type { StagingRow } from '@ddb-athena-sync/core/stream/change-row';
import { rowBounds } from '@ddb-athena-sync/core/sql/partition-bounds';
import { Lake } from '@ddb-athena-sync/local-lake/lake';
import { LocalLakeEngine } from '@ddb-athena-sync/local-lake/merge-engine';
import { startDynamoDbLocal } from '@ddb-athena-sync/local-services/dynamodb-local';
import { localDynamoDbClient, localS3Client } from '@ddb-athena-sync/local-services/local-clients';
import { startS3Local } from '@ddb-athena-sync/local-services/s3-local';
import { parseDeclaration } from '@ddb-athena-sync/schemas/declaration';
import { ordersInput } from '@ddb-athena-sync/schemas/test-support/example-tables';

import type { CliContext, Program } from '../cli.js';
import { currentLoad, machineInfo } from './machine.js';

/**
 * The append benchmark (issue 17): one staged day of the seed's `orders` (packages/cost scenarios:
 * 20 GiB a day of 2 KB orders = 10,485,760 a day; 730 stream shards, one staged object per shard per
 * 300 s batching window = 210,240 objects a day of about 50 orders), scaled down by `1 / scale`,
 * appended by the merger's protocol (mergeTable: lease, journal, compaction, insert-only append) on
 * the local lake, with s3rver and DynamoDB Local. It prints the throughput of the compaction and of
 * the append, and the bytes each append read of the table against the table's size, for a table
 * that holds 1 and then `days` earlier days (the append reads only the partitions it spans).
 */

const SEED_ORDERS_PER_DAY = (20 * 1024 ** 3) / 2048;
const SEED_OBJECTS_PER_DAY = 730 * (86400 / 300);

const { firehose: _firehose, ...ordersRest } = ordersInput;
const orders = parseDeclaration({ ...ordersRest, mode: 'append' });

export interface AppendBenchResult {
  readonly scale: number;
  /** Runs per day (the cost model's schedule for the seed's orders: every 6 h). */
  readonly runsPerDay: number;
  /** The compaction's check alone (gunzip, JSON parse, row check), in memory: NDJSON bytes per second. */
  readonly checkBytesPerSec: number;
  readonly ordersPerDay: number;
  readonly objectsPerDay: number;
  readonly days: readonly {
    readonly priorDays: number;
    readonly run: number;
    readonly tableBytes: number;
    readonly bytesRead: number;
    readonly compactionMs: number;
    readonly appendMs: number;
    readonly totalMs: number;
    readonly stagedTextBytes: number;
    readonly compactedObjects: number;
    readonly rowsInserted: number;
  }[];
}

/** An order of about 2 KB of staged NDJSON (the seed's item size), created on `day` at `second`. */
function order(id: number, day: number, second: number): StagingRow {
  const at = new Date(Date.UTC(2026, 10, day) + second * 1000)
    .toISOString()
    .replace('T', ' ')
    .replace('Z', '000');
  return {
    id: `o-${day}-${id}`,
    customer_id: `c-${id % 9973}`,
    created_at: at,
    total: `${(id % 1000) + 10}.99`,
    currency: ['EUR', 'USD', 'GBP'][id % 3]!,
    status: 'new',
    line_items: Array.from({ length: 14 }, (_, k) => ({
      sku: `sku-${(id * 31 + k * 7) % 100000}-${'abcdefghij'.repeat(6).slice(0, 40 + (k % 9))}`,
      quantity: 1 + ((id + k) % 5),
      unit_price: `${(id + k) % 100}.50`,
    })),
    _extra: null,
    _op: 'upsert',
    _seq: String(day * 1e9 + id).padStart(40, '0'),
    _event_time: at,
    _source: 'stream',
  };
}

export async function runAppendBench(options: {
  scale: number;
  priorDays: number;
  runsPerDay: number;
}): Promise<AppendBenchResult> {
  const work = await mkdtemp(join(tmpdir(), 'append-bench-'));
  const [s3Local, ddbLocal] = await Promise.all([
    startS3Local({ directory: join(work, 's3'), buckets: ['lake'] }),
    startDynamoDbLocal({}),
  ]);
  const lake = await Lake.open({ root: join(work, 'lake') });
  try {
    const s3 = localS3Client(s3Local.endpoint);
    const dynamodb = localDynamoDbClient(ddbLocal.endpoint);
    await dynamodb.send(
      new CreateTableCommand({
        TableName: 'control',
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    const engine = new LocalLakeEngine({ lake, s3 });
    await engine.ensureTable(orders);
    const ordersPerDay = Math.round(SEED_ORDERS_PER_DAY / options.scale);
    const objectsPerDay = Math.max(1, Math.round(SEED_OBJECTS_PER_DAY / options.scale));
    const perObject = Math.ceil(ordersPerDay / objectsPerDay);
    const days: AppendBenchResult['days'][number][] = [];
    const bodies: Buffer[] = [];
    const perRun = Math.ceil(objectsPerDay / options.runsPerDay);
    const stageRun = async (day: number, part: number): Promise<number> => {
      let text = 0;
      for (let o = part * perRun; o < Math.min(objectsPerDay, (part + 1) * perRun); o++) {
        const rows = Array.from({ length: perObject }, (_, i) => {
          const id = o * perObject + i;
          return order(id, day, Math.floor((id / ordersPerDay) * 86400));
        });
        for (const r of rows) text += JSON.stringify(r).length + 1;
        const body = encodeStagingObject(rows);
        if (bodies.length < 200) bodies.push(body);
        await s3.send(
          new PutObjectCommand({
            Bucket: 'lake',
            Key: streamObjectKey({
              table: 'orders',
              shardId: `shard-${o % 730}`,
              firstSequenceNumber: rows[0]!._seq,
              lastSequenceNumber: rows.at(-1)!._seq,
              firstEventTime: new Date(Date.UTC(2026, 10, day)),
            }),
            Body: body,
            Metadata: stagingMetadata(rows, rowBounds(orders, rows)),
          }),
        );
      }
      return text;
    };
    let run = 0;
    for (let i = 0; i < (options.priorDays + 1) * options.runsPerDay; i++) {
      const day = 1 + Math.floor(i / options.runsPerDay);
      const part = i % options.runsPerDay;
      const stagedTextBytes = await stageRun(day, part);
      const before = await lake.files('orders');
      const tableBytes = before.data.reduce((n, e) => n + Number(e.file.fileSizeInBytes), 0);
      const steps: Record<string, number> = {};
      const started = performance.now();
      const report = await mergeTable(
        { s3, dynamodb, engine, clock: { now: () => new Date() } },
        {
          table: orders,
          bucket: 'lake',
          controlTable: 'control',
          owner: `bench-${++run}`,
          // The seed's objects per compaction output at this scale: outputs of 16 MiB / scale.
          compaction: {
            ...DEFAULT_COMPACTION_LIMITS,
            minObjects: 2,
            maxInputBytes: Math.max(32 * 1024, DEFAULT_COMPACTION_LIMITS.maxInputBytes / options.scale),
          },
          deadline: new Date(Date.now() + 3_600_000),
          onStep: (step) => {
            steps[step] ??= performance.now();
            if (step === 'compaction-cleaned') steps.lastCompaction = performance.now();
          },
        },
      );
      const ended = performance.now();
      const compactionEnd = steps.lastCompaction ?? started;
      days.push({
        priorDays: day - 1,
        run: part + 1,
        tableBytes,
        bytesRead: report.batches.reduce((n, b) => n + (b.result.bytesScanned ?? 0), 0),
        compactionMs: compactionEnd - started,
        appendMs: ended - compactionEnd,
        totalMs: ended - started,
        stagedTextBytes,
        compactedObjects: (report.compactions ?? []).filter((c) => c.output !== undefined).length,
        rowsInserted: report.batches.reduce((n, b) => n + (b.result.rowsInserted ?? 0), 0),
      });
    }
    // The compaction's check without S3 (what packages/cost's compactionCheckBytesPerSec stands for).
    let checked = 0;
    const t0 = performance.now();
    for (const body of bodies)
      for (const row of await readAllStagingRows(body)) checked += JSON.stringify(row).length + 1;
    const checkBytesPerSec = checked / ((performance.now() - t0) / 1000);
    return {
      scale: options.scale,
      runsPerDay: options.runsPerDay,
      checkBytesPerSec,
      ordersPerDay,
      objectsPerDay,
      days,
    };
  } finally {
    lake.close();
    await Promise.all([s3Local.stop(), ddbLocal.stop()]);
    await rm(work, { recursive: true, force: true });
  }
}

const mb = (n: number): string => `${(n / 1024 ** 2).toFixed(1)} MiB`;

export function formatAppendBench(r: AppendBenchResult): string {
  const lines = [
    `append benchmark: one staged day of the seed's orders scaled down by 1/${r.scale}: ${r.ordersPerDay} orders in ${r.objectsPerDay} staged objects (seed: ${SEED_ORDERS_PER_DAY} in ${SEED_OBJECTS_PER_DAY})`,
    `machine: ${JSON.stringify(machineInfo())}, load ${currentLoad()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
    `schedule: ${r.runsPerDay} runs a day; the compaction's check alone (in memory): ${(r.checkBytesPerSec / 1e6).toFixed(1)} MB/s of staged NDJSON`,
    'prior days | run | table size | bytes read by the append | compaction | append | total | orders/s | objects/s compacted | staged MB/s checked',
  ];
  for (const d of r.days)
    lines.push(
      `${String(d.priorDays).padStart(10)} | ${String(d.run).padStart(3)} | ${mb(d.tableBytes).padStart(10)} | ${mb(d.bytesRead).padStart(24)} | ${(d.compactionMs / 1000).toFixed(1).padStart(8)} s | ${(d.appendMs / 1000).toFixed(1).padStart(4)} s | ${(d.totalMs / 1000).toFixed(1).padStart(4)} s | ${Math.round(
        d.rowsInserted / (d.totalMs / 1000),
      )
        .toString()
        .padStart(8)} | ${Math.round(r.objectsPerDay / r.runsPerDay / Math.max(0.001, d.compactionMs / 1000))
        .toString()
        .padStart(
          19,
        )} | ${(d.stagedTextBytes / 1e6 / Math.max(0.001, d.compactionMs / 1000)).toFixed(1).padStart(19)}`,
    );
  const lastDay = r.days.slice(-r.runsPerDay);
  const compaction = lastDay.reduce((n, d) => n + d.compactionMs, 0) / 1000;
  const append = lastDay.reduce((n, d) => n + d.appendMs, 0) / 1000;
  lines.push(
    `the last day: compaction ${compaction.toFixed(1)} s + append ${append.toFixed(1)} s over ${r.runsPerDay} runs; x${r.scale} for a seed day on this machine: ${(((compaction + append) * r.scale) / r.runsPerDay).toFixed(0)} s per run (local lake and s3rver, not Athena and S3)`,
  );
  return lines.join('\n');
}

/** `ddb-athena-sync bench-append`: registered by the bench command (commands/bench.ts). */
export function register(program: Program, context: CliContext): void {
  program
    .command('bench-append')
    .summary('append-mode benchmark: a staged day of the seed orders, scaled down')
    .addOption(new Option('--scale <n>', 'scale-down factor of the seed day').default('1000'))
    .addOption(new Option('--days <n>', 'earlier days in the table before the measured one').default('2'))
    .addOption(new Option('--runs-per-day <n>', 'merger runs a day (the cost model: every 6 h)').default('4'))
    .action(async (flags) => {
      const result = await runAppendBench({
        scale: Number(flags.scale),
        priorDays: Number(flags.days),
        runsPerDay: Number(flags.runsPerDay),
      });
      context.io.stdout(`${formatAppendBench(result)}\n`);
      context.exitCode = 0;
    });
}
