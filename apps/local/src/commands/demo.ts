import { DEFAULT_DATA_DIR } from '@ddb-athena-sync/local-stack/data-dir';
import { parseArgs, secondsFlag } from '../args.js';
import { runDemo } from '../demo/run-demo.js';
import type { DemoReport } from '../demo/run-demo.js';
import { UsageError } from '../errors.js';
import type { CommandIo } from '../io.js';
import { untilSignal } from '../signals.js';
import { stackOptionsFromFlags, tablesFromFlags, UP_FLAGS } from './up.js';

const USAGE = `usage: ddb-athena-sync demo --duration <s> [--report <file.json>] [options]

Starts the local stack (see "up"), writes a workload to books (inserts, updates, deletes, TTL
expiries) and orders (inserts, a few client retries) while reader processes query the lake, then
compares the lake with a full Scan of DynamoDB. Exit code 1 if a table did not converge or a read failed.

  --duration <s>        how long the workload runs (default 60)
  --report <file>       JSON report; the lag chart goes next to it as <file>.lag.svg
  --readers <n>         reader processes (default 2)
  --rate <n>            writes per second per table (default 10)
  --data-dir <dir>      state directory (default ${DEFAULT_DATA_DIR}/)
  --merge-interval <s>  merger schedule (default 5)
  --fault-merger <s>    stop the merger at half time for <s> seconds, then restart it
  --fault-poller <s>    kill the stream poller at half time, restart it <s> seconds later
  (and the other options of "up")
`;

function summary(report: DemoReport): string {
  const engine =
    report.engine === 'trino'
      ? 'engine: trino (merge tables merged by AthenaEngine through the Athena stand-in on Trino)'
      : 'engine: lake (merge tables merged by the embedded DuckDB lake)';
  const lines = [
    '',
    engine,
    'table     changes  dynamodb      lake  converged  lag p50 / p95 / p99 / max (ms)',
  ];
  for (const [name, t] of Object.entries(report.tables)) {
    lines.push(
      `${name.padEnd(8)} ${String(t.changes).padStart(8)} ${String(t.rowsInDynamo).padStart(9)} ${String(t.rowsInLake).padStart(9)}  ${(t.converged ? 'yes' : 'NO').padEnd(9)}  ${t.lagMs.p50} / ${t.lagMs.p95} / ${t.lagMs.p99} / ${t.lagMs.max}`,
    );
    for (const e of t.examples) lines.push(`    ${e}`);
  }
  lines.push(`reads: ${report.reads.total} queries by reader processes, ${report.reads.failed} failed`);
  for (const e of report.reads.errors.slice(0, 5)) lines.push(`    ${e}`);
  for (const [name, t] of Object.entries(report.tables)) {
    if (t.lagMs.p99 > report.lagBudgetMs)
      lines.push(
        `note: ${name} lag p99 ${t.lagMs.p99} ms is above merge interval + 3 s (${report.lagBudgetMs} ms); merges took up to ${report.merges.durationMs.max} ms on this machine`,
      );
  }
  lines.push(
    `merges: ${report.merges.runs} (${report.merges.failed} failed), merge interval ${report.mergeIntervalMs} ms, lag budget ${report.lagBudgetMs} ms`,
  );
  for (const f of report.faults) lines.push(`fault: ${f}`);
  lines.push(report.ok ? 'OK: every table converged and every read succeeded.' : 'FAILED: see above.');
  return `${lines.join('\n')}\n`;
}

export async function run(args: string[], io: CommandIo): Promise<number> {
  const { flags } = parseArgs(args, {
    ...UP_FLAGS,
    duration: { type: 'number' },
    report: { type: 'string' },
    readers: { type: 'number' },
    rate: { type: 'number' },
    'fault-merger': { type: 'number' },
    'fault-poller': { type: 'number' },
  });
  if (flags.help === true) {
    io.stdout(USAGE);
    return 0;
  }
  const durationMs = secondsFlag(flags.duration, 60_000, 'duration', 1000);
  const rate = flags.rate ?? 10;
  if (typeof rate !== 'number' || rate <= 0) throw new UsageError('--rate must be a positive number');
  const stackOptions = { ...stackOptionsFromFlags(flags), tables: await tablesFromFlags(flags) };
  io.stdout(`starting the local stack in ${stackOptions.dataDir}/ (DynamoDB Local needs a few seconds)...\n`);
  const signal = untilSignal();
  try {
    const abort = new AbortController();
    void signal.promise.then((s) => {
      io.stderr(`${s}: stopping the demo, cleaning up...\n`);
      abort.abort();
    });
    const report = await runDemo({
      durationMs,
      stackOptions,
      readers: typeof flags.readers === 'number' ? flags.readers : 2,
      booksPerSecond: rate,
      ordersPerSecond: rate,
      ...(typeof flags.report === 'string' ? { reportPath: flags.report } : {}),
      faults: {
        ...(typeof flags['fault-merger'] === 'number'
          ? { mergerOutageMs: flags['fault-merger'] * 1000 }
          : {}),
        ...(typeof flags['fault-poller'] === 'number'
          ? { pollerOutageMs: flags['fault-poller'] * 1000 }
          : {}),
      },
      io,
      tty: process.stdout.isTTY === true,
      signal: abort.signal,
    });
    if (abort.signal.aborted) {
      // Interrupted: the comparison below ran on a workload cut short, so it is no verdict.
      io.stderr('demo interrupted: the stack is stopped and the data directory released.\n');
      return 130;
    }
    io.stdout(summary(report));
    if (report.chart !== undefined && typeof flags.report === 'string')
      io.stdout(`report: ${flags.report}\nlag chart: ${report.chart}\n`);
    io.stdout(
      `query the lake: pnpm ddb-athena-sync query "SELECT author, count(*) AS books FROM books GROUP BY author"\n`,
    );
    return report.ok ? 0 : 1;
  } finally {
    signal.dispose();
  }
}
