// The `cost` command: exit codes, --json shape, text output, and a bad price file.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { CostReport } from '@ddb-athena-sync/cost/cost-types';
import { describe, expect, it } from 'vitest';

import { main } from '../../src/cli.js';

async function invoke(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(['cost', ...args], { stdout: (s) => (out += s), stderr: (s) => (err += s) });
  return { code, out, err };
}

describe('ddb-athena-sync cost', () => {
  it('prints the seed scenario as JSON with the documented fields', async () => {
    const { code, out, err } = await invoke(['--scenario', 'seed', '--json']);
    expect(err).toBe('');
    expect(code).toBe(0);
    const report = JSON.parse(out) as CostReport;
    expect(report.schema).toBe('ddb-athena-sync/cost@1');
    expect(report.scenario).toBe('seed');
    expect(report.prices).toMatchObject({
      region: 'us-east-1',
      currency: 'USD',
      readOn: '2026-11-27',
      monthHours: 730,
    });
    expect(Array.isArray(report.prices.notConfirmedOnAwsPage)).toBe(true);
    expect(typeof report.assumptions.streamWriterBatchWindowSec).toBe('number');
    expect(report.tables).toHaveLength(2);
    for (const table of report.tables) {
      expect(Object.keys(table).sort()).toEqual(['derived', 'designs', 'profile']);
      expect(Object.keys(table.profile).sort()).toEqual([
        'freshnessSec',
        'itemBytes',
        'items',
        'name',
        'updateFraction',
        'writesPerSec',
      ]);
      for (const design of table.designs) {
        expect(Object.keys(design).sort()).toEqual([
          'achievedFreshnessSec',
          'design',
          'feasible',
          'lines',
          'lowerBound',
          'meetsFreshness',
          'module',
          'monthlyUsd',
          'notes',
          'title',
        ]);
        expect(typeof design.monthlyUsd).toBe('number');
        for (const line of design.lines) {
          expect(Object.keys(line).sort()).toEqual([
            'component',
            'note',
            'per',
            'priceKey',
            'quantity',
            'unit',
            'unitPrice',
            'usd',
          ]);
        }
      }
    }
    expect(report.articleFirehose).toMatchObject({ articleUsd: 33.46, gbPerDay: 20 });
  });

  it('defaults to the seed scenario and prints text tables', async () => {
    const { code, out } = await invoke([]);
    expect(code).toBe(0);
    expect(out).toContain('# ddb-athena-sync cost: scenario seed');
    expect(out).toContain('| merge mode (this project) |');
    expect(out).toContain('33.46');
  });

  it('prices a custom profile given by flags', async () => {
    const { code, out } = await invoke([
      '--items',
      '1000',
      '--item-bytes',
      '500',
      '--writes-per-sec',
      '2',
      '--freshness-sec',
      '300',
      '--json',
    ]);
    expect(code).toBe(0);
    const report = JSON.parse(out) as CostReport;
    expect(report.scenario).toBe('custom');
    expect(report.articleFirehose).toBeNull();
    expect(report.tables[0]!.profile).toMatchObject({
      items: 1000,
      itemBytes: 500,
      writesPerSec: 2,
      freshnessSec: 300,
    });
  });

  it('rejects bad arguments with exit code 2 and says why', async () => {
    const missing = await invoke(['--items', '10']);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('--item-bytes is required');
    const bad = await invoke([
      '--items=-1',
      '--item-bytes',
      '1',
      '--writes-per-sec',
      '1',
      '--freshness-sec',
      '1',
    ]);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('--items must be');
    expect((await invoke(['--scenario', 'nope'])).code).toBe(2);
    expect((await invoke(['--bogus'])).code).toBe(2);
  });

  it('reports an unusable price file with exit code 1', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cost-'));
    const file = join(dir, 'prices.json');
    await writeFile(file, '{"region": "x"}');
    const { code, err } = await invoke(['--prices', file]);
    expect(code).toBe(1);
    expect(err).toContain('price "athena.usdPerTbScanned" is missing');
  });
});
