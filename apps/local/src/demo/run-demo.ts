import { isStagedMode } from '@ddb-athena-sync/schemas/declaration';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

import { Lake } from '@ddb-athena-sync/local-lake/lake';
import { startStack } from '@ddb-athena-sync/local-stack/stack';
import type { Stack, StackOptions } from '@ddb-athena-sync/local-stack/stack';
import { stagingStatus } from '@ddb-athena-sync/local-stack/staging-status';
import { compareTable } from '@ddb-athena-sync/local-stack/compare';
import type { TableComparison } from '@ddb-athena-sync/local-stack/compare';
import { tables as exampleTables } from '@ddb-athena-sync/schemas/test-support/example-tables';

import { buildFunctions, LOCAL_DATABASE } from '../functions.js';
import { AthenaReader, routedReader } from './athena-reader.js';
import type { TableReader } from './athena-reader.js';
import type { CommandIo } from '../io.js';
import { renderLagChart } from './lag-chart.js';
import { LagTracker, percentiles } from './lag-tracker.js';
import type { Percentiles } from './lag-tracker.js';
import { LakeObserver } from './lake-observer.js';
import { LiveView } from './live-view.js';
import { ReaderPool } from './readers.js';
import { GenericWorkload } from './generic-workload.js';
import { Workload } from './workload.js';
import type { WorkloadCounts } from './workload.js';

/** Faults injected halfway through the run (the restart tests and `demo --faults`). */
export interface DemoFaults {
  /** Stop the merger schedule at half time for this long, then start it again. */
  readonly mergerOutageMs?: number;
  /** Kill the stream pollers of merge-mode tables (no clean stop, no checkpoint) at half time, restart them after this long. */
  readonly pollerOutageMs?: number;
}

export interface DemoOptions {
  readonly durationMs: number;
  /** Stack to start (ignored when `stack` is given). */
  readonly stackOptions?: StackOptions;
  /** A running stack to use (tests share one). */
  readonly stack?: Stack;
  readonly readers?: number;
  readonly booksPerSecond?: number;
  readonly ordersPerSecond?: number;
  /** Writes per second on each declared table other than books and orders (a GenericWorkload). */
  readonly genericPerSecond?: number;
  readonly reportPath?: string;
  readonly faults?: DemoFaults;
  readonly io?: CommandIo;
  /** Redraw a live view (TTY) instead of printing plain progress lines. */
  readonly tty?: boolean;
  /** How long to wait, after the workload stops, for every change to show in the lake. */
  readonly drainTimeoutMs?: number;
  /** Ctrl-C: cut the run short, still clean up and report. */
  readonly signal?: AbortSignal;
}

export interface DemoTableReport extends Omit<TableComparison, 'table'> {
  readonly mode: string;
  readonly changes: number;
  readonly writes: WorkloadCounts;
  readonly lagMs: Percentiles;
  readonly lagMsByKind: Record<string, Percentiles>;
  /** Changes never seen in the lake by the end of the drain (0 when converged). */
  readonly notVisible: number;
}

export interface DemoReport {
  readonly ok: boolean;
  /** Who merged the merge-mode tables: the local lake (DuckDB) or Trino behind the Athena stand-in. */
  readonly engine: 'lake' | 'trino';
  readonly startedAt: string;
  readonly durationMs: number;
  readonly drainMs: number;
  readonly mergeIntervalMs: number;
  readonly lagBudgetMs: number;
  readonly tables: Record<string, DemoTableReport>;
  readonly reads: { readonly total: number; readonly failed: number; readonly errors: readonly string[] };
  readonly merges: { readonly runs: number; readonly failed: number; readonly durationMs: Percentiles };
  readonly pollers: Record<string, unknown>;
  readonly firehose: Record<string, unknown>;
  readonly ttlDeletes: number;
  readonly faults: readonly string[];
  readonly errors: readonly string[];
  readonly chart: string | undefined;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted === true) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done);
  });
}

/**
 * The demo: the local stack, a workload on every declared table, reader processes querying the lake
 * all along, then a check of the lake against a full Scan of DynamoDB. Returns (and writes) the report.
 */
export async function runDemo(options: DemoOptions): Promise<DemoReport> {
  const ownStack = options.stack === undefined;
  const stack =
    options.stack ??
    (await startStack({
      ...(options.stackOptions ?? { dataDir: '.ddb-athena-sync', functions: buildFunctions }),
      // The workload writes the example tables; a caller's own tables replace them.
      tables: options.stackOptions?.tables ?? [...exampleTables.values()],
    }));
  // Stopped on every path: an error (or an interrupt) must not leave DynamoDB Local and s3rver running.
  try {
    return await demoOnStack(stack, options);
  } finally {
    if (ownStack) await stack.stop();
  }
}

