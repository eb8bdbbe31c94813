import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

import { InvalidArgumentError, Option } from '@commander-js/extra-typings';

import { pathValue } from '../args.js';
import * as appendBench from '../bench/append-bench.js';
import { renderBenchCharts } from '../bench/bench-charts.js';
import { formatBenchReport } from '../bench/format-bench-report.js';
import { BENCH_PARTS, FULL_PLAN, QUICK_PLAN, runBench } from '../bench/run-bench.js';
import type { BenchPart } from '../bench/run-bench.js';
import type { CliContext, Program } from '../cli.js';
import { untilSignal } from '../signals.js';

function parseParts(value: string): BenchPart[] {
  const parts = value.split(',').map((p) => p.trim());
  for (const p of parts) {
    if (!(BENCH_PARTS as readonly string[]).includes(p))
      throw new InvalidArgumentError(`unknown part "${p}"; parts: ${BENCH_PARTS.join(', ')}.`);
  }
  return parts as BenchPart[];
}

export function register(program: Program, context: CliContext): void {
  appendBench.register(program, context);
  program
    .command('bench')
    .summary('benchmarks (numbers printed, not asserted)')
    .description(
      `Measures, one part after the other, and prints the numbers (nothing is asserted):
  stream-writer  change records per CPU-second for decode + map + gzip NDJSON (stageStreamBatch on
                 synthetic books records) against JSON.parse + JSON.stringify + gzip of the same bytes
  merge          10,000 changes merged into 100,000- and 1,000,000-row tables (bucket(16, id)),
                 optimize, full scans before and after (packages/local-lake/scripts/bench.ts)
  end-to-end     lag percentiles of a 2-minute demo run at a 5 s merge interval, and a stepped ramp
                 of change rates: the highest the local stack sustains without its backlog growing`,
    )
    .addOption(new Option('--json <file>', 'also write the results as JSON').argParser(pathValue))
    .addOption(new Option('--quick', 'shorter version of every part (a smoke run)'))
    .addOption(
      new Option('--only <parts>', `comma-separated subset of: ${BENCH_PARTS.join(', ')}`).argParser(
        parseParts,
      ),
    )
    .addOption(
      new Option('--charts <dir>', 'write SVG charts of the results into <dir>').argParser(pathValue),
    )
    .action(async (flags) => {
      context.exitCode = await bench(flags, context);
    });
}

async function bench(
  flags: { json?: string; quick?: true; only?: BenchPart[]; charts?: string },
  context: CliContext,
): Promise<number> {
  const { io } = context;
  const parts = flags.only ?? [...BENCH_PARTS];
  const quick = flags.quick === true;
  const signal = untilSignal();
  try {
    const abort = new AbortController();
    void signal.promise.then((s) => {
      io.stderr(`${s}: stopping the benchmark after the current step...\n`);
      abort.abort();
    });
    const report = await runBench({
      plan: quick ? QUICK_PLAN : FULL_PLAN,
      quick,
      parts,
      onProgress: (line) => io.stderr(`bench ${line}\n`),
      signal: abort.signal,
    });
    io.stdout(formatBenchReport(report));
    if (typeof flags.json === 'string') {
      const path = context.path(flags.json);
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, `${JSON.stringify(report, null, 2)}\n`);
      io.stdout(`json: ${flags.json}\n`);
    }
    if (typeof flags.charts === 'string') {
      const dir = context.path(flags.charts);
      await mkdir(dir, { recursive: true });
      for (const [name, svg] of Object.entries(await renderBenchCharts(report))) {
        await writeFile(join(dir, name), svg);
        io.stdout(`chart: ${join(flags.charts, name)}\n`);
      }
    }
    return abort.signal.aborted ? 130 : 0;
  } finally {
    signal.dispose();
  }
}
