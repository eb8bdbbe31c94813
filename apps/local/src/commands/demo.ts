import { Option } from '@commander-js/extra-typings';

import { pathValue, positiveInteger, positiveNumber, seconds } from '../args.js';
import type { CliContext, Program } from '../cli.js';
import { checkDataDir, commandHint } from '../data-dir-check.js';
import { runDemo } from '../demo/run-demo.js';
import type { DemoReport } from '../demo/run-demo.js';
import { untilSignal } from '../signals.js';
import { addStackOptions, stackOptionsFromFlags } from './up.js';

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

export function register(program: Program, context: CliContext): void {
  addStackOptions(
    program
      .command('demo')
      .summary('up + a workload + readers; checks the lake against DynamoDB and writes a report')
      .description(
        `Starts the local stack (see "up"), writes a workload to books (inserts, updates, deletes, TTL
expiries) and orders (inserts, a few client retries) while reader processes query the lake, then
compares the lake with a full Scan of DynamoDB. Exit code 1 if a table did not converge or a read
failed. With a --config file that declares other tables, each of them gets a workload generated from
its declaration (inserts, updates of its first non-key string column, deletes, TTL expiries when it
declares a TTL attribute); without one, the example tables books and orders.`,
      )
      .addOption(
        new Option('--duration <s>', 'how long the workload runs')
          .argParser(seconds(1))
          .default(60_000, '60'),
      )
      .addOption(
        new Option(
          '--report <file>',
          'JSON report; the lag chart goes next to it as <file>.lag.svg',
        ).argParser(pathValue),
      )
      .addOption(new Option('--readers <n>', 'reader processes').argParser(positiveInteger).default(2))
      .addOption(
        new Option('--rate <n>', 'writes per second per table').argParser(positiveNumber).default(10),
      )
      .addOption(
        new Option(
          '--fault-merger <s>',
          'stop the merger at half time for <s> seconds, then restart it',
        ).argParser(seconds(0)),
      )
      .addOption(
        new Option(
          '--fault-poller <s>',
          'kill the stream poller at half time, restart it <s> seconds later',
        ).argParser(seconds(0)),
      ),
  ).action(async (flags) => {
    const { io } = context;
    // A declarations file is used when it declares both books and orders (e.g. orders in append
    // mode, examples/orders-append.tables.json) or any other table (a generic workload each);
    // without one (or one declaring only one of the examples), the example tables.
    const declared = await context.tables().catch(() => undefined);
    const names = [...(declared?.keys() ?? [])];
    const useDeclared =
      declared !== undefined &&
      ((declared.has('books') && declared.has('orders')) ||
        names.some((n) => n !== 'books' && n !== 'orders'));
    const stackOptions = stackOptionsFromFlags(
      flags,
      context,
      useDeclared ? [...declared.values()] : undefined,
    );
    await checkDataDir(stackOptions.dataDir, { mustExist: false });
    const reportPath = flags.report === undefined ? undefined : context.path(flags.report);
    io.stdout(
      `starting the local stack in ${stackOptions.dataDir}/ (DynamoDB Local needs a few seconds)...\n`,
    );
    const signal = untilSignal();
    try {
      const abort = new AbortController();
      void signal.promise.then((s) => {
        io.stderr(`${s}: stopping the demo, cleaning up...\n`);
        abort.abort();
      });
      const report = await runDemo({
        durationMs: flags.duration,
        stackOptions,
        readers: flags.readers,
        booksPerSecond: flags.rate,
        ordersPerSecond: flags.rate,
        genericPerSecond: flags.rate,
        ...(reportPath === undefined ? {} : { reportPath }),
        faults: {
          ...(flags.faultMerger === undefined ? {} : { mergerOutageMs: flags.faultMerger }),
          ...(flags.faultPoller === undefined ? {} : { pollerOutageMs: flags.faultPoller }),
        },
        io,
        tty: process.stdout.isTTY === true,
        signal: abort.signal,
      });
      if (abort.signal.aborted) {
        // Interrupted: the comparison below ran on a workload cut short, so it is no verdict.
        io.stderr('demo interrupted: the stack is stopped and the data directory released.\n');
        context.exitCode = 130;
        return;
      }
      io.stdout(summary(report));
      if (report.chart !== undefined && reportPath !== undefined)
        io.stdout(`report: ${reportPath}\nlag chart: ${report.chart}\n`);
      io.stdout(
        `query the lake: ${commandHint(
          context.cwd,
          stackOptions.dataDir,
          'books' in report.tables
            ? 'query "SELECT author, count(*) AS books FROM books GROUP BY author"'
            : `query "SELECT count(*) FROM ${Object.keys(report.tables)[0] ?? 'books'}"`,
        )}\n`,
      );
      context.exitCode = report.ok ? 0 : 1;
    } finally {
      signal.dispose();
    }
  });
}
