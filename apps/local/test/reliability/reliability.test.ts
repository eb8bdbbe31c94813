import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { run } from '../../src/commands/reliability.js';
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
    // The plans really inject faults (fast-check's bias toward "nothing" is off).
    expect(others.filter((s) => s.faults.mergerCrashRate > 0.01).length).toBeGreaterThan(5);
    expect(others.filter((s) => s.faults.s3.errorRate > 0.001).length).toBeGreaterThan(5);
    expect(others.every((s) => s.operations.length >= 5)).toBe(true);
  });

  it('five seeded scenarios: the lake equals DynamoDB after each, nothing lost, duplicated or resurrected, no failed read', async () => {
    // Act
    const figures = await runReliability({ runs: 5, seed: 8_0808, services });

    // Assert
    expect({ failingSeeds: figures.failingSeeds, errors: figures.errors }).toEqual({
      failingSeeds: [],
      errors: 0,
    });
    expect(figures).toMatchObject({
      runs: 5,
      divergences: 0,
      lostChanges: 0,
      duplicates: 0,
      resurrections: 0,
      failedReads: 0,
    });
    expect(figures.badInputs.handled).toBe(figures.badInputs.tried);
    // The run did inject faults: a run with none would prove nothing.
    const injected = Object.values(figures.injected).reduce((a, b) => a + b, 0);
    expect(injected).toBeGreaterThan(0);
  }, 120_000);

  it('the command rejects a bad --runs before starting anything', async () => {
    // Arrange
    const out: string[] = [];
    const io = { stdout: (s: string) => out.push(s), stderr: (s: string) => out.push(s) };

    // Act / Assert
    await expect(run(['--runs', '0'], io)).rejects.toThrow('--runs must be a positive integer');
    expect(await run(['--help'], io)).toBe(0);
    expect(out.join('')).toContain('--seed <s>');
  });
});
