import { describe, expect, it } from 'vitest';

import { assertTargets, MutantTargetError, runMutationGate } from '../../src/reliability/mutation/gate.js';
import { MUTANTS } from '../../src/reliability/mutation/mutants.js';

describe('mutation gate', () => {
  it("finds every listed mutant's snippet in the product code, and fails loudly when one moved", async () => {
    // Arrange
    const moved = {
      ...MUTANTS[0]!,
      replacements: [{ find: 'a snippet that is not there', replace: '', count: 1 }],
    };

    // Act / Assert
    await expect(assertTargets(MUTANTS)).resolves.toBeUndefined();
    await expect(assertTargets([moved])).rejects.toThrow(MutantTargetError);
  });

  it('kills two mutants of the lake merge with seeded scenarios, each confirmed by a passing control run', async () => {
    // Act
    const report = await runMutationGate({
      runsPerMutant: 3,
      seed: 1,
      only: ['dedupe-ascending', 'delete-branch-removed'],
    });

    // Assert
    expect(report.outcomes.map((o) => [o.name, o.status])).toEqual([
      ['dedupe-ascending', 'killed'],
      ['delete-branch-removed', 'killed'],
    ]);
    expect(report.ok).toBe(true);
  }, 360_000);

  it("kills a compaction mutant (committed before the output's PUT) with a seeded append-compaction scenario and a passing control run", async () => {
    // Act: one mutant of compact-staged.ts, whose loss only a crash between `committed` and the PUT
    // shows (the append-compaction profile's `before-output-put` crash point); seed 1 killed it first.
    const report = await runMutationGate({
      runsPerMutant: 3,
      seed: 1,
      only: ['compaction-committed-before-put'],
    });

    // Assert
    expect(report.outcomes.map((o) => [o.name, o.status])).toEqual([
      ['compaction-committed-before-put', 'killed'],
    ]);
    expect(report.ok).toBe(true);
  }, 360_000);
});
