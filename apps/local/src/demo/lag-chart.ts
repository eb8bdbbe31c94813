import type { TopLevelSpec } from 'vega-lite';

import { CHART_CONFIG, renderVegaLiteSvg } from '../vega-svg.js';
import type { LagSample } from './lag-tracker.js';

export interface LagChartOptions {
  readonly samples: readonly LagSample[];
  /** Epoch ms of the start of the run (x = 0). */
  readonly startedAt: number;
  readonly mergeIntervalMs: number;
  /** Horizontal reference line (e.g. merge interval + 3 s). */
  readonly budgetMs?: number;
  /** Width and height of the plot area in pixels (axes, title and legend come on top). */
  readonly width?: number;
  readonly height?: number;
  readonly title?: string;
}

const COLORS: Record<string, string> = { books: '#1f77b4', orders: '#ff7f0e' };
const FALLBACK = ['#2ca02c', '#d62728', '#9467bd', '#8c564b'];

/** One dot of the chart: a change, when it was written and how long it took to become visible. */
export interface LagPoint {
  /** The table and its change count, as the legend names it (`books (1,042 changes)`). */
  readonly series: string;
  /** Seconds from the start of the run to the write. */
  readonly writtenSec: number;
  readonly lagSec: number;
}

function seriesName(table: string, changes: number): string {
  return `${table} (${changes.toLocaleString('en-US')} ${changes === 1 ? 'change' : 'changes'})`;
}

/** The chart's points: every sample, in seconds, named by its table. */
export function lagPoints(options: LagChartOptions): LagPoint[] {
  const counts = new Map<string, number>();
  for (const s of options.samples) counts.set(s.table, (counts.get(s.table) ?? 0) + 1);
  return options.samples.map((s) => ({
    series: seriesName(s.table, counts.get(s.table)!),
    writtenSec: (s.writtenAt - options.startedAt) / 1000,
    lagSec: s.lagMs / 1000,
  }));
}

const trimmed = (sec: number): string => `${Number(sec.toFixed(2))} s`;

/**
 * Lag over time as a Vega-Lite spec: one dot per change (x = when it was written, seconds since the
 * start; y = lag in seconds), one colour per table named in the legend with its change count, the
 * lag budget as a dashed line named in a second legend (no text drawn over the dots).
 */
export function lagChartSpec(options: LagChartOptions): TopLevelSpec {
  const points = lagPoints(options);
  const tables = [...new Set(options.samples.map((s) => s.table))].sort();
  const counts = tables.map((t) => options.samples.filter((s) => s.table === t).length);
  const domain = tables.map((t, i) => seriesName(t, counts[i]!));
  const range = tables.map((t, i) => COLORS[t] ?? FALLBACK[i % FALLBACK.length]!);
  const layers: NonNullable<Extract<TopLevelSpec, { layer: unknown }>['layer']> = [
    {
      // A demo run has thousands of dots: no per-dot ARIA description (it would triple the file).
      mark: { type: 'circle', size: 12, opacity: 0.6, aria: false },
      encoding: {
        x: {
          field: 'writtenSec',
          type: 'quantitative',
          title: 'write time (s since start)',
          scale: { domainMin: 0 },
        },
        y: { field: 'lagSec', type: 'quantitative', title: 'lag (s)', scale: { domainMin: 0 } },
        color: {
          field: 'series',
          type: 'nominal',
          title: 'table',
          scale: { domain, range },
          legend: { orient: 'bottom' },
        },
      },
    },
  ];
  if (options.budgetMs !== undefined) {
    layers.push({
      data: {
        values: [{ lagSec: options.budgetMs / 1000, line: `lag budget ${trimmed(options.budgetMs / 1000)}` }],
      },
      mark: { type: 'rule', color: '#c00', strokeWidth: 1.5 },
      encoding: {
        y: { field: 'lagSec', type: 'quantitative' },
        strokeDash: {
          field: 'line',
          type: 'nominal',
          title: 'reference',
          scale: { range: [[6, 4]] },
          legend: { orient: 'bottom', symbolStrokeColor: '#c00' },
        },
      },
    });
  }
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: {
      text: options.title ?? 'Lag from DynamoDB write to lake visibility',
      subtitle: `${options.samples.length.toLocaleString('en-US')} changes; merge interval ${trimmed(options.mergeIntervalMs / 1000)}`,
    },
    width: options.width ?? 760,
    height: options.height ?? 320,
    config: CHART_CONFIG,
    data: { values: points.map((p) => ({ ...p })) },
    layer: layers,
  };
}

/** The lag chart as a standalone SVG document. */
export async function renderLagChart(options: LagChartOptions): Promise<string> {
  return renderVegaLiteSvg(lagChartSpec(options));
}
