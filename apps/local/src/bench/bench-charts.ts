import type { TopLevelSpec } from 'vega-lite';

import { CHART_CONFIG, renderVegaLiteSvg } from '../vega-svg.js';
import type { BenchReport } from './run-bench.js';

/*
 * The charts docs/BENCHMARKS.md shows, as Vega-Lite specs rendered to SVG (../vega-svg.ts). Each
 * spec's data are rows built from the report's measured fields only; every colour has a legend entry
 * (no text drawn over a line), every chart has titled axes, and the ramp shows the target and the
 * achieved rate as two series.
 */

const BLUE = '#2b6cb0';
const GREY = '#718096';
const ORANGE = '#dd6b20';
const GREEN = '#2f855a';
const RED = '#c53030';
const PURPLE = '#6b46c1';
const TEAL = '#2c7a7b';
const PLUM = '#97266d';

const WIDTH = 460;
/** A bar at least this fraction of the longest one holds its value inside (about 60 px). */
const INSIDE_FRACTION = 0.15;

function stamp(report: BenchReport): string {
  const m = report.machine;
  return `${report.date.slice(0, 10)}, ${m.cpus} x ${m.model}, node ${m.node}, load ${m.loadAverage[0] ?? '?'}`;
}

/** One bar of a grouped horizontal bar chart: `group` is a row of the y axis, `series` a colour. */
export interface BarRow {
  readonly group: string;
  readonly series: string;
  readonly value: number;
}

interface GroupedBarsOptions {
  readonly title: string;
  readonly subtitle: string;
  readonly valueTitle: string;
  readonly groupTitle: string;
  readonly seriesTitle: string;
  readonly series: readonly { readonly name: string; readonly color: string }[];
  readonly rows: readonly BarRow[];
  /** A vertical reference line, named in its own legend (e.g. the merge interval). */
  readonly rule?: { readonly value: number; readonly label: string };
}

/**
 * Horizontal bars grouped by `group` (y) and coloured by `series`, the value printed at the end of
 * each bar (beside it, never over another mark). https://vega.github.io/vega-lite/docs/offset.html
 */
function groupedBars(o: GroupedBarsOptions): TopLevelSpec {
  const groups = [...new Set(o.rows.map((r) => r.group))];
  const names = o.series.map((s) => s.name);
  const y = { field: 'group', type: 'nominal', sort: groups, title: o.groupTitle } as const;
  const yOffset = { field: 'series', type: 'nominal', sort: names } as const;
  const x = { field: 'value', type: 'quantitative', title: o.valueTitle } as const;
  type Layer = NonNullable<Extract<TopLevelSpec, { layer: unknown }>['layer']>[number];
  const layers: Layer[] = [];
  // The reference line is drawn first, under the bars: it never crosses a value printed inside one.
  if (o.rule !== undefined) {
    layers.push({
      data: { values: [{ value: o.rule.value, rule: o.rule.label }] },
      mark: { type: 'rule', color: RED, strokeWidth: 1.5 },
      encoding: {
        x: { field: 'value', type: 'quantitative' },
        strokeDash: {
          field: 'rule',
          type: 'nominal',
          title: 'reference',
          scale: { range: [[6, 4]] },
          legend: { orient: 'bottom', symbolStrokeColor: RED },
        },
      },
    });
  }
  layers.push({
    mark: { type: 'bar' },
    encoding: {
      y,
      yOffset,
      x,
      color: {
        field: 'series',
        type: 'nominal',
        title: o.seriesTitle,
        scale: { domain: names, range: o.series.map((s) => s.color) },
        legend: { orient: 'bottom', direction: 'vertical' },
      },
    },
  });
  // Each value is printed inside its bar (white, at the end) when the bar is long enough to hold it,
  // beside it otherwise: text never sits on another bar or on the reference line's visible part.
  for (const inside of [true, false]) {
    layers.push({
      transform: [
        { joinaggregate: [{ op: 'max', field: 'value', as: 'longest' }] },
        { filter: `${inside ? '' : '!'}(datum.value >= ${INSIDE_FRACTION} * datum.longest)` },
      ],
      mark: {
        type: 'text',
        align: inside ? 'right' : 'left',
        dx: inside ? -4 : 4,
        fontSize: 10,
        color: inside ? 'white' : '#2d3748',
      },
      encoding: { y, yOffset, x, text: { field: 'value', type: 'quantitative', format: ',.0f' } },
    });
  }
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: o.title, subtitle: o.subtitle },
    width: WIDTH,
    config: CHART_CONFIG,
    data: { values: o.rows.map((r) => ({ ...r })) },
    resolve: { scale: { strokeDash: 'independent' } },
    layer: layers,
  };
}

