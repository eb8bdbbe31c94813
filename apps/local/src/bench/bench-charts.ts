import type { BenchReport } from './run-bench.js';

export interface Bar {
  readonly label: string;
  readonly value: number;
  /** Text at the end of the bar (default: the value). */
  readonly text?: string;
  readonly color?: string;
}

export interface BarChart {
  readonly title: string;
  readonly subtitle?: string;
  readonly unit: string;
  readonly bars: readonly Bar[];
  /** A vertical reference line (e.g. the merge interval on the lag chart). */
  readonly marker?: { readonly value: number; readonly label: string };
}

const BLUE = '#2b6cb0';
const GREY = '#a0aec0';
const ORANGE = '#dd6b20';
const GREEN = '#2f855a';
const RED = '#c53030';

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const fmt = (v: number): string =>
  v >= 100 ? Math.round(v).toLocaleString('en-US') : Number(v.toPrecision(3)).toString();

/** A horizontal bar chart as a standalone SVG document (no fonts or scripts to load). */
export function renderBarChart(chart: BarChart): string {
  const width = 760;
  const labelWidth = 250;
  const barArea = width - labelWidth - 110;
  const rowHeight = 26;
  const top = chart.subtitle === undefined ? 48 : 66;
  const height = top + chart.bars.length * rowHeight + 40;
  const max = Math.max(1e-9, ...chart.bars.map((b) => b.value), chart.marker?.value ?? 0);
  const x = (v: number): number => labelWidth + (v / max) * barArea;
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="13">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="16" y="26" font-size="16" font-weight="bold">${escapeXml(chart.title)}</text>`,
  ];
  if (chart.subtitle !== undefined)
    out.push(`<text x="16" y="46" fill="#4a5568">${escapeXml(chart.subtitle)}</text>`);
  chart.bars.forEach((b, i) => {
    const y = top + i * rowHeight;
    out.push(
      `<text x="${labelWidth - 8}" y="${y + 16}" text-anchor="end">${escapeXml(b.label)}</text>`,
      `<rect x="${labelWidth}" y="${y + 3}" width="${Math.max(1, x(b.value) - labelWidth).toFixed(1)}" height="${rowHeight - 8}" fill="${b.color ?? BLUE}"/>`,
      `<text x="${(x(b.value) + 6).toFixed(1)}" y="${y + 16}">${escapeXml(b.text ?? `${fmt(b.value)} ${chart.unit}`)}</text>`,
    );
  });
  const axisY = top + chart.bars.length * rowHeight + 4;
  out.push(`<line x1="${labelWidth}" y1="${top}" x2="${labelWidth}" y2="${axisY}" stroke="#2d3748"/>`);
  if (chart.marker !== undefined) {
    const mx = x(chart.marker.value).toFixed(1);
    out.push(
      `<line x1="${mx}" y1="${top - 4}" x2="${mx}" y2="${axisY}" stroke="${RED}" stroke-dasharray="4 3"/>`,
      `<text x="${mx}" y="${axisY + 18}" text-anchor="middle" fill="${RED}">${escapeXml(chart.marker.label)}</text>`,
    );
  }
  out.push('</svg>', '');
  return out.join('\n');
}

function stamp(report: BenchReport): string {
  const m = report.machine;
  return `${report.date.slice(0, 10)}, ${m.cpus} x ${m.model}, node ${m.node}, load ${m.loadAverage[0] ?? '?'}`;
}

/** The charts docs/BENCHMARKS.md shows, by file name, for the parts the report has. */
export function renderBenchCharts(report: BenchReport): Record<string, string> {
  const charts: Record<string, string> = {};
  const sw = report.streamWriter;
  if (sw !== undefined) {
    charts['bench-stream-writer.svg'] = renderBarChart({
      title: `Stream-writer: ${sw.ratio.toFixed(2)} of the raw JSON + gzip limit`,
      subtitle: `change records per second, one core (CPU time); ${stamp(report)}`,
      unit: 'records/s',
      bars: [
        { label: 'raw: parse + stringify + gzip', value: sw.rawRecordsPerSec, color: GREY },
        { label: 'stream-writer: decode + map + gzip', value: sw.recordsPerSec, color: BLUE },
        { label: 'raw, wall clock', value: sw.rawWallRecordsPerSec, color: GREY },
        { label: 'stream-writer, wall clock', value: sw.wallRecordsPerSec, color: BLUE },
      ],
    });
  }
  const mg = report.merge;
  if (mg !== undefined) {
    const bars: Bar[] = [];
    for (const [i, t] of mg.tables.entries()) {
      // Only the last run of a size is charted; earlier ones are warm-up runs.
      if (mg.tables.slice(i + 1).some((later) => later.rows === t.rows)) continue;
      const rows = t.rows >= 1e6 ? `${t.rows / 1e6}M` : `${t.rows / 1e3}k`;
      bars.push(
        { label: `${rows} rows: merge 10k changes`, value: t.mergeMs, color: BLUE },
        { label: `${rows} rows: optimize`, value: t.optimizeMs, color: ORANGE },
        { label: `${rows} rows: scan before optimize`, value: t.scanBeforeOptimizeMs, color: GREY },
        { label: `${rows} rows: scan after optimize`, value: t.scanAfterOptimizeMs, color: GREEN },
      );
    }
    charts['bench-merge.svg'] = renderBarChart({
      title: 'Local lake: merge, optimize, full scan',
      subtitle: `milliseconds, bucket(16, id); ${stamp(report)}`,
      unit: 'ms',
      bars,
    });
  }
  const e2e = report.endToEnd;
  if (e2e !== undefined) {
    const bars: Bar[] = [];
    for (const t of e2e.lagRun.tables) {
      const color = t.mode === 'merge' ? BLUE : ORANGE;
      for (const [p, v] of [
        ['p50', t.p50],
        ['p95', t.p95],
        ['p99', t.p99],
        ['max', t.max],
      ] as const)
        bars.push({ label: `${t.table} (${t.mode}) ${p}`, value: v, color });
    }
    charts['bench-lag.svg'] = renderBarChart({
      title: 'End-to-end lag: DynamoDB write -> visible in the lake',
      subtitle: `${e2e.lagRun.durationMs / 1000} s demo run, ${e2e.lagRun.ratePerSecPerTable} writes/s per table; ${stamp(report)}`,
      unit: 'ms',
      bars,
      marker: { value: e2e.mergeIntervalMs, label: `merge interval ${e2e.mergeIntervalMs / 1000} s` },
    });
    charts['bench-ramp.svg'] = renderBarChart({
      title: `Change-rate ramp: ${e2e.maxSustainedChangesPerSec.toLocaleString('en-US')} changes/s sustained`,
      subtitle: `achieved rate per ${e2e.ramp.stepMs / 1000} s step (green: sustained, red: backlog grew); ${stamp(report)}`,
      unit: 'changes/s',
      bars: e2e.ramp.steps.map((s) => ({
        label: `target ${s.targetPerSec}/s`,
        value: s.achievedPerSec,
        color: s.sustained ? GREEN : RED,
        text: `${s.achievedPerSec}/s${s.sustained ? '' : ' (not sustained)'}`,
      })),
    });
  }
  return charts;
}
