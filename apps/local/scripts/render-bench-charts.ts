// Renders the charts of docs/BENCHMARKS.md from a saved `pnpm bench --json` report, without running
// the bench again (e.g. after a change of the chart specs):
//   pnpm exec tsx apps/local/scripts/render-bench-charts.ts docs/img/bench.json docs/img
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';

import { renderBenchCharts } from '../src/bench/bench-charts.js';
import type { BenchReport } from '../src/bench/run-bench.js';

const [reportPath, outDir] = process.argv.slice(2);
if (reportPath === undefined || outDir === undefined) {
  process.stderr.write('usage: render-bench-charts.ts <bench report .json> <output directory>\n');
  process.exit(2);
}
const report = JSON.parse(await readFile(resolve(reportPath), 'utf8')) as BenchReport;
if (typeof report.date !== 'string' || typeof report.machine !== 'object') {
  process.stderr.write(`${reportPath}: not a bench report (no date or machine)\n`);
  process.exit(2);
}
await mkdir(resolve(outDir), { recursive: true });
for (const [name, svg] of Object.entries(await renderBenchCharts(report))) {
  await writeFile(join(resolve(outDir), name), svg);
  process.stdout.write(`chart: ${join(outDir, name)}\n`);
}