/** What a merge bench table size is called on the chart (`100k rows`, `1M rows`). */
function rowsLabel(rows: number): string {
  return rows >= 1e6 ? `${rows / 1e6}M rows` : `${rows / 1e3}k rows`;
}

/** The Vega-Lite specs of the charts docs/BENCHMARKS.md shows, by file name, for the report's parts. */
export function benchChartSpecs(report: BenchReport): Record<string, TopLevelSpec> {
  const specs: Record<string, TopLevelSpec> = {};
  const sw = report.streamWriter;
  if (sw !== undefined) {
    const raw = 'raw: JSON.parse + stringify + gzip';
    const writer = 'stream-writer: decode + map + gzip';
    specs['bench-stream-writer.svg'] = groupedBars({
      title: `Stream-writer: ${sw.ratio.toFixed(2)} of the raw JSON + gzip limit`,
      subtitle: stamp(report),
      valueTitle: 'change records (one core)',
      groupTitle: 'rate per',
      seriesTitle: 'pipeline',
      series: [
        { name: raw, color: GREY },
        { name: writer, color: BLUE },
      ],
      rows: [
        { group: 'CPU-second', series: raw, value: sw.rawRecordsPerSec },
        { group: 'CPU-second', series: writer, value: sw.recordsPerSec },
        { group: 'wall-clock second', series: raw, value: sw.rawWallRecordsPerSec },
        { group: 'wall-clock second', series: writer, value: sw.wallRecordsPerSec },
      ],
    });
  }
  const mg = report.merge;
  if (mg !== undefined) {
    const ops = {
      merge: 'merge 10k changes',
      optimize: 'optimize',
      before: 'full scan before optimize',
      after: 'full scan after optimize',
    };
    const rows: BarRow[] = [];
    for (const [i, t] of mg.tables.entries()) {
      // Only the last run of a size is charted; earlier ones are warm-up runs.
      if (mg.tables.slice(i + 1).some((later) => later.rows === t.rows)) continue;
      const group = rowsLabel(t.rows);
      rows.push(
        { group, series: ops.merge, value: t.mergeMs },
        { group, series: ops.optimize, value: t.optimizeMs },
        { group, series: ops.before, value: t.scanBeforeOptimizeMs },
        { group, series: ops.after, value: t.scanAfterOptimizeMs },
      );
    }
    specs['bench-merge.svg'] = groupedBars({
      title: 'Local lake: merge, optimize, full scan',
      subtitle: `bucket(16, id); ${stamp(report)}`,
      valueTitle: 'milliseconds',
      groupTitle: 'table size',
      seriesTitle: 'operation',
      series: [
        { name: ops.merge, color: BLUE },
        { name: ops.optimize, color: ORANGE },
        { name: ops.before, color: GREY },
        { name: ops.after, color: GREEN },
      ],
      rows,
    });
  }
  const e2e = report.endToEnd;
  if (e2e !== undefined) {
    const stats = ['p50', 'p95', 'p99', 'max'] as const;
    specs['bench-lag.svg'] = groupedBars({
      title: 'End-to-end lag: DynamoDB write -> visible in the lake',
      subtitle: `${e2e.lagRun.durationMs / 1000} s demo run, ${e2e.lagRun.ratePerSecPerTable} writes/s per table; ${stamp(report)}`,
      valueTitle: 'lag (ms)',
      groupTitle: 'table (mode)',
      seriesTitle: 'percentile',
      series: [
        { name: 'p50', color: TEAL },
        { name: 'p95', color: BLUE },
        { name: 'p99', color: PURPLE },
        { name: 'max', color: PLUM },
      ],
      rows: e2e.lagRun.tables.flatMap((t) =>
        stats.map((p) => ({ group: `${t.table} (${t.mode})`, series: p, value: t[p] })),
      ),
      rule: { value: e2e.mergeIntervalMs, label: `merge interval (${e2e.mergeIntervalMs / 1000} s)` },
    });
    specs['bench-ramp.svg'] = rampSpec(report);
  }
  return specs;
}

