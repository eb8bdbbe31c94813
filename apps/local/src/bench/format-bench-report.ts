import type { BenchReport } from './run-bench.js';

const n = (x: number): string => Math.round(x).toLocaleString('en-US');
const s = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;

/** The report as the lines `pnpm bench` prints. */
export function formatBenchReport(report: BenchReport): string {
  const m = report.machine;
  const lines = [
    '',
    `ddb-athena-sync bench${report.quick ? ' --quick' : ''}, ${report.date}`,
    `machine: ${m.cpus} x ${m.model}, ${(m.memoryBytes / 2 ** 30).toFixed(1)} GiB, node ${m.node}, ${m.platform}; load average at start ${m.loadAverage.join(' ')}`,
  ];
  const sw = report.streamWriter;
  if (sw !== undefined) {
    lines.push(
      '',
      'stream-writer (records per CPU-second, one core)',
      `  decode + map + gzip NDJSON   ${n(sw.recordsPerSec).padStart(9)}  (wall clock ${n(sw.wallRecordsPerSec)}/s)`,
      `  raw parse+stringify+gzip     ${n(sw.rawRecordsPerSec).padStart(9)}  (wall clock ${n(sw.rawWallRecordsPerSec)}/s)`,
      `  ratio                        ${sw.ratio.toFixed(2).padStart(9)}  (median of ${sw.rounds} alternating rounds of ${sw.roundMs} ms CPU)`,
      `  ${n(sw.records)} records in ${sw.batches} batches of ${sw.batchSizes.join('/')}; ${sw.eventBytesPerRecord} event bytes/record -> ${sw.stagedBytesPerRecord} gzip bytes staged (raw ${sw.rawBytesPerRecord})`,
    );
  }
  const mg = report.merge;
  if (mg !== undefined) {
    lines.push(
      '',
      'local merge (10,000 changes, bucket(16, id))',
      '       rows       load      merge   scan before    optimize   scan after',
    );
    for (const [i, t] of mg.tables.entries()) {
      const warmUp = mg.tables.slice(i + 1).some((later) => later.rows === t.rows)
        ? '  (first run: includes warm-up)'
        : '';
      lines.push(
        `  ${n(t.rows).padStart(9)} ${s(t.loadMs).padStart(10)} ${s(t.mergeMs).padStart(10)} ${s(t.scanBeforeOptimizeMs).padStart(13)} ${s(t.optimizeMs).padStart(11)} ${s(t.scanAfterOptimizeMs).padStart(12)}${warmUp}`,
      );
    }
  }
  const e2e = report.endToEnd;
  if (e2e !== undefined) {
    lines.push('', `end to end (merge interval ${e2e.mergeIntervalMs / 1000} s)`);
    lines.push(
      `  lag run ${e2e.lagRun.durationMs / 1000} s at ${e2e.lagRun.ratePerSecPerTable} writes/s per table, ${e2e.lagRun.readers} readers, ${e2e.lagRun.merges} merges${e2e.lagRun.ok ? '' : ' (NOT converged)'}`,
    );
    for (const t of e2e.lagRun.tables) {
      lines.push(
        `    ${t.table.padEnd(7)} ${t.mode.padEnd(8)} ${String(t.changes).padStart(6)} changes  lag p50 ${t.p50} ms, p95 ${t.p95} ms, p99 ${t.p99} ms, max ${t.max} ms`,
      );
    }
    lines.push(
      `  ramp (${e2e.ramp.stepMs / 1000} s steps): highest sustained ${n(e2e.maxSustainedChangesPerSec)} changes/s`,
    );
    for (const step of e2e.ramp.steps) {
      lines.push(
        `    ${String(step.targetPerSec).padStart(5)}/s -> ${String(step.achievedPerSec).padStart(5)}/s  stream backlog ${step.streamBacklogEnd}, staged max ${step.stagedObjectsMaxLateHalf}, oldest ${s(step.oldestStagedAgeMaxLateHalfMs)}, ${step.merges} merges  ${step.sustained ? 'sustained' : `NOT sustained: ${step.reasons.join('; ')}`}`,
      );
    }
  }
  const loads = Object.entries(report.load);
  if (loads.length > 0) {
    lines.push('', 'load average (1/5/15 min) before -> after each part');
    for (const [part, l] of loads)
      lines.push(`  ${part.padEnd(14)} ${l.before.join(' ')} -> ${l.after.join(' ')}  (${s(l.wallMs)})`);
  }
  return `${lines.join('\n')}\n`;
}
