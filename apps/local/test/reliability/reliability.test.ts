import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { main } from '../../src/cli.js';
import { scenarioForProfile } from '../../src/reliability/profiles.js';
import type { ProfileName } from '../../src/reliability/profiles.js';
import { runReliability } from '../../src/reliability/run-reliability.js';
import { scenarioFor } from '../../src/reliability/scenario-model.js';
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