/** One point of the ramp chart: a step's target or achieved rate. */
export interface RampRow {
  readonly step: number;
  readonly series: 'target' | 'achieved';
  readonly rate: number;
  readonly sustained: 'sustained' | 'backlog grew';
}

/** The ramp's rows: for every step its target and its achieved rate, two series on one axis. */
export function rampRows(report: BenchReport): RampRow[] {
  return (report.endToEnd?.ramp.steps ?? []).flatMap((s, i) => {
    const sustained = s.sustained ? 'sustained' : 'backlog grew';
    return [
      { step: i + 1, series: 'target', rate: s.targetPerSec, sustained },
      { step: i + 1, series: 'achieved', rate: s.achievedPerSec, sustained },
    ] as const;
  });
}

function rampSpec(report: BenchReport): TopLevelSpec {
  const e2e = report.endToEnd!;
  const x = {
    field: 'step',
    type: 'quantitative',
    title: `ramp step (${e2e.ramp.stepMs / 1000} s each)`,
    axis: { tickMinStep: 1, format: 'd' },
    scale: { domain: [0.5, Math.max(1, e2e.ramp.steps.length) + 0.5] as number[], nice: false },
  } as const;
  const y = { field: 'rate', type: 'quantitative', title: 'changes per second' } as const;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: {
      text: `Change-rate ramp: ${e2e.maxSustainedChangesPerSec.toLocaleString('en-US')} changes/s sustained`,
      subtitle: stamp(report),
    },
    width: WIDTH,
    height: 260,
    config: CHART_CONFIG,
    data: { values: rampRows(report).map((r) => ({ ...r })) },
    layer: [
      // Achieved first, target on top of it as a thin dashed line: where the two are equal the
      // dashes run along the achieved line instead of hiding under it.
      ...(['achieved', 'target'] as const).map((series) => ({
        transform: [{ filter: { field: 'series', equal: series } }],
        mark: {
          type: 'line' as const,
          strokeWidth: series === 'target' ? 1.5 : 2.5,
          strokeDash: series === 'target' ? [6, 4] : [1, 0],
        },
        encoding: {
          x,
          y,
          color: {
            field: 'series',
            type: 'nominal' as const,
            title: 'rate',
            scale: { domain: ['target', 'achieved'], range: [GREY, BLUE] },
            legend: { orient: 'bottom' as const },
          },
        },
      })),
      {
        transform: [{ filter: { field: 'series', equal: 'achieved' } }],
        mark: { type: 'point', filled: true, size: 60 },
        encoding: {
          x,
          y,
          shape: {
            field: 'sustained',
            type: 'nominal',
            title: 'step',
            scale: { domain: ['sustained', 'backlog grew'], range: ['circle', 'cross'] },
            legend: { orient: 'bottom' },
          },
          // Same field and title as `shape`: Vega-Lite merges the two into one legend.
          fill: {
            field: 'sustained',
            type: 'nominal',
            title: 'step',
            scale: { domain: ['sustained', 'backlog grew'], range: [GREEN, RED] },
            legend: { orient: 'bottom' },
          },
        },
      },
    ],
  };
}

/** The charts docs/BENCHMARKS.md shows, by file name, as SVG documents. */
export async function renderBenchCharts(report: BenchReport): Promise<Record<string, string>> {
  const charts: Record<string, string> = {};
  for (const [name, spec] of Object.entries(benchChartSpecs(report)))
    charts[name] = await renderVegaLiteSvg(spec);
  return charts;
}
