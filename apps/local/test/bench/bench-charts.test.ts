import fc from 'fast-check';
import { describe, expect, test } from 'vitest';

import { benchChartSpecs, rampRows, renderBenchCharts } from '../../src/bench/bench-charts.js';
import type { BenchReport } from '../../src/bench/run-bench.js';
import type { MergeTableResult } from '../../src/bench/merge-bench.js';
import type { RampStep } from '../../src/bench/change-ramp.js';
import { markLabels, parseSvg, textsOf } from '../svg-tree.js';

const positive = fc.integer({ min: 1, max: 5_000_000 });

const rampStep = fc.record({
  target: fc.integer({ min: 1, max: 20_000 }),
  achieved: positive,
  sustained: fc.boolean(),
});

const mergeRun = fc.record({
  rows: fc.constantFrom(100_000, 1_000_000),
  mergeMs: positive,
  optimizeMs: positive,
  scanBeforeOptimizeMs: positive,
  scanAfterOptimizeMs: positive,
});

const reportArb = fc.record({
  sw: fc.record({ cpu: positive, raw: positive, wall: positive, rawWall: positive }),
  merge: fc.array(mergeRun, { minLength: 1, maxLength: 4 }),
  lag: fc.record({ p50: positive, p95: positive, p99: positive, max: positive }),
  mergeIntervalMs: fc.integer({ min: 1000, max: 60_000 }),
  ramp: fc.array(rampStep, { minLength: 1, maxLength: 12 }),
});

type ReportInput = typeof reportArb extends fc.Arbitrary<infer T> ? T : never;

/** A bench report holding the given measurements (the shape run-bench.ts writes). */
function report(m: ReportInput): BenchReport {
  const steps: RampStep[] = m.ramp.map((s) => ({
    targetPerSec: s.target,
    achievedPerSec: s.achieved,
    streamBacklogEnd: 0,
    stagedObjectsEnd: 0,
    stagedObjectsMaxLateHalf: 0,
    oldestStagedAgeMaxLateHalfMs: 0,
    merges: 1,
    sustained: s.sustained,
    reasons: [],
  }));
  const tables: MergeTableResult[] = m.merge.map((t) => ({
    ...t,
    loadMs: 1,
    inserted: 2000,
    updated: 7000,
    deleted: 1000,
  }));
  return {
    date: '2026-12-01T23:00:00.000Z',
    quick: true,
    machine: {
      cpus: 2,
      model: 'test cpu',
      memoryBytes: 1,
      node: 'v20.0.0',
      platform: 'linux',
      loadAverage: [0.5],
    },
    load: {},
    streamWriter: {
      recordsPerSec: m.sw.cpu,
      rawRecordsPerSec: m.sw.raw,
      ratio: m.sw.cpu / m.sw.raw,
      wallRecordsPerSec: m.sw.wall,
      rawWallRecordsPerSec: m.sw.rawWall,
      records: 1,
      batches: 1,
      batchSizes: [1],
      eventBytesPerRecord: 1,
      stagedBytesPerRecord: 1,
      rawBytesPerRecord: 1,
      rounds: 1,
      roundMs: 1,
    },
    merge: { ms100k: null, ms1m: null, tables, script: 'bench.ts' },
    endToEnd: {
      lagP50Ms: m.lag.p50,
      lagP95Ms: m.lag.p95,
      lagP99Ms: m.lag.p99,
      lagMaxMs: m.lag.max,
      maxSustainedChangesPerSec: Math.max(
        0,
        ...steps.filter((s) => s.sustained).map((s) => s.achievedPerSec),
      ),
      mergeIntervalMs: m.mergeIntervalMs,
      lagRun: {
        durationMs: 10_000,
        ratePerSecPerTable: 1,
        readers: 0,
        ok: true,
        merges: 1,
        tables: [
          { table: 'books', mode: 'merge', changes: 10, ...m.lag, converged: true },
          {
            table: 'orders',
            mode: 'firehose',
            changes: 9,
            p50: 11,
            p95: 12,
            p99: 13,
            max: 14,
            converged: true,
          },
        ],
      },
      ramp: { steps, maxSustainedChangesPerSec: 0, criteria: 'test', stepMs: 30_000 },
    },
  };
}

const SMALL: ReportInput = {
  sw: { cpu: 27_050, raw: 30_730, wall: 18_591, rawWall: 20_757 },
  merge: [
    { rows: 100_000, mergeMs: 730, optimizeMs: 617, scanBeforeOptimizeMs: 39, scanAfterOptimizeMs: 34 },
    { rows: 100_000, mergeMs: 502, optimizeMs: 501, scanBeforeOptimizeMs: 127, scanAfterOptimizeMs: 35 },
    { rows: 1_000_000, mergeMs: 528, optimizeMs: 1819, scanBeforeOptimizeMs: 123, scanAfterOptimizeMs: 58 },
  ],
  lag: { p50: 4886, p95: 8699, p99: 11_178, max: 11_676 },
  mergeIntervalMs: 5000,
  ramp: [
    { target: 100, achieved: 100, sustained: true },
    { target: 800, achieved: 799, sustained: true },
    { target: 1600, achieved: 1074, sustained: false },
  ],
};

type Values = readonly Record<string, unknown>[];
const dataOf = (spec: unknown): Values => (spec as { data: { values: Values } }).data.values;