async function demoOnStack(stack: Stack, options: DemoOptions): Promise<DemoReport> {
  const io = options.io ?? { stdout: () => undefined, stderr: () => undefined };
  const errors: string[] = [];
  const faults: string[] = [];
  const note = (what: string, error: unknown): void => {
    if (errors.length < 50) errors.push(`${what}: ${error instanceof Error ? error.message : String(error)}`);
  };
  const tracker = new LagTracker();
  // books and orders get their own workloads; any other declared table one generated from its declaration.
  const examples = new Set<string>([...stack.tables.keys()].filter((t) => t === 'books' || t === 'orders'));
  const workload = new Workload({
    ddb: stack.ddb,
    tracker,
    booksPerSecond: examples.has('books') ? (options.booksPerSecond ?? 10) : 0,
    ordersPerSecond: examples.has('orders') ? (options.ordersPerSecond ?? 10) : 0,
    onError: (e) => note('workload', e),
  });
  const generic = new Map<string, GenericWorkload>();
  for (const [name, r] of stack.tables)
    if (!examples.has(name))
      generic.set(
        name,
        new GenericWorkload({
          ddb: stack.ddb,
          tracker,
          declaration: r.declaration,
          perSecond: options.genericPerSecond ?? 10,
          onError: (e) => note(`workload ${name}`, e),
        }),
      );
  const changesOf = (t: string): number =>
    generic.get(t)?.changes() ?? workload.changes(t as 'books' | 'orders');
  const expiringCount = (): number =>
    workload.expiring.size + [...generic.values()].reduce((n, g) => n + g.expiring.size, 0);
  let merges = 0;
  const mergeDurations: number[] = [];
  let mergesFailed = 0;
  let ttlDeletes = 0;
  const unsubscribe = stack.subscribe((event) => {
    if (event.type === 'ttl-delete') {
      ttlDeletes++;
      const g = generic.get(event.table);
      if (g !== undefined) g.ttlDeleted(event.key, event.atMs);
      else
        workload.ttlDeleted(
          String(event.key.id !== undefined ? (event.key.id as { S?: string }).S : ''),
          event.atMs,
        );
    } else if (event.type === 'merge' && event.run.action === 'merge') {
      merges++;
      mergeDurations.push(event.run.durationMs);
      if (event.run.error !== undefined) {
        mergesFailed++;
        note(`merge ${event.run.table}`, event.run.error);
      }
    } else if (event.type === 'error') note(event.source, event.error);
  });

  const observerLake = await Lake.open({ root: stack.layout.lake });
  // `--engine trino`: merge tables live in Trino's Iceberg catalog; read them through Athena.
  const mergeTables = new Set(
    [...stack.tables.values()].filter((r) => isStagedMode(r.declaration.mode)).map((r) => r.declaration.name),
  );
  const reader: TableReader =
    stack.athenaEndpoint === undefined
      ? observerLake
      : routedReader(observerLake, new AthenaReader(stack.athenaEndpoint, LOCAL_DATABASE), mergeTables);
  const observer = new LakeObserver({
    lake: reader,
    tracker,
    exampleTables: examples,
    generic: [...generic.keys()].map((t) => stack.tables.get(t)!.declaration),
    onError: (e) => note('observer', e),
  });
  const readers = new ReaderPool();
  let startedAt = Date.now();
  const staged = new Map<string, number>();
  const live = new LiveView({
    io,
    tty: options.tty === true,
    durationMs: options.durationMs,
    startedAt,
    snapshot: () => ({
      tables: [...stack.tables.keys()].map((t) => ({
        name: t,
        changes: changesOf(t),
        staged: staged.get(t),
        pending: tracker.pendingCount(t),
        rowsInLake: observer.rows.get(t),
        lag: tracker.lag(t),
      })),
      merges,
      mergesFailed,
      reads: readers.stats,
      faults,
    }),
  });
  const stagingTimer = setInterval(() => {
    for (const [t, r] of stack.tables) {
      if (!isStagedMode(r.declaration.mode)) continue;
      stagingStatus(stack.s3, stack.bucket, t)
        .then((s) => staged.set(t, s.objects))
        .catch(() => undefined);
    }
  }, 2000);

  let drainMs: number;
  try {
    // Readers and a first merge before the clock starts: process start-up and JIT warm-up are not
    // part of what the demo measures.
    readers.start(
      stack.layout.lake,
      options.readers ?? 2,
      500,
      stack.athenaEndpoint === undefined
        ? undefined
        : { endpoint: stack.athenaEndpoint, database: LOCAL_DATABASE },
      // Only when the stack has other tables: the readers' default is books and orders.
      generic.size === 0
        ? undefined
        : [...stack.tables.values()].map((r) => ({
            name: r.declaration.name,
            staged: isStagedMode(r.declaration.mode),
          })),
    );
    await Promise.race([readers.ready(), sleep(30_000, options.signal)]);
    for (const [name, r] of stack.tables) if (isStagedMode(r.declaration.mode)) await stack.mergeNow(name);
    startedAt = Date.now();
    live.startedAt = startedAt;
    observer.start();
    workload.start();
    for (const g of generic.values()) g.start();
    live.start();

    const faultRun = runFaults(stack, options, faults);
    await sleep(options.durationMs, options.signal);
    await faultRun;
    await workload.stop();
    for (const g of generic.values()) await g.stop();

    // Drain: every change written must become visible; the TTL items given an expiry must expire.
    const drainStart = Date.now();
    // A Trino MERGE (`--engine trino`) takes seconds on an idle machine and above a minute with both
    // cores loaded; the drain waits only while changes are still pending, so a longer cap costs a
    // converging run nothing.
    const drainTimeout =
      options.drainTimeoutMs ??
      Math.max(stack.engine === 'trino' ? 180_000 : 30_000, 4 * stack.mergeIntervalMs);
    live.phase = 'draining';
    while (
      Date.now() - drainStart < drainTimeout &&
      (tracker.pendingCount() > 0 || expiringCount() > 0) &&
      options.signal?.aborted !== true
    )
      await sleep(200);
    drainMs = Date.now() - drainStart;
    live.phase = 'checking';
  } finally {
    clearInterval(stagingTimer);
    await workload.stop();
    for (const g of generic.values()) await g.stop();
    await observer.stop();
    await readers.stop();
    live.stop();
    unsubscribe();
  }

  const tables: Record<string, DemoTableReport> = {};
  for (const [name, runtime] of stack.tables) {
    const comparison = await compareTable(stack.ddb, reader, runtime.declaration);
    const { table: _table, ...rest } = comparison;
    const g = generic.get(name);
    tables[name] = {
      mode: runtime.declaration.mode,
      changes: changesOf(name),
      writes: { ...(g?.counts ?? workload.counts[name as 'books' | 'orders']) },
      ...rest,
      lagMs: tracker.lag(name),
      lagMsByKind: tracker.lagByKind(name),
      notVisible: tracker.pendingCount(name),
    };
  }
  observerLake.close();

  const pollers: Record<string, unknown> = {};
  const firehose: Record<string, unknown> = {};
  for (const [name, r] of stack.tables) {
    pollers[name] = { ...r.poller.stats };
    if (r.firehose !== undefined) firehose[name] = { ...r.firehose.stats };
  }
  const lagBudgetMs = stack.mergeIntervalMs + 3000;
  const reportPath = options.reportPath === undefined ? undefined : resolve(options.reportPath);
  const chartPath = reportPath === undefined ? undefined : reportPath.replace(/(\.json)?$/, '.lag.svg');
  const report: DemoReport = {
    ok:
      options.signal?.aborted !== true &&
      Object.values(tables).every((t) => t.converged && t.notVisible === 0) &&
      readers.stats.failed === 0,
    engine: stack.engine,
    startedAt: new Date(startedAt).toISOString(),
    durationMs: options.durationMs,
    drainMs,
    mergeIntervalMs: stack.mergeIntervalMs,
    lagBudgetMs,
    tables,
    reads: { total: readers.stats.total, failed: readers.stats.failed, errors: readers.stats.errors },
    merges: { runs: merges, failed: mergesFailed, durationMs: percentiles(mergeDurations) },
    pollers,
    firehose,
    ttlDeletes,
    faults,
    errors,
    chart: chartPath,
  };
  if (reportPath !== undefined && chartPath !== undefined) {
    await mkdir(dirname(reportPath), { recursive: true });
    await writeFile(reportPath, `${JSON.stringify(report, null, 2)}\n`);
    await writeFile(
      chartPath,
      await renderLagChart({
        samples: tracker.samples,
        startedAt,
        mergeIntervalMs: stack.mergeIntervalMs,
        budgetMs: lagBudgetMs,
      }),
    );
  }
  return report;
}

