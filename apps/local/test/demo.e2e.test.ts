import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack } from '@ddb-athena-sync/local-stack/stack';
import type { Stack } from '@ddb-athena-sync/local-stack/stack';
import { tables } from '@ddb-athena-sync/schemas/test-support/example-tables';

import { buildFunctions } from '../src/functions.js';
import { runDemo } from '../src/demo/run-demo.js';
import type { DemoReport } from '../src/demo/run-demo.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

function expectConverged(report: DemoReport): void {
  for (const [name, t] of Object.entries(report.tables)) {
    expect({ name, examples: t.examples, converged: t.converged }).toEqual({
      name,
      examples: [],
      converged: true,
    });
    expect(t.rowsInLake).toBe(t.rowsInDynamo);
    expect(t.notVisible).toBe(0);
    expect(t.changes).toBeGreaterThan(0);
  }
  expect(report.reads.errors).toEqual([]);
  expect(report.reads.failed).toBe(0);
  expect(report.reads.total).toBeGreaterThan(0);
}

// One stack for the demo runs: DynamoDB Local takes seconds to start, and a second run on a stack
// that already holds the first run's rows is a harder check (the comparison covers every row).
describe('demo on the local stack', () => {
  let dir: string;
  let stack: Stack;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ddb-athena-sync-demo-'));
    stack = await startStack({
      dataDir: dir,
      functions: buildFunctions,
      inMemoryDynamoDb: true,
      mergeIntervalMs: 5000,
      tables: [...tables.values()],
    });
  });
  afterAll(async () => {
    await stack?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('converges, fails no read, and measures the lag of every change', async () => {
    const reportPath = join(dir, 'report.json');
    const report = await runDemo({ stack, durationMs: 25_000, reportPath });

    // On a failure, the numbers to look at.
    console.log(
      JSON.stringify({
        tables: Object.fromEntries(
          Object.entries(report.tables).map(([n, t]) => [
            n,
            { changes: t.changes, lagMs: t.lagMs, byKind: t.lagMsByKind },
          ]),
        ),
        merges: report.merges,
        ttlDeletes: report.ttlDeletes,
      }),
    );
    const written = JSON.parse(readFileSync(reportPath, 'utf8')) as DemoReport;
    expect(written.tables.books!.lagMs).toEqual(report.tables.books!.lagMs);
    // Vega draws the chart's dots as paths in the data-mark group (src/demo/lag-chart.ts).
    expect(readFileSync(report.chart!, 'utf8')).toMatch(
      /^<svg[^>]*>[\s\S]*class="mark-symbol role-mark[\s\S]*<path[\s\S]*<\/svg>\n$/,
    );
    expectConverged(report);
    expect(report.ok).toBe(true);
    expect(report.mergeIntervalMs).toBe(5000);
    const books = report.tables.books!;
    expect(books.writes.updates).toBeGreaterThan(0);
    expect(books.writes.deletes).toBeGreaterThan(0);
    expect(books.writes.ttlSet).toBeGreaterThan(0);
    expect(report.ttlDeletes).toBeGreaterThan(0);
    expect(report.tables.orders!.writes.duplicates).toBeGreaterThan(0);
    for (const t of Object.values(report.tables)) {
      expect(t.lagMs.count).toBe(t.changes + (t === books ? report.ttlDeletes : 0));
      // Every change was seen in the lake, after it was written: a positive, finite lag. How small
      // the lag is depends on the machine's load; that figure is `pnpm bench`'s (docs/BENCHMARKS.md),
      // not a test's.
      expect(t.lagMs.p99).toBeGreaterThan(0);
      expect(t.lagMs.max).toBeLessThan(report.durationMs + 180_000);
    }
  }, 120_000);

  it('converges with nothing lost when the merger stops and restarts and the stream poller is killed and restarted', async () => {
    const report = await runDemo({
      stack,
      durationMs: 24_000,
      faults: { mergerOutageMs: 6000, pollerOutageMs: 4000 },
    });

    expect(report.faults.map((f) => f.replace(/^\S+ /, ''))).toEqual(
      expect.arrayContaining([
        'merger stopped',
        'merger restarted',
        'stream pollers killed (books)',
        'stream pollers restarted from their checkpoints',
      ]),
    );
    expectConverged(report);
    expect(report.ok).toBe(true);
    // Every change the workload wrote became visible: nothing was lost during the outages.
    for (const t of Object.values(report.tables)) expect(t.lagMs.count).toBeGreaterThanOrEqual(t.changes);
  }, 150_000);
});
