// Issue 15, "Done when": from a directory outside the repository that holds only a declarations
// file with a new table (composite key, a TTL attribute, a nested map column),
// `ddb-athena-sync demo --config <file>` converges: the demo writes a workload generated from the
// declaration (inserts, updates, deletes, TTL expiries), sees every change in the lake, and the
// lake equals a full Scan of DynamoDB.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { authorsTablesFile } from '@ddb-athena-sync/schemas/test-support/authors';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { main } from '../src/cli.js';
import type { DemoReport } from '../src/demo/run-demo.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

describe('demo on a declarations file outside the repository', () => {
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'demo-generic-'));
    // Not the default file name: only --config finds it.
    writeFileSync(join(dir, 'authors.tables.json'), authorsTablesFile);
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs a workload generated from the declaration and converges', async () => {
    // Arrange
    expect(readdirSync(dir)).toEqual(['authors.tables.json']);
    let out = '';
    const io = { stdout: (s: string) => (out += s), stderr: (s: string) => (out += s) };

    // Act
    const code = await main(
      [
        'demo',
        '--config',
        'authors.tables.json',
        '--duration',
        '15',
        '--readers',
        '1',
        '--merge-interval',
        '2',
        '--report',
        'report.json',
      ],
      io,
      { cwd: dir },
    );

    // Assert
    const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as DemoReport;
    const authors = report.tables.authors!;
    console.log(
      JSON.stringify({
        durationMs: report.durationMs,
        drainMs: report.drainMs,
        changes: authors.changes,
        writes: authors.writes,
        rows: [authors.rowsInDynamo, authors.rowsInLake],
        lagMs: authors.lagMs,
        ttlDeletes: report.ttlDeletes,
        reads: report.reads.total,
        errors: report.errors,
      }),
    );
    expect(Object.keys(report.tables)).toEqual(['authors']);
    expect(authors.examples).toEqual([]);
    expect(authors.converged).toBe(true);
    expect(authors.notVisible).toBe(0);
    expect(authors.rowsInLake).toBe(authors.rowsInDynamo);
    expect(authors.writes.errors).toBe(0);
    expect(authors.writes.inserts).toBeGreaterThan(0);
    expect(authors.writes.updates).toBeGreaterThan(0);
    expect(authors.writes.deletes).toBeGreaterThan(0);
    expect(authors.writes.ttlSet).toBeGreaterThan(0);
    // Every change the workload wrote, and every delete the TTL sweeper made, was seen in the lake
    // (one lag sample each; `changes` counts the workload's writes, the sweeper's deletes come on top).
    expect(report.ttlDeletes).toBe(authors.writes.ttlSet);
    expect(authors.lagMs.count).toBe(authors.changes + report.ttlDeletes);
    expect(authors.lagMsByKind['ttl-delete']?.count).toBe(report.ttlDeletes);
    expect(report.reads.failed).toBe(0);
    expect(report.reads.total).toBeGreaterThan(0);
    expect(report.errors).toEqual([]);
    expect(report.ok).toBe(true);
    expect(out).toContain('OK: every table converged and every read succeeded.');
    expect(code).toBe(0);
  }, 240_000);
});
