import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';

import { parseArgs } from '../args.js';
import { renderBenchCharts } from '../bench/bench-charts.js';
import { formatBenchReport } from '../bench/format-bench-report.js';
import { BENCH_PARTS, FULL_PLAN, QUICK_PLAN, runBench } from '../bench/run-bench.js';
import type { BenchPart } from '../bench/run-bench.js';
import { UsageError } from '../errors.js';
import type { CommandIo } from '../io.js';
import { untilSignal } from '../signals.js';

const USAGE = `usage: ddb-athena-sync bench [--json <file>] [--quick] [--only <parts>] [--charts <dir>]

Measures, one part after the other, and prints the numbers (nothing is asserted):
  stream-writer  change records per CPU-second for decode + map + gzip NDJSON (stageStreamBatch on
                 synthetic books records) against JSON.parse + JSON.stringify + gzip of the same bytes
  merge          10,000 changes merged into 100,000- and 1,000,000-row tables (bucket(16, id)),
                 optimize, full scans before and after (packages/local-lake/scripts/bench.ts)
  end-to-end     lag percentiles of a 2-minute demo run at a 5 s merge interval, and a stepped ramp
                 of change rates: the highest the local stack sustains without its backlog growing

  --json <file>   also write the results as JSON
  --quick         shorter version of every part (a smoke run)
  --only <parts>  comma-separated subset of: ${BENCH_PARTS.join(', ')}
  --charts <dir>  write SVG charts of the results into <dir>
`;

function parseParts(value: string | number | boolean | undefined): BenchPart[] {
  if (value === undefined) return [...BENCH_PARTS];
  if (typeof value !== 'string') throw new UsageError('--only needs a list of parts');
  const parts = value.split(',').map((p) => p.trim());
  for (const p of parts) {
    if (!(BENCH_PARTS as readonly string[]).includes(p))
      throw new UsageError(`--only: unknown part "${p}"; parts: ${BENCH_PARTS.join(', ')}`);
  }
  return parts as BenchPart[];
}

export async function run(args: string[], io: CommandIo): Promise<number> {
  const { flags, positionals } = parseArgs(args, {
    json: { type: 'string' },
    quick: { type: 'boolean' },
    only: { type: 'string' },
    charts: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (flags.help === true) {
    io.stdout(USAGE);
    return 0;
  }
  if (positionals.length > 0)
    throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}\n\n${USAGE}`);
  const parts = parseParts(flags.only);
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
      const path = resolve(flags.json);
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, `${JSON.stringify(report, null, 2)}\n`);
      io.stdout(`json: ${flags.json}\n`);
    }
    if (typeof flags.charts === 'string') {
      const dir = resolve(flags.charts);
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