async function runFaults(stack: Stack, options: DemoOptions, faults: string[]): Promise<void> {
  const f = options.faults;
  if (f === undefined || (f.mergerOutageMs === undefined && f.pollerOutageMs === undefined)) return;
  await sleep(options.durationMs / 2);
  const jobs: Promise<void>[] = [];
  if (f.mergerOutageMs !== undefined) {
    jobs.push(
      (async () => {
        faults.push(`${new Date().toISOString()} merger stopped`);
        await stack.scheduler.pause();
        await sleep(f.mergerOutageMs!);
        stack.scheduler.resume();
        faults.push(`${new Date().toISOString()} merger restarted`);
      })(),
    );
  }
  if (f.pollerOutageMs !== undefined) {
    jobs.push(
      (async () => {
        // The Lambda event source mappings of merge-mode tables. (Firehose reads its Kinesis stream
        // itself; that reader is Firehose's, with its own at-least-once semantics.)
        const names = [...stack.tables.values()]
          .filter((r) => isStagedMode(r.declaration.mode))
          .map((r) => r.declaration.name);
        for (const t of names) await stack.killPoller(t);
        faults.push(`${new Date().toISOString()} stream pollers killed (${names.join(', ')})`);
        await sleep(f.pollerOutageMs!);
        for (const t of names) await stack.restartPoller(t);
        faults.push(`${new Date().toISOString()} stream pollers restarted from their checkpoints`);
      })(),
    );
  }
  await Promise.all(jobs);
}
