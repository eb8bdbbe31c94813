import fc from 'fast-check';
import { describe, expect, test } from 'vitest';

import { lagChartSpec, lagPoints, renderLagChart } from '../../src/demo/lag-chart.js';
import type { LagSample } from '../../src/demo/lag-tracker.js';
import { parseSvg, textsOf } from '../svg-tree.js';

const STARTED = 1_764_630_000_000;

const sampleArb = fc
  .record({
    table: fc.constantFrom('books', 'orders', 'events'),
    afterMs: fc.integer({ min: 0, max: 600_000 }),
    lagMs: fc.integer({ min: 0, max: 120_000 }),
    kind: fc.constantFrom('insert', 'update', 'delete', 'ttl-delete'),
  })
  .map((s): LagSample => ({
    table: s.table,
    writtenAt: STARTED + s.afterMs,
    visibleAt: STARTED + s.afterMs + s.lagMs,
    lagMs: s.lagMs,
    kind: s.kind,
  }));

/** A small deterministic run: books lags up to 5.5 s, orders up to 3 s. */
function syntheticSamples(n: number): LagSample[] {
  return Array.from({ length: n }, (_, i) => {
    const table = i % 3 === 0 ? 'orders' : 'books';
    const writtenAt = STARTED + i * 100;
    const lagMs = table === 'books' ? 500 + ((i * 7919) % 5000) : 1000 + ((i * 104_729) % 2000);
    return { table, writtenAt, visibleAt: writtenAt + lagMs, lagMs, kind: 'insert' as const };
  });
}

describe('lag chart spec (the data are the measured samples)', () => {
  test('one point per sample: seconds since the start, lag in seconds, named by table and count', () => {
    fc.assert(
      fc.property(fc.array(sampleArb, { maxLength: 60 }), (samples) => {
        // Act
        const points = lagPoints({ samples, startedAt: STARTED, mergeIntervalMs: 5000 });

        // Assert
        expect(points).toHaveLength(samples.length);
        samples.forEach((s, i) => {
          const n = samples.filter((o) => o.table === s.table).length;
          expect(points[i]).toEqual({
            series: `${s.table} (${n.toLocaleString('en-US')} ${n === 1 ? 'change' : 'changes'})`,
            writtenSec: (s.writtenAt - STARTED) / 1000,
            lagSec: s.lagMs / 1000,
          });
        });
        const spec = lagChartSpec({ samples, startedAt: STARTED, mergeIntervalMs: 5000 });
        expect((spec as { data: { values: unknown[] } }).data.values).toEqual(points);
      }),
    );
  });
});

describe('lag chart as SVG (rendered by Vega)', () => {
  test('well-formed, titled axes, a legend entry per table and for the budget, a dot per change', async () => {
    // Arrange
    const samples = syntheticSamples(300);

    // Act
    const svg = await renderLagChart({ samples, startedAt: STARTED, mergeIntervalMs: 5000, budgetMs: 8000 });

    // Assert
    const doc = parseSvg(svg);
    expect(doc[0]?.tag).toBe('svg');
    expect(textsOf(doc, 'role-axis-title').sort()).toEqual(['lag (s)', 'write time (s since start)']);
    expect(textsOf(doc, 'role-legend-label')).toEqual([
      'books (200 changes)',
      'orders (100 changes)',
      'lag budget 8 s',
    ]);
    const dots = doc.filter((e) => e.tag === 'path' && e.classes[0]?.startsWith('mark-symbol role-mark'));
    expect(dots).toHaveLength(samples.length);
    const colours = new Set(dots.map((d) => d.attrs.fill));
    expect(colours).toEqual(new Set(['#1f77b4', '#ff7f0e']));
    // No text over the dots or the budget line: every text is a title, an axis or a legend.
    expect(textsOf(doc, 'role-mark')).toEqual([]);
    const rule = doc.filter((e) => e.tag === 'line' && e.classes[0]?.startsWith('mark-rule role-mark'));
    expect(rule).toHaveLength(1);
    expect(await renderLagChart({ samples, startedAt: STARTED, mergeIntervalMs: 5000, budgetMs: 8000 })).toBe(
      svg,
    );
  });

  test('the y axis reaches the budget line and the slowest change', async () => {
    const samples = syntheticSamples(30);
    const slowest = Math.max(...samples.map((s) => s.lagMs)) / 1000;
    for (const budgetMs of [2000, 20_000]) {
      const doc = parseSvg(
        await renderLagChart({ samples, startedAt: STARTED, mergeIntervalMs: 5000, budgetMs }),
      );
      const yAxis = doc.find((e) => e.attrs['aria-label']?.startsWith("Y-axis titled 'lag (s)'"));
      const top = Number(
        /values from 0 to ([\d.,]+)/.exec(yAxis?.attrs['aria-label'] ?? '')?.[1]?.replace(/,/g, ''),
      );
      expect(top).toBeGreaterThanOrEqual(Math.max(slowest, budgetMs / 1000));
    }
  });

  test('an empty run still renders axes (no samples, no budget)', async () => {
    const doc = parseSvg(await renderLagChart({ samples: [], startedAt: STARTED, mergeIntervalMs: 5000 }));
    expect(textsOf(doc, 'role-axis-title').sort()).toEqual(['lag (s)', 'write time (s since start)']);
    expect(textsOf(doc, 'role-legend-label')).toEqual([]);
  });
});
