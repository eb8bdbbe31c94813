import { ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { compactionBatchId, compactStaged } from '@ddb-athena-sync/core/merge/compact-staged';
import { readJournal } from '@ddb-athena-sync/core/merge/journal';
import { acquireLease } from '@ddb-athena-sync/core/merge/lease';
import { encodeStagingObject } from '@ddb-athena-sync/core/staging/staging-object';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { main } from '../../src/cli.js';
import { COMPACTION_CRASH_POINTS, InjectedFault, ProcessLife } from '../../src/reliability/faults.js';
import type { CompactionCrashPoint } from '../../src/reliability/faults.js';
import { scenarioForProfile } from '../../src/reliability/profiles.js';
import type { ProfileName } from '../../src/reliability/profiles.js';
import { runReliability } from '../../src/reliability/run-reliability.js';
import { reliabilityTable, scenarioFor } from '../../src/reliability/scenario-model.js';
import { startSharedServices } from '../../src/reliability/shared-services.js';
import type { SharedServices } from '../../src/reliability/shared-services.js';

let services: SharedServices;

beforeAll(async () => {
  services = await startSharedServices();
});

afterAll(async () => {
  await services.stop();
});

describe('reliability harness', () => {
  it('a seed always stands for the same scenario, and seeds differ in workload and faults', () => {
    // Arrange / Act
    const a = scenarioFor(42);
    const b = scenarioFor(42);
    const others = Array.from({ length: 20 }, (_, i) => scenarioFor(1000 + i));

    // Assert
    expect(a).toEqual(b);
    expect(new Set(others.map((s) => JSON.stringify(s))).size).toBe(20);
    // The plans really inject faults (fast-check's bias toward "nothing" is off), and keys have many versions.
    expect(others.filter((s) => s.faults.mergerCrashRate > 0.01).length).toBeGreaterThan(5);
    expect(others.filter((s) => s.faults.lateDuplicate > 0.01).length).toBeGreaterThan(5);
    expect(others.filter((s) => s.backfill !== undefined).length).toBeGreaterThan(1);
    expect(others.every((s) => s.operations.length >= 20 && s.keys <= 8)).toBe(true);
  });

  const profiles: ProfileName[] = ['full', 'redeliveries', 'crashes', 'engine-faults'];
  it.each(profiles)(
    'a seeded %s scenario: every snapshot and the end agree with the history of writes',
    async (profile) => {
      // Act
      const figures = await runReliability({
        runs: 1,
        seed: 7,
        scenario: (seed) => scenarioForProfile(seed, profile),
        services,
      });

      // Assert
      expect({
        failingSeeds: figures.failingSeeds,
        violations: figures.violations,
        errors: figures.errors,
      }).toEqual({
        failingSeeds: [],
        violations: {},
        errors: 0,
      });
      expect(figures.badInputs.handled).toBe(figures.badInputs.tried);
      expect(figures.onFailureRecords).toBe(0);
      // The oracle had something to check, and faults fired: a run with none would prove nothing.
      expect(figures.observations).toBeGreaterThan(5);
      expect(figures.commits).toBeGreaterThan(0);
      expect(Object.values(figures.injected).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    },
    60_000,
  );

  it('a seeded append-compaction scenario compacts in its merger runs, and the lake still agrees with the history', async () => {
    // Act
    const figures = await runReliability({
      runs: 1,
      seed: 1,
      scenario: (seed) => scenarioForProfile(seed, 'append-compaction'),
      services,
    });

    // Assert
    expect({
      failingSeeds: figures.failingSeeds,
      violations: figures.violations,
      errors: figures.errors,
    }).toEqual({ failingSeeds: [], violations: {}, errors: 0 });
    // Compaction really ran (core's default limits never compact a scenario's few objects), each
    // output folding at least two staged objects: the coverage cannot silently disappear.
    expect(figures.compactions.outputs).toBeGreaterThan(0);
    expect(figures.compactions.inputs).toBeGreaterThanOrEqual(2 * figures.compactions.outputs);
    // No row reached the lake through two staged objects (an input and its output, or two outputs).
    expect(figures.stagedTwice).toBe(0);
    expect(figures.commits).toBeGreaterThan(0);
  }, 90_000);

  it('the command rejects bad flags before starting anything', async () => {
    // Arrange
    const out: string[] = [];
    const io = { stdout: (s: string) => out.push(s), stderr: (s: string) => out.push(s) };

    // Act / Assert
    expect(await main(['reliability', '--runs', '0'], io)).toBe(2);
    expect(out.join('')).toContain(
      "option '--runs <n>' argument '0' is invalid. Must be a positive whole number.",
    );
    expect(await main(['reliability', '--profile', 'nope'], io)).toBe(2);
    expect(out.join('')).toMatch(/argument 'nope' is invalid. Allowed choices are/);
    expect(await main(['reliability', '--help'], io)).toBe(0);
    expect(out.join('')).toContain('--mutants');
  });
});

/** What each crash point must leave behind (compact-staged.ts, header comment, steps 1-4). */
const EXPECTED: Record<
  CompactionCrashPoint,
  { journal: 'merging' | 'committed'; output: boolean; inputsLeft: number }
> = {
  'before-output-put': { journal: 'merging', output: false, inputsLeft: 3 },
  'before-committed': { journal: 'merging', output: true, inputsLeft: 3 },
  'before-input-deletes': { journal: 'committed', output: true, inputsLeft: 3 },
  'between-input-deletes': { journal: 'committed', output: true, inputsLeft: 2 },
};

describe('compaction crash points', () => {
  it.each(COMPACTION_CRASH_POINTS)(
    'a merger dying at %s leaves the journal state and staged objects that point names',
    async (point) => {
      // Arrange: three staged stream objects of an append table, the lease held by "owner"
      const table = reliabilityTable(`crash_${point.replaceAll('-', '_')}`, 'append');
      const prefix = `staging/${table.name}/`;
      const inputs = [1, 2, 3].map((i) => `${prefix}2026/12/02/02/shard-${i}-${i}.json.gz`);
      for (const [i, key] of inputs.entries())
        await services.s3.send(
          new PutObjectCommand({
            Bucket: services.bucket,
            Key: key,
            Body: encodeStagingObject([
              {
                id: `k${i}`,
                _op: 'upsert',
                _seq: String(i + 1).padStart(40, '0'),
                _event_time: '2026-12-02 02:00:00.000000',
                _source: 'stream',
              },
            ]),
          }),
        );
      const owner = `owner-${point}`;
      await acquireLease(services.ddb, {
        controlTable: services.controlTable,
        table: table.name,
        owner,
        now: new Date(),
        durationMs: 60_000,
      });
      const life = new ProcessLife(undefined, point);

      // Act
      const run = compactStaged(
        { s3: life.client(services.s3), dynamodb: life.client(services.ddb), now: () => new Date() },
        {
          table,
          bucket: services.bucket,
          journal: { controlTable: services.controlTable, table: table.name, owner },
        },
        compactionBatchId(inputs),
        inputs,
        false,
      );

      // Assert
      await expect(run).rejects.toThrow(InjectedFault);
      expect(life.diedAtPoint).toBe(point);
      // The deletes sent before the death (concurrent workers) may still be on their way.
      await life.settled();
      const [listing, journal] = await Promise.all([
        services.s3.send(new ListObjectsV2Command({ Bucket: services.bucket, Prefix: prefix })),
        readJournal(services.ddb, services.controlTable, table.name),
      ]);
      const keys = (listing.Contents ?? []).map((o) => o.Key!);
      expect({
        journal: journal?.state,
        output: keys.some((k) => k.includes('/compacted/')),
        inputsLeft: keys.filter((k) => inputs.includes(k)).length,
      }).toEqual(EXPECTED[point]);
    },
    30_000,
  );
});