describe('bench chart specs (the data are the report’s measured values)', () => {
  test('ramp: every step gives one target and one achieved point, from the report', () => {
    fc.assert(
      fc.property(reportArb, (m) => {
        // Arrange
        const r = report(m);

        // Act
        const rows = rampRows(r);

        // Assert
        expect(rows.filter((p) => p.series === 'target').map((p) => [p.step, p.rate])).toEqual(
          m.ramp.map((s, i) => [i + 1, s.target]),
        );
        expect(rows.filter((p) => p.series === 'achieved').map((p) => [p.step, p.rate])).toEqual(
          m.ramp.map((s, i) => [i + 1, s.achieved]),
        );
        expect(rows.filter((p) => p.sustained === 'sustained').length).toBe(
          2 * m.ramp.filter((s) => s.sustained).length,
        );
        expect(dataOf(benchChartSpecs(r)['bench-ramp.svg'])).toEqual(rows);
      }),
    );
  });

  test('bars: stream-writer, merge (last run of each size) and lag values are the measured fields', () => {
    fc.assert(
      fc.property(reportArb, (m) => {
        const specs = benchChartSpecs(report(m));
        const values = (name: string): number[] => dataOf(specs[name]).map((d) => d.value as number);

        expect(values('bench-stream-writer.svg')).toEqual([m.sw.raw, m.sw.cpu, m.sw.rawWall, m.sw.wall]);
        const lastOfSize = m.merge.filter((t, i) => !m.merge.slice(i + 1).some((l) => l.rows === t.rows));
        expect(values('bench-merge.svg')).toEqual(
          lastOfSize.flatMap((t) => [t.mergeMs, t.optimizeMs, t.scanBeforeOptimizeMs, t.scanAfterOptimizeMs]),
        );
        expect(values('bench-lag.svg')).toEqual([m.lag.p50, m.lag.p95, m.lag.p99, m.lag.max, 11, 12, 13, 14]);
      }),
    );
  });

  test('only the parts the report has are charted', () => {
    const { merge: _m, endToEnd: _e, ...swOnly } = report(SMALL);
    expect(Object.keys(benchChartSpecs(swOnly))).toEqual(['bench-stream-writer.svg']);
    expect(Object.keys(benchChartSpecs(report(SMALL)))).toEqual([
      'bench-stream-writer.svg',
      'bench-merge.svg',
      'bench-lag.svg',
      'bench-ramp.svg',
    ]);
  });
});

describe('bench charts as SVG (rendered by Vega)', () => {
  test('every chart is well-formed SVG with a title and titled axes; output is stable', async () => {
    // Arrange / act
    const charts = await renderBenchCharts(report(SMALL));
    const again = await renderBenchCharts(report(SMALL));

    // Assert
    expect(again).toEqual(charts);
    const axisTitles: Record<string, string[]> = {
      'bench-stream-writer.svg': ['change records (one core)', 'rate per'],
      'bench-merge.svg': ['milliseconds', 'table size'],
      'bench-lag.svg': ['lag (ms)', 'table (mode)'],
      'bench-ramp.svg': ['ramp step (30 s each)', 'changes per second'],
    };
    for (const [name, svg] of Object.entries(charts)) {
      const doc = parseSvg(svg);
      expect(doc[0]?.tag, name).toBe('svg');
      expect(doc[0]?.attrs.xmlns, name).toBe('http://www.w3.org/2000/svg');
      expect(textsOf(doc, 'role-axis-title').sort(), name).toEqual([...axisTitles[name]!].sort());
      expect(textsOf(doc, 'role-title-text'), name).toHaveLength(1);
    }
  });

  test('ramp: target and achieved are two line series in the legend, points carry the achieved rates', async () => {
    const svg = (await renderBenchCharts(report(SMALL)))['bench-ramp.svg']!;
    const doc = parseSvg(svg);

    expect(textsOf(doc, 'role-legend-label')).toEqual(['target', 'achieved', 'sustained', 'backlog grew']);
    const lines = doc.filter((e) => e.tag === 'path' && e.classes[0]?.startsWith('mark-line'));
    expect(lines.map((l) => l.attrs['aria-label']?.split('; ').at(-1)).sort()).toEqual([
      'rate: achieved',
      'rate: target',
    ]);
    // Each line goes through every step: one move and (steps - 1) line segments.
    for (const line of lines) expect(line.attrs.d?.match(/[ML]/g)).toHaveLength(SMALL.ramp.length);
    const points = markLabels(doc).filter((l) => l.includes('step: '));
    expect(points).toEqual(
      SMALL.ramp.map(
        (s, i) =>
          `ramp step (30 s each): ${i + 1}; changes per second: ${s.achieved}; step: ${s.sustained ? 'sustained' : 'backlog grew'}`,
      ),
    );
  });

  test('bars print the measured values beside or inside them, with a legend for the colours', async () => {
    const charts = await renderBenchCharts(report(SMALL));

    const sw = parseSvg(charts['bench-stream-writer.svg']!);
    expect(textsOf(sw, 'role-legend-label')).toEqual([
      'raw: JSON.parse + stringify + gzip',
      'stream-writer: decode + map + gzip',
    ]);
    expect(textsOf(sw, 'role-mark').sort()).toEqual(['18,591', '20,757', '27,050', '30,730'].sort());

    const lag = parseSvg(charts['bench-lag.svg']!);
    expect(textsOf(lag, 'role-legend-label')).toEqual(['p50', 'p95', 'p99', 'max', 'merge interval (5 s)']);
    expect(textsOf(lag, 'role-mark')).toEqual(expect.arrayContaining(['4,886', '8,699', '11,178', '11,676']));
    // The merge interval is a rule mark at 5,000 ms, not text over the bars.
    expect(markLabels(lag)).toContain('value: 5000; reference: merge interval (5 s)');
  });
});
