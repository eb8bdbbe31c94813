import { describe, expect, test } from 'vitest';

import { booksStreamBatches } from '../../src/bench/books-stream-records.js';
import { renderBenchCharts } from '../../src/bench/bench-charts.js';
import { parseMergeLine } from '../../src/bench/merge-bench.js';
import { runBench } from '../../src/bench/run-bench.js';
import type { BenchPlan } from '../../src/bench/run-bench.js';
import { main } from '../../src/cli.js';

const TINY: BenchPlan = {
  streamWriter: { records: 300, batchSizes: [100, 200], rounds: 1, roundMs: 20 },
  mergeSizes: [],
  lagRunMs: 0,
  mergeIntervalMs: 5000,
  lagRatePerSec: 1,
  readers: 0,
  rampRates: [],
  rampStepMs: 0,
};

const positiveFinite = (x: unknown): boolean => typeof x === 'number' && Number.isFinite(x) && x > 0;

describe('bench (numbers are printed, never asserted against a time)', () => {
  test('the stream-writer part reports positive, finite rates and the machine', async () => {
    // Arrange / act
    const report = await runBench({ plan: TINY, quick: true, parts: ['stream-writer'] });

    // Assert: the JSON shape docs/BENCHMARKS.md and the issue name.
    const sw = report.streamWriter!;
    for (const field of [
      'recordsPerSec',
      'rawRecordsPerSec',
      'ratio',
      'wallRecordsPerSec',
      'rawWallRecordsPerSec',
      'stagedBytesPerRecord',
      'rawBytesPerRecord',
    ] as const) {
      expect(positiveFinite(sw[field]), field).toBe(true);
    }
    expect(sw.ratio).toBeCloseTo(sw.recordsPerSec / sw.rawRecordsPerSec, 0);
    expect(report.machine.cpus).toBeGreaterThan(0);
    expect(typeof report.machine.model).toBe('string');
    expect(positiveFinite(report.machine.memoryBytes)).toBe(true);
    expect(report.machine.node).toMatch(/^v\d+\./);
    expect(Number.isNaN(Date.parse(report.date))).toBe(false);
    expect(report.merge).toBeUndefined();
    expect(report.endToEnd).toBeUndefined();
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
  });

  test('synthetic records: the requested count, batch sizes cycled, distinct keys, every event kind', () => {
    const batches = booksStreamBatches({ records: 1000, batchSizes: [100, 300] });
    expect(batches.map((b) => b.records)).toEqual([100, 300, 100, 300, 100, 100]);
    const records = batches.flatMap(
      (b) =>
        (
          JSON.parse(b.eventJson) as {
            Records: { eventName: string; dynamodb: { Keys: { id: { S: string } } } }[];
          }
        ).Records,
    );
    expect(new Set(records.map((r) => r.eventName))).toEqual(new Set(['INSERT', 'MODIFY', 'REMOVE']));
    expect(new Set(records.map((r) => r.dynamodb.Keys.id.S)).size).toBeGreaterThan(300);
  });

  test('merge script lines: result objects parse, other lines do not', () => {
    const line =
      '{"rows":100000,"loadMs":7200,"mergeMs":1090,"inserted":2000,"updated":7000,"deleted":1000,"scanBeforeOptimizeMs":67,"optimizeMs":1130,"scanAfterOptimizeMs":38,"rowsAfter":"101000"}';
    expect(parseMergeLine(line)).toMatchObject({ rows: 100000, mergeMs: 1090, optimizeMs: 1130 });
    expect(parseMergeLine('merge time ratio 1000000 / 100000 rows: 0.68')).toBeUndefined();
    expect(parseMergeLine('{"rows":"many"}')).toBeUndefined();
  });

  test('charts are SVG documents with the measured numbers', async () => {
    const report = await runBench({ plan: TINY, quick: true, parts: ['stream-writer'] });
    const charts = await renderBenchCharts(report);
    expect(Object.keys(charts)).toEqual(['bench-stream-writer.svg']);
    const svg = charts['bench-stream-writer.svg']!;
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(svg).toContain(report.streamWriter!.recordsPerSec.toLocaleString('en-US'));
  });

  test('the command rejects unknown parts and stray arguments', async () => {
    let err = '';
    const io = { stdout: () => undefined, stderr: (s: string) => (err += s) };
    expect(await main(['bench', '--only', 'nope'], io)).toBe(2);
    expect(err).toMatch(/unknown part "nope"/);
    expect(await main(['bench', 'extra'], io)).toBe(2);
    expect(err).toMatch(/too many arguments/);
  });
});
